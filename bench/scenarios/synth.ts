/**
 * Synth scenarios (in memory, no API server):
 * - one SeiNode's workload per mode: `renderSeiNodeWorkload` (the constructs the controller runs on
 *   every reconcile) against the object-literal baseline producing byte-identical manifests;
 * - the full preview chart (`PreviewChart`, what `cdk8s synth` previews) for 1000 SeiNodes, against
 *   the baseline building the same 1000 workloads.
 */
import { App } from 'cdk8s';
import type { Construct } from 'constructs';
import { PreviewChart } from '../../charts/preview-chart';
import { EXAMPLE_PLATFORM_CONFIG } from '../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../constructs/render';
import { literalSeiNodeWorkload } from '../baseline/literal-workload';
import { MODE_EXAMPLES, modeNode } from '../baseline/variants';
import { fleetNode } from '../lib/fleet';
import { median, type Summary, summarize } from '../lib/stats';

/** Sizes of the synth scenarios. */
export interface SynthOptions {
  /** Timed runs per scenario (after one warm-up run). */
  runs: number;
  /** Renders per run of the per-mode scenario; a run's value is the median of its renders. */
  rendersPerRun: number;
  /** SeiNodes in the preview chart. */
  previewNodes: number;
}

/** Result of one per-mode synth scenario. */
export interface ModeSynthResult {
  readonly mode: string;
  /** ms per render: one value per run (the run's median). */
  readonly constructs: Summary;
  readonly literal: Summary;
  /** median(constructs) / median(literal). */
  readonly ratio: number;
  /** Manifests of both builders are byte-identical (checked before timing). */
  readonly identical: true;
}

/** Result of the preview-chart scenario. */
export interface PreviewSynthResult {
  readonly nodes: number;
  /** ms for the whole chart, one value per run. */
  readonly constructs: Summary;
  readonly literal: Summary;
  readonly ratio: number;
  readonly identical: true;
}

const now = () => performance.now();

function assertIdentical(what: string, a: unknown, b: unknown): void {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x !== y) {
    let i = 0;
    while (i < x.length && x[i] === y[i]) i++;
    throw new Error(
      `${what}: the literal baseline is not byte-identical to the constructs at offset ${i}:\n` +
        `  constructs: …${x.slice(Math.max(0, i - 80), i + 80)}…\n  literal:    …${y.slice(Math.max(0, i - 80), i + 80)}…`,
    );
  }
}

/** Per-mode synth: median ms per SeiNode workload, constructs vs literal. */
export function synthPerMode(opts: SynthOptions): ModeSynthResult[] {
  const platform = EXAMPLE_PLATFORM_CONFIG;
  const out: ModeSynthResult[] = [];
  for (const mode of Object.keys(MODE_EXAMPLES) as (keyof typeof MODE_EXAMPLES)[]) {
    const node = modeNode(mode);
    assertIdentical(mode, renderSeiNodeWorkload(node, platform), literalSeiNodeWorkload(node, platform));
    const batch = (fn: () => unknown): number => {
      const t: number[] = [];
      for (let i = 0; i < opts.rendersPerRun; i++) {
        const s = now();
        fn();
        t.push(now() - s);
      }
      return median(t);
    };
    const constructs = () => renderSeiNodeWorkload(node, platform);
    const literal = () => literalSeiNodeWorkload(node, platform);
    batch(constructs); // warm-up
    batch(literal);
    const c: number[] = [];
    const l: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      c.push(batch(constructs));
      l.push(batch(literal));
    }
    const cs = summarize(c);
    const ls = summarize(l);
    out.push({ mode, constructs: cs, literal: ls, ratio: cs.median / ls.median, identical: true });
  }
  return out;
}

function previewManifests(documents: unknown[]): unknown[] {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new PreviewChart(app, 'preview', { documents, platform: EXAMPLE_PLATFORM_CONFIG });
  // What `cdk8s synth` does before writing: every construct validation, then the manifests.
  const errors = chart.node.findAll().flatMap((c: Construct) => c.node.validate());
  if (errors.length) throw new Error(`invalid preview: ${errors.join('; ')}`);
  return chart.toJson();
}

/** The full preview chart of `opts.previewNodes` SeiNodes (the four fleet templates, round-robin). */
export function synthPreview(opts: SynthOptions): PreviewSynthResult {
  const nodes = Array.from({ length: opts.previewNodes }, (_, i) => fleetNode('bench', i));
  const literal = () => nodes.flatMap((n) => literalSeiNodeWorkload(n, EXAMPLE_PLATFORM_CONFIG));
  assertIdentical('preview chart', previewManifests(nodes), literal());
  const time = (fn: () => unknown) => {
    const s = now();
    fn();
    return now() - s;
  };
  time(() => previewManifests(nodes)); // warm-up
  time(literal);
  const c: number[] = [];
  const l: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    c.push(time(() => previewManifests(nodes)));
    l.push(time(literal));
  }
  const cs = summarize(c);
  const ls = summarize(l);
  return { nodes: nodes.length, constructs: cs, literal: ls, ratio: cs.median / ls.median, identical: true };
}
