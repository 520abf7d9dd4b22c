/**
 * The contract between the runtime and a reconciler, and the key format of the work queue.
 */
import { joinKey, splitKey } from '../kube/types.js';

/** What to reconcile: one object of the controller's primary kind. `namespace` is `''` for cluster-scoped kinds. */
export interface Request {
  namespace: string;
  name: string;
}

/** What a reconcile asks for when it succeeds. */
export interface ReconcileResult {
  /**
   * Reconcile this key again after this many ms (level-based polling, e.g. while waiting for a
   * sidecar task). Omit or `0` for "only when something changes".
   */
  requeueAfterMs?: number;
}

/** Brings the world in line with one object's spec. */
export interface Reconciler {
  /**
   * Reconciles one object. Read from the informer caches; write through the client.
   *
   * - resolve (with nothing, or a {@link ReconcileResult}) on success: the key's backoff is reset;
   * - throw / reject on failure: the key is retried with per-key exponential backoff.
   *
   * A key is never reconciled by two workers at once.
   *
   * @param req The object's namespace and name (it may no longer exist: handle "not found").
   * @param signal Aborted when the controller stops and its drain time has run out.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async () => {}` be a reconciler
  reconcile(req: Request, signal: AbortSignal): Promise<ReconcileResult | undefined | void>;
}

/** A reconciler written as a plain function. */
export type ReconcileFunc = Reconciler['reconcile'];

/** The work-queue key of a request: `namespace/name`, or `name` when cluster-scoped. */
export function requestKey(req: Request): string {
  return joinKey(req.namespace, req.name);
}

/** Inverse of {@link requestKey}. */
export function requestFromKey(key: string): Request {
  return splitKey(key);
}
