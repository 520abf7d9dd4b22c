import { nodeMode, type SeiNode } from '../api/types';
import { LABEL_CHAIN, LABEL_NODE, LABEL_ROLE } from './names';

/**
 * The StatefulSet/Service selector of a node: only `sei.io/node=<name>`, so it never changes when
 * the spec (chain, mode, pod labels) changes — a selector change would orphan the pod.
 */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABEL_NODE]: name };
}

/** `sei.io/role` value per mode (reference-seinode.md §4.1): fullNode is `node`. */
export function roleOf(node: SeiNode): 'validator' | 'archive' | 'replayer' | 'node' {
  const mode = nodeMode(node.spec);
  return mode === 'fullNode' ? 'node' : mode;
}

/**
 * Labels of every resource a node owns and of its pod: `spec.podLabels` first, then the system
 * labels `sei.io/node`, `sei.io/chain`, `sei.io/role`, which always win.
 */
export function resourceLabels(node: SeiNode): Record<string, string> {
  const name = node.metadata.name ?? '';
  return {
    ...(node.spec.podLabels ?? {}),
    [LABEL_NODE]: name,
    ...(node.spec.chainId ? { [LABEL_CHAIN]: node.spec.chainId } : {}),
    [LABEL_ROLE]: roleOf(node),
  };
}
