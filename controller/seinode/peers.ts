import type { SeiNode } from '../../constructs/api/types';
import { Resources } from '../kube/resources';
import type { CacheReader } from '../planner/task';

/** Label peers resolved from the cache, and the sources that matched nothing. */
export interface ResolvedPeers {
  /** In-cluster DNS names `<peer>-0.<peer>.<ns>.svc.cluster.local`, sorted, de-duplicated. */
  readonly label: string[];
  /** Human-readable descriptions of label sources that matched no SeiNode. */
  readonly emptySources: string[];
}

/**
 * Resolves `label` peer sources against the SeiNode cache (reference-seinode.md §5): SeiNodes in
 * `label.namespace` (default: the node's) whose labels match every selector entry, excluding the
 * node itself (same name and namespace). The controller's cache must cover those namespaces
 * (cross-namespace sources need a cluster-wide controller).
 */
export function resolveLabelPeers(node: SeiNode, cache: CacheReader): ResolvedPeers {
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
  return { label: [...out].sort(), emptySources };
}
