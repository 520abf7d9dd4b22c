/**
 * The controller under benchmark: the production bundle (`npm run build` → one ESM file) run as a
 * separate Node process with the production defaults (4 workers, 30 s sidecar probes, 5 s→60 s
 * task retry backoff, `info` logs), so its CPU, memory and event loop are its own and the test
 * harness (kubelet stand-in, sidecar simulator, the benchmark's watchers) does not pollute them.
 * Everything the benchmark reads comes from the controller's own Prometheus endpoint:
 * `rest_client_requests_total` (API requests by verb/resource/code), `process_resident_memory_bytes`
 * and `nodejs_heap_size_*` (memory).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { CONTROLLER_NODE_OPTIONS } from '../../constructs/install/controller-deployment';
import { EXAMPLE_PLATFORM_CONFIG, platformConfigToEnv } from '../../constructs/platform-config';
import { freePort } from '../../test/support/control-plane/ports';

const ROOT = join(import.meta.dirname, '..', '..');

/** Verbs that change state on the server (as `controller/kube/request-counter.ts`). */
export const WRITE_VERBS = new Set(['create', 'update', 'patch', 'apply', 'delete']);

/**
 * The Node flags production runs the bundle with, so the benchmark measures what ships: the options
 * between the node binary and the script in the Dockerfile's `ENTRYPOINT`, then the controller
 * Deployment's default `NODE_OPTIONS` ({@link CONTROLLER_NODE_OPTIONS}: heap sizing).
 */
export function productionNodeFlags(): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const m = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  const entrypoint = m
    ? (JSON.parse(m[1] as string) as string[]).slice(1).filter((a) => a.startsWith('--'))
    : [];
  return [...entrypoint, ...CONTROLLER_NODE_OPTIONS.split(/\s+/).filter(Boolean)];
}

/** Bundles `controller/main.ts` like `npm run build`, into a temp file; returns its path. */
export function buildControllerBundle(): string {
  const outfile = join(mkdtempSync(join(tmpdir(), 'sei-bench-build-')), 'controller.js');
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts')], {
    cwd: ROOT,
    env: { ...process.env, SEI_BUILD_OUTFILE: outfile },
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`controller build failed:\n${res.stderr}\n${res.stdout}`);
  return outfile;
}

/** One scrape of the controller's metrics endpoint, reduced to what the benchmarks read. */
export interface ControllerSample {
  /** `"<verb> <resource> <code>"` → count, cumulative since start. */
  readonly requests: Record<string, number>;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Sum of `workqueue_depth` over the controllers. */
  readonly queueDepth: number;
  /** `controller_runtime_reconcile_total` summed over results, per controller. */
  readonly reconciles: Record<string, number>;
}

/** Options of {@link startControllerProcess}. */
export interface ControllerProcessOptions {
  /** The bundle from {@link buildControllerBundle}. */
  bundle: string;
  /** Admin kubeconfig of the control plane. */
  kubeconfigPath: string;
  /** Sidecar URL template (the simulator's). */
  sidecarUrlTemplate: string;
  /** Watch only this namespace. @default all namespaces */
  namespace?: string;
  /** @default 'info' (production) */
  logLevel?: string;
  /** Extra Node flags (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Node flags of the production image. @default {@link productionNodeFlags} (read from the Dockerfile) */
  nodeFlags?: string[];
  /** Working directory (CPU profiles land here). @default a temp dir */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** A running controller process. */
export interface ControllerProcess {
  readonly pid: number;
  /** The controller's Prometheus endpoint. */
  readonly metricsUrl: string;
  /** File receiving the controller's stdout and stderr (JSON logs). */
  readonly logFile: string;
  /** Scrapes `/metrics`. */
  sample(): Promise<ControllerSample>;
  /** Forces a full garbage collection in the controller (bench preload), then scrapes. */
  sampleAfterGc(): Promise<ControllerSample>;
  /** SIGTERM (drain), SIGKILL after `graceMs`; resolves when the process exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node <bundle>` against the control plane with the example platform configuration and
 * waits until its metrics endpoint answers (the caches have synced by then: the controller starts
 * its servers before syncing, so it also waits for a first reconcile-free scrape after
 * "controller started" appears in the log).
 *
 * @throws Error when the process exits or does not start within 60 s
 */
export async function startControllerProcess(opts: ControllerProcessOptions): Promise<ControllerProcess> {
  const dir = opts.cwd ?? mkdtempSync(join(tmpdir(), 'sei-bench-controller-'));
  const logFile = join(dir, 'controller.log');
  const fd = openSync(logFile, 'a');
  const port = await freePort(new Set());
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(opts.nodeFlags ?? productionNodeFlags()),
      '--expose-gc',
      '--import',
      pathToFileURL(join(import.meta.dirname, 'gc-on-signal.mjs')).href,
      ...(opts.nodeArgs ?? []),
      opts.bundle,
      `--kubeconfig=${opts.kubeconfigPath}`,
      `--metrics-bind-address=127.0.0.1:${port}`,
      '--health-probe-bind-address=0',
      `--sidecar-url-template=${opts.sidecarUrlTemplate}`,
      '--sidecar-token-file=',
      `--log-level=${opts.logLevel ?? 'info'}`,
      ...(opts.namespace ? [`--namespace=${opts.namespace}`] : []),
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        ...platformConfigToEnv(EXAMPLE_PLATFORM_CONFIG),
        POD_IP: '10.0.0.10',
        ...opts.env,
      },
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}/metrics`;
  const scrape = async (): Promise<ControllerSample> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`metrics: HTTP ${res.status}`);
    return parseMetrics(await res.text());
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`controller exited during start:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`controller did not start within 60 s:\n${tail(logFile)}`);
    }
    if (readFileSync(logFile, 'utf8').includes('"controller started"')) break;
    await sleep(100);
  }
  return {
    pid: child.pid as number,
    metricsUrl: url,
    logFile,
    sample: scrape,
    async sampleAfterGc() {
      process.kill(child.pid as number, 'SIGUSR2');
      await sleep(2_000);
      return scrape();
    },
    async stop(graceMs = 10_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a log file (for error messages). */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;

function labels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (s ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1] as string] = m[2] as string;
  return out;
}

/** Parses the Prometheus text exposition into a {@link ControllerSample}. */
export function parseMetrics(text: string): ControllerSample {
  const requests: Record<string, number> = {};
  const reconciles: Record<string, number> = {};
  let rssBytes = Number.NaN;
  let heapUsedBytes = Number.NaN;
  let heapTotalBytes = Number.NaN;
  let queueDepth = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, rawLabels, rawValue] = m;
    const value = Number(rawValue);
    switch (name) {
      case 'rest_client_requests_total': {
        const l = labels(rawLabels);
        requests[`${l.verb} ${l.resource} ${l.code}`] = value;
        break;
      }
      case 'process_resident_memory_bytes':
        rssBytes = value;
        break;
      case 'nodejs_heap_size_used_bytes':
        heapUsedBytes = value;
        break;
      case 'nodejs_heap_size_total_bytes':
        heapTotalBytes = value;
        break;
      case 'workqueue_depth':
        queueDepth += value;
        break;
      case 'controller_runtime_reconcile_total': {
        const c = labels(rawLabels).controller ?? '';
        reconciles[c] = (reconciles[c] ?? 0) + value;
        break;
      }
    }
  }
  return { requests, rssBytes, heapUsedBytes, heapTotalBytes, queueDepth, reconciles };
}

/** Requests made between two samples, `"<verb> <resource> <code>"` → count (zero entries dropped). */
export function requestDelta(before: ControllerSample, after: ControllerSample): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.requests)) {
    const d = v - (before.requests[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** Sums request counts by verb. */
export function byVerb(requests: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(requests)) {
    const verb = k.split(' ')[0] as string;
    out[verb] = (out[verb] ?? 0) + v;
  }
  return out;
}

/** Number of state-changing requests. */
export function writeCount(requests: Record<string, number>): number {
  let n = 0;
  for (const [k, v] of Object.entries(requests)) if (WRITE_VERBS.has(k.split(' ')[0] as string)) n += v;
  return n;
}
