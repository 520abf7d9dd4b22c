import { App, Chart } from 'cdk8s';
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
  try {
    // Chart.toJson validates every construct of the app first (as App.synth does), once.
    return chart.toJson() as KubeObject[];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const prefix = 'Validation failed with the following errors:';
    if (!message.startsWith(prefix)) throw err;
    const errors = message
      .slice(prefix.length)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    throw new Error(`invalid manifests:\n${errors.join('\n')}`);
  }
}

/**
 * The part of a SeiNode its workload is rendered from — and nothing else, so equal inputs render
 * equal manifests: `metadata.name`, `namespace` and `uid` (names, labels, owner references), the
 * whole `spec`, and the two status fields the config intent carries (`externalAddress`,
 * `resolvedPeers`). A construct that needs another field must be given it here.
 */
export function workloadRenderInputs(node: SeiNode): SeiNode {
  const { name, namespace, uid } = node.metadata;
  const status = node.status;
  return {
    apiVersion: node.apiVersion,
    kind: node.kind,
    metadata: { name, namespace, uid },
    spec: node.spec,
    ...(status?.externalAddress !== undefined || status?.resolvedPeers !== undefined
      ? { status: { externalAddress: status.externalAddress, resolvedPeers: status.resolvedPeers } }
      : {}),
  };
}

/**
 * The manifests the SeiNode controller applies for `node` — the same constructs `cdk8s synth`
 * previews (SPEC §2). Order: ConfigMap, PVC (absent when imported), Service, StatefulSet — every object
 * the StatefulSet's pod needs exists before the StatefulSet. Only {@link workloadRenderInputs} of
 * `node` is read.
 *
 * @throws Error when the node has no name or a Secret mount guard is violated
 */
export function renderSeiNodeWorkload(node: SeiNode, platform: PlatformConfig): KubeObject[] {
  const inputs = workloadRenderInputs(node);
  return synthInMemory(
    (chart) => new SeiNodeWorkload(chart, inputs.metadata.name ?? 'node', { node: inputs, platform }),
  );
}
