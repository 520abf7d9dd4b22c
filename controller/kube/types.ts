/**
 * Wire shapes of Kubernetes objects as they come off the API server (plain JSON: timestamps are
 * RFC 3339 strings, never `Date`). Kind-specific types (SeiNode, StatefulSet…) extend
 * {@link KubeObject}.
 */

// `metadata` and owner references have one definition, shared with the CRD types.
import type { ObjectMeta, OwnerReference } from '../../constructs/api/types';

export type { ObjectMeta, OwnerReference } from '../../constructs/api/types';

/** Any Kubernetes object: `apiVersion`, `kind`, `metadata`, and whatever else the kind defines. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** The result of a (fully paginated) list: the items and the list's `metadata.resourceVersion`. */
export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  /** Resource version of the list; a watch started from it sees every later change. */
  resourceVersion: string;
}

/** `meta/v1 Status`: the body of every API error and of watch `ERROR` events. */
export interface Status {
  kind?: 'Status';
  apiVersion?: string;
  status?: 'Success' | 'Failure';
  code?: number;
  reason?: string;
  message?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
}

/** One field-level cause of a 422 Invalid (or other) failure. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** Watch event types as sent by the API server. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * One watch event. For `BOOKMARK` the object carries only `metadata.resourceVersion`; for `ERROR`
 * the object is a {@link Status}.
 */
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: Status };

/**
 * `namespace/name` for namespaced objects, `name` for cluster-scoped ones (client-go's
 * `MetaNamespaceKeyFunc`).
 *
 * @throws TypeError when the object has no `metadata.name`.
 */
export function objectKey(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new TypeError('object has no metadata.name');
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

/** Builds a key from its parts; the inverse of {@link splitKey}. */
export function joinKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a `namespace/name` (or `name`) key. `namespace` is `''` for cluster-scoped keys. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The owner reference with `controller: true`, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}
