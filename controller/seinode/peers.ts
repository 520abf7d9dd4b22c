import { LABEL_NODEDEPLOYMENT, type SeiNode, type SeiNodeDeployment } from '../../constructs/api/types';
import { Resources } from '../kube/resources';
import type { CacheReader } from '../planner/task';

/** Peers resolved from the cache, and the sources that matched nothing. */
export interface ResolvedPeers {
  /** In-cluster DNS names `<peer>-0.<peer>.<ns>.svc.cluster.local`, sorted, de-duplicated. */
  readonly label: string[];
  /** Published `host:port` addresses of the children of matching SeiNodeDeployments (seed #360). */
  readonly deployment: string[];
  /** Human-readable descriptions of label sources that matched no SeiNode. */
  readonly emptySources: string[];
}

/**
 * Resolves `label` peer sources against the SeiNode cache (reference-seinode.md §5): SeiNodes in
 * `label.namespace` (default: the node's) whose labels match every selector entry, excluding the
 * node itself (same name and namespace). The controller's cache must cover those namespaces
 * (cross-namespace sources need a cluster-wide controller).
 */
export function resolvePeers(node: SeiNode, cache: CacheReader): ResolvedPeers {
  const out = new Set<string>();
  const emptySources: string[] = [];
  const self = `${node.metadata.namespace}/${node.metadata.name}`;
  for (const p of node.spec.peers ?? []) {
    if (!p.label) continue;
    const ns = p.label.namespace ?? node.metadata.namespace ?? 'default';
    const matches = cache
      .list<SeiNode>(Resources.SeiNode, ns, p.label.selector)
      .filter((n) => `${n.metadata.namespace}/${n.metadata.name}` !== self && !n.metadata.deletionTimestamp);
    if (matches.length === 0) {
      emptySources.push(`label selector ${JSON.stringify(p.label.selector)} in namespace ${ns}`);
    }
    for (const m of matches) out.add(`${m.metadata.name}-0.${m.metadata.name}.${ns}.svc.cluster.local`);
  }
  const published = new Set<string>();
  for (const p of node.spec.peers ?? []) {
    const src = p.seinodeDeployment;
    if (!src) continue;
    const ns = src.namespace ?? node.metadata.namespace ?? 'default';
    const deployments = cache
      .list<SeiNodeDeployment>(Resources.SeiNodeDeployment, ns)
      .filter((d) =>
        src.name ? d.metadata.name === src.name : matchesSelector(d.metadata.labels, src.selector),
      );
    const addresses = deployments.flatMap((d) =>
      cache
        .list<SeiNode>(Resources.SeiNode, ns, { [LABEL_NODEDEPLOYMENT]: d.metadata.name ?? '' })
        .filter((c) => `${c.metadata.namespace}/${c.metadata.name}` !== self)
        .map((c) => c.status?.externalAddress)
        .filter((a): a is string => !!a),
    );
    if (addresses.length === 0) {
      emptySources.push(
        `seinodeDeployment ${src.name ?? JSON.stringify(src.selector)} in namespace ${ns} (no published children yet)`,
      );
    }
    for (const a of addresses) published.add(a);
  }
  return { label: [...out].sort(), deployment: [...published].sort(), emptySources };
}

/** Whether `labels` carry every entry of `selector` (an empty or missing selector matches nothing). */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: Record<string, string> | undefined,
): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}
