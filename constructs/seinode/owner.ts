import { API_VERSION, KIND_SEINODE, type OwnerReference, type SeiNode } from '../api/types';

/**
 * The controller owner reference every object a SeiNode renders carries, so it is garbage-collected
 * with the node and its events map back to it. Undefined before the node exists on the API server
 * (no uid yet: previews).
 */
export function seiNodeOwnerReference(node: SeiNode): OwnerReference | undefined {
  if (!node.metadata.uid || !node.metadata.name) return undefined;
  return {
    apiVersion: API_VERSION,
    kind: KIND_SEINODE,
    name: node.metadata.name,
    uid: node.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
