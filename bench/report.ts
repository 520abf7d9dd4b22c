/** The markdown report of a bench run (`bench/results/<date>.md`). */

import { round, type Summary } from './lib/stats';
import type { BenchResults } from './run';

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'apply', 'delete'] as const;

function cell(v: number | undefined, digits?: number): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return digits === undefined ? String(round(v)) : v.toFixed(digits);
}

function mmm(s: Summary | undefined, scale = 1, digits?: number): [string, string, string] {
  if (!s) return ['–', '–', '–'];
  return [cell(s.median * scale, digits), cell(s.min * scale, digits), cell(s.max * scale, digits)];
}

/** Renders the results as a markdown document (tables: headline, convergence requests). */
export function renderMarkdown(r: BenchResults): string {
  // Smoke sizes say nothing about the targets.
  const verdict = (ok: boolean | undefined): string =>
    ok === undefined || r.profile.name === 'smoke' ? '' : ok ? 'met' : '**missed**';
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`# Benchmark ${r.date} (${r.profile.name})`, '');
  lines.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemMiB} MiB RAM, load average ${m.loadAvgAtStart} at start; ` +
      `Node ${m.node} (${m.platform}); commit ${m.gitCommit}${m.gitDirty ? ' + uncommitted changes' : ''}. ` +
      `Duration ${(r.durationMs / 60_000).toFixed(1)} min; 1-minute load average during the run: mean ${cell(r.load.mean, 2)}, max ${cell(r.load.max, 2)}` +
      ` (the benchmark itself keeps about ${m.cpus} cores busy during convergence). ` +
      `Controller: \`node ${[...(r.controllerNodeFlags ?? [])].join(' ')} controller.js\` (production bundle, own process).`,
    '',
  );
  lines.push(
    '| Scenario | Unit | Median | Min | Max | Baseline (median) | Ratio (median) | Target | |',
    '|---|---|---:|---:|---:|---:|---:|---|---|',
  );
  for (const s of r.synth?.perMode ?? []) {
    const [med, min, max] = mmm(s.constructs, 1, 3);
    lines.push(
      `| Synth one SeiNode, ${s.mode} (${s.constructs.n} runs) | ms | ${med} | ${min} | ${max} | ${cell(s.literal.median, 4)} (object literal) | ${cell(s.ratio)}× | ≤ 2 ms | ${verdict(s.constructs.median <= 2)} |`,
    );
  }
  if (r.synth?.preview) {
    const p = r.synth.preview;
    const [med, min, max] = mmm(p.constructs);
    lines.push(
      `| Preview chart, ${p.nodes} SeiNodes (${p.constructs.n} runs) | ms | ${med} | ${min} | ${max} | ${cell(p.literal.median)} (object literal) | ${cell(p.ratio)}× | | |`,
    );
  }
  const largest = r.convergence.length ? Math.max(...r.convergence.map((c) => c.n)) : undefined;
  for (const c of r.convergence) {
    const [med, min, max] = mmm(c.convergeMs, 1 / 1000, 1);
    const target = c.n === 1000 || (c.n === largest && r.profile.name === 'smoke');
    lines.push(
      `| Convergence N=${c.n} (${c.runs.length} runs) | s | ${med} | ${min} | ${max} | ${cell(c.floorMs.median / 1000, 1)} (write floor) | ${cell(c.ratio.median)}× (${cell(c.ratio.min)}–${cell(c.ratio.max)}) | ${target ? '≤ 1.5× at N=1000' : ''} | ${target && c.n === 1000 ? verdict(c.ratio.median <= 1.5) : ''} |`,
    );
  }
  if (r.atRest) {
    const a = r.atRest;
    lines.push(
      `| At rest: API writes per idle node-hour (${a.nodes} nodes, ${(a.windowMs / 1000).toFixed(0)} s) | writes | ${cell(a.writesPerNodeHour, 2)} | | | | | 0 | ${verdict(a.writesPerNodeHour === 0)} |`,
    );
    const mem = r.idleMemory;
    if (mem) {
      const [rm, rn, rx] = mmm(mem.rssMiB, 1, 0);
      lines.push(
        `| Controller RSS, ${mem.nodes} SeiNodes cached, idle (${mem.runs.length} runs: one controller process each, median of its samples) | MiB | ${rm} | ${rn} | ${rx} | | | ≤ 200 MiB${mem.nodes === 1000 ? '' : ' (at 1000)'} | ${mem.nodes === 1000 ? verdict(mem.rssMiB.median <= 200) : ''} |`,
      );
      const [hm, hn, hx] = mmm(mem.heapUsedMiB, 1, 0);
      lines.push(`| Controller V8 heap used, same runs | MiB | ${hm} | ${hn} | ${hx} | | | | |`);
    }
    const [rm, rn, rx] = mmm(a.rssMiB, 1, 0);
    lines.push(
      `| Controller RSS through the at-rest window (last run, ${a.rssMiB.n} samples) | MiB | ${rm} | ${rn} | ${rx} | | | | |`,
    );
    const [hm, hn, hx] = mmm(a.heapUsedMiB, 1, 0);
    lines.push(`| Controller V8 heap used, same samples | MiB | ${hm} | ${hn} | ${hx} | | | | |`);
    lines.push(
      `| Controller after a forced full GC (end of window): RSS / heap used | MiB | ${cell(a.afterGc.rssMiB, 0)} / ${cell(a.afterGc.heapUsedMiB, 0)} | | | | | | |`,
    );
  }
  if (r.editLatency) {
    const e = r.editLatency;
    const [, min, max] = mmm(e.ms, 1, 0);
    lines.push(
      `| Edit latency p50 (image edit → NodeUpdate plan persisted; ${e.edits} edits, ${e.nodes} nodes) | ms | ${cell(e.p50, 0)} | ${min} | ${max} | | | | |`,
      `| Edit latency p99 (same edits${e.edits < 100 ? '; nearest rank = max below 100 edits' : ''}; ${e.completed}/${e.edits} rollouts completed) | ms | ${cell(e.p99, 0)} | | | | | | |`,
    );
  }
  lines.push('');

  if (r.convergence.length) {
    lines.push(
      '## Convergence: controller API requests (median run) and the write floor',
      '',
      `| N | ${VERBS.join(' | ')} | writes | writes/node | floor writes/s | floor mix substitutes |`,
      `|---:|${VERBS.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
    );
    for (const c of r.convergence) {
      const sorted = [...c.runs].sort((a, b) => a.convergeMs - b.convergeMs);
      const run = sorted[Math.floor((sorted.length - 1) / 2)];
      if (!run) continue;
      lines.push(
        `| ${c.n} | ${VERBS.map((v) => run.requestsByVerb[v] ?? 0).join(' | ')} | ${run.writes} | ${cell(run.writes / c.n)} | ${cell(run.floor.writes / (run.floor.ms / 1000), 0)} | ${run.floor.substituted} |`,
      );
    }
    lines.push('');
    lines.push('Per run (s): ');
    for (const c of r.convergence) {
      lines.push(
        `- N=${c.n}: converge ${c.runs.map((x) => (x.convergeMs / 1000).toFixed(1)).join(', ')}; floor ${c.runs.map((x) => (x.floor.ms / 1000).toFixed(1)).join(', ')}`,
      );
    }
    lines.push('');
  }
  if (r.atRest && Object.keys(r.atRest.requests).length) {
    lines.push(
      '## At rest: every controller API request in the window',
      '',
      ...Object.entries(r.atRest.requests).map(([k, v]) => `- \`${k}\`: ${v}`),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
