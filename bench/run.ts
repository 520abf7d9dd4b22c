/**
 * The benchmark suite behind `npm run bench` (see docs/performance.md): runs every scenario, writes
 * `<outDir>/<date>.json` and `<outDir>/<date>.md`, and returns the results. `smoke` runs the same
 * code with tiny sizes (the `npm test` guard that keeps the benchmarks from rotting).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildControllerBundle, productionNodeFlags } from './lib/controller-process';
import { type MachineInfo, machineInfo } from './lib/machine';
import { type Summary, summarize } from './lib/stats';
import { renderMarkdown } from './report';
import {
  type AtRestResult,
  type ConvergenceRun,
  convergence,
  type EditLatencyResult,
  editLatency,
  type FleetEnv,
  type IdleMemorySample,
  idleMemory,
  atRest as measureAtRest,
  settle,
} from './scenarios/fleet';
import { type ModeSynthResult, type PreviewSynthResult, synthPerMode, synthPreview } from './scenarios/synth';

/** Sizes and repetitions of a bench run. */
export interface BenchProfile {
  readonly name: 'full' | 'smoke';
  readonly synth: { runs: number; rendersPerRun: number; previewNodes: number };
  /** Discarded convergence run first (JIT, page cache, binaries), or 0 for none. */
  readonly warmupN: number;
  /** Convergence sizes and how many timed runs each. */
  readonly convergence: readonly { n: number; runs: number }[];
  readonly convergenceTimeoutMs: number;
  /** At-rest window and memory sampling, on the last run of the largest N. */
  readonly atRest: {
    settleQuietMs: number;
    settleTimeoutMs: number;
    windowMs: number;
    sampleEveryMs: number;
  };
  readonly edits: { count: number; gapMs: number; completeTimeoutMs: number };
  /** Idle-memory samples taken on every converged fleet of the largest N. */
  readonly idleMemory: { samples: number; everyMs: number };
}

/** `npm run bench`: fits in ~30 minutes on 2 cores (see docs/performance.md for the budget). */
export const FULL_PROFILE: BenchProfile = {
  name: 'full',
  synth: { runs: 5, rendersPerRun: 200, previewNodes: 1000 },
  warmupN: 50,
  convergence: [
    { n: 100, runs: 5 },
    { n: 500, runs: 5 },
    { n: 1000, runs: 5 },
  ],
  convergenceTimeoutMs: 900_000,
  atRest: { settleQuietMs: 15_000, settleTimeoutMs: 300_000, windowMs: 125_000, sampleEveryMs: 5_000 },
  edits: { count: 100, gapMs: 500, completeTimeoutMs: 240_000 },
  idleMemory: { samples: 5, everyMs: 2_000 },
};

/** `npm run bench -- --smoke` and the `npm test` smoke test: every scenario, tiny sizes. */
export const SMOKE_PROFILE: BenchProfile = {
  name: 'smoke',
  synth: { runs: 1, rendersPerRun: 3, previewNodes: 8 },
  warmupN: 0,
  convergence: [{ n: 4, runs: 1 }],
  convergenceTimeoutMs: 60_000,
  atRest: { settleQuietMs: 1_000, settleTimeoutMs: 30_000, windowMs: 2_000, sampleEveryMs: 1_000 },
  edits: { count: 2, gapMs: 200, completeTimeoutMs: 30_000 },
  idleMemory: { samples: 2, everyMs: 200 },
};

/** Convergence results of one N. */
export interface ConvergenceSeries {
  readonly n: number;
  readonly runs: readonly ConvergenceRun[];
  /** Convergence time (ms). */
  readonly convergeMs: Summary;
  /** Write-floor time (ms). */
  readonly floorMs: Summary;
  /** Per-run convergeMs / floorMs. */
  readonly ratio: Summary;
}

/** Everything a bench run measured (the JSON file). */
export interface BenchResults {
  readonly date: string;
  readonly profile: BenchProfile;
  readonly machine: MachineInfo;
  /** Node flags the controller process ran with. */
  readonly controllerNodeFlags: readonly string[];
  readonly durationMs: number;
  /** 1-minute load average sampled every 10 s during the run (other work on the machine skews results). */
  readonly load: { readonly mean: number; readonly max: number };
  readonly synth: { readonly perMode: readonly ModeSynthResult[]; readonly preview: PreviewSynthResult };
  readonly convergence: readonly ConvergenceSeries[];
  readonly atRest: AtRestResult;
  /**
   * Controller memory of each converged, idle fleet of the largest N (one controller process per
   * run; medians of its samples), summarized over the runs: the memory target's figure.
   */
  readonly idleMemory?: {
    readonly nodes: number;
    readonly runs: readonly IdleMemorySample[];
    readonly rssMiB: Summary;
    readonly heapUsedMiB: Summary;
  };
  readonly editLatency: EditLatencyResult;
}

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  profile: BenchProfile;
  /** Where `<date>.json` and `<date>.md` go. */
  outDir: string;
  /** Use this control plane (CRDs installed) instead of fresh ones per convergence run. */
  sharedKubeconfig?: string;
  /** Only these scenario groups. @default all */
  only?: readonly ('synth' | 'fleet')[];
  /** Suffix of the result file names (`<date>-<label>.json`). */
  label?: string;
  /** A prebuilt controller bundle (e.g. of another commit, for before/after runs). @default built from this checkout */
  bundle?: string;
  /** Node flags of the controller process. @default production's ({@link productionNodeFlags}) */
  nodeFlags?: string[];
  log?: (line: string) => void;
}

/** Runs the suite and writes the result files. */
export async function runBench(opts: RunBenchOptions): Promise<{ results: BenchResults; files: string[] }> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const p = opts.profile;
  const started = performance.now();
  const machine = machineInfo();
  const date = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const want = (g: 'synth' | 'fleet') => !opts.only || opts.only.includes(g);
  const loads: number[] = [loadavg()[0] ?? 0];
  const loadTimer = setInterval(() => loads.push(loadavg()[0] ?? 0), 10_000);
  loadTimer.unref();
  mkdirSync(opts.outDir, { recursive: true });
  const suffix = [p.name === 'smoke' ? 'smoke' : '', opts.label ?? ''].filter(Boolean).join('-');
  const base = join(opts.outDir, suffix ? `${date}-${suffix}` : date);
  const results = (): BenchResults =>
    ({
      date,
      profile: p,
      machine,
      controllerNodeFlags: opts.nodeFlags ?? productionNodeFlags(),
      durationMs: performance.now() - started,
      load: { mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads) },
      synth,
      convergence: series,
      atRest,
      ...(memory.length && series.length
        ? {
            idleMemory: {
              nodes: Math.max(...p.convergence.map((c) => c.n)),
              runs: memory,
              rssMiB: summarize(memory.map((m) => m.rssMiB)),
              heapUsedMiB: summarize(memory.map((m) => m.heapUsedMiB)),
            },
          }
        : {}),
      editLatency: edits,
    }) as BenchResults;
  // Progress survives an interrupted run (`*.tmp` is git-ignored).
  const save = () => writeFileSync(`${base}.json.tmp`, `${JSON.stringify(results(), null, 2)}\n`);

  let synth: BenchResults['synth'] | undefined;
  const series: ConvergenceSeries[] = [];
  let atRest: AtRestResult | undefined;
  let edits: EditLatencyResult | undefined;
  const memory: IdleMemorySample[] = [];
  if (want('synth')) {
    log('synth: per mode');
    const perMode = synthPerMode(p.synth);
    log(`synth: preview chart of ${p.synth.previewNodes} SeiNodes`);
    const preview = synthPreview(p.synth);
    synth = { perMode, preview };
    save();
  }

  if (want('fleet')) {
    if (!opts.bundle) log('building the controller bundle');
    const bundle = opts.bundle ?? buildControllerBundle();
    let seq = 0;
    const env = (): FleetEnv => ({
      bundle,
      nodeFlags: opts.nodeFlags,
      sharedKubeconfig: opts.sharedKubeconfig,
      prefix: `bench-${process.pid.toString(36)}-${(seq++).toString(36)}`,
      log,
    });
    if (p.warmupN > 0) {
      log(`convergence warm-up: N=${p.warmupN} (discarded)`);
      await convergence(env(), p.warmupN, { timeoutMs: p.convergenceTimeoutMs });
    }
    const largest = Math.max(...p.convergence.map((c) => c.n));
    for (const { n, runs } of p.convergence) {
      const list: ConvergenceRun[] = [];
      for (let r = 0; r < runs; r++) {
        log(`convergence: N=${n}, run ${r + 1}/${runs}`);
        const last = n === largest && r === runs - 1;
        list.push(
          await convergence(env(), n, {
            timeoutMs: p.convergenceTimeoutMs,
            whileLive:
              n === largest
                ? async (fleet) => {
                    await settle(fleet.controller, p.atRest.settleQuietMs, p.atRest.settleTimeoutMs);
                    const mem = await idleMemory(fleet.controller, p.idleMemory);
                    memory.push(mem);
                    log(
                      `  idle controller: RSS ${mem.rssMiB.toFixed(0)} MiB, heap ${mem.heapUsedMiB.toFixed(0)} MiB`,
                    );
                    if (!last) return;
                    log(`at rest: ${n} idle Running SeiNodes, ${p.atRest.windowMs / 1000} s window`);
                    atRest = await measureAtRest(fleet, p.atRest);
                    save();
                    log(`edit latency: ${p.edits.count} image edits on the idle fleet`);
                    edits = await editLatency(fleet, { edits: p.edits.count, ...p.edits });
                  }
                : undefined,
          }),
        );
      }
      series.push({
        n,
        runs: list,
        convergeMs: summarize(list.map((r) => r.convergeMs)),
        floorMs: summarize(list.map((r) => r.floor.ms)),
        ratio: summarize(list.map((r) => r.ratio)),
      });
      save();
    }
  }

  clearInterval(loadTimer);
  loads.push(loadavg()[0] ?? 0);
  const final = results();
  writeFileSync(`${base}.json`, `${JSON.stringify(final, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderMarkdown(final));
  rmSync(`${base}.json.tmp`, { force: true });
  log(`wrote ${base}.json and ${base}.md`);
  return { results: final, files: [`${base}.json`, `${base}.md`] };
}
