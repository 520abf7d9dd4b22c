import { App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { SeiNode } from './api/types';
import type { PlatformConfig } from './platform-config';
import { SeiNodeWorkload } from './seinode/seinode-workload';

/** A synthesized Kubernetes object (plain JSON, as the API server accepts it). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/**
 * Synthesizes a construct tree in memory (no files) and returns its manifests, after running every
 * construct validation in the tree (what `cdk8s synth` would report).
 *
 * @param build - adds constructs to the given chart
 * @throws Error listing every validation error
 */
export function synthInMemory(build: (chart: Chart) => void): KubeObject[] {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'render', { disableResourceNameHashes: true });
  build(chart);
  const errors = chart.node
    .findAll()
    .flatMap((c: Construct) => c.node.validate().map((e) => `${c.node.path}: ${e}`));
  if (errors.length) throw new Error(`invalid manifests:\n${errors.join('\n')}`);
  return chart.toJson() as KubeObject[];
}

/**
 * The manifests the SeiNode controller applies for `node` — the same constructs `cdk8s synth`
 * previews (SPEC §2). Order: ConfigMap, PVC (absent when imported), Service, StatefulSet — every object
 * the StatefulSet's pod needs exists before the StatefulSet.
 *
 * @throws Error when the node has no name or a Secret mount guard is violated
 */
export function renderSeiNodeWorkload(node: SeiNode, platform: PlatformConfig): KubeObject[] {
  return synthInMemory(
    (chart) => new SeiNodeWorkload(chart, node.metadata.name ?? 'node', { node, platform }),
  );
}
