/**
 * The seictl sidecar client contract (reference-seictl-sidecar-api.md §3–§5, §8). The
 * implementation lives beside this file; tasks depend only on this interface.
 */

/** `POST /v0/tasks` body. `params` is omitted for parameterless tasks. */
export interface SidecarTaskRequest {
  readonly id: string;
  readonly type: string;
  readonly params?: Record<string, unknown>;
}

/** `GET /v0/tasks/{id}` answer (unknown keys tolerated). */
export interface SidecarTaskResult {
  readonly id: string;
  readonly type: string;
  readonly status: 'running' | 'completed' | 'failed';
  readonly run?: number;
  readonly params?: Record<string, unknown>;
  readonly error?: string;
  readonly submittedAt?: string;
  readonly completedAt?: string;
}

/** Why a sidecar call failed. */
export type SidecarErrorKind =
  /** connection refused, DNS, timeout, reset */
  | 'unreachable'
  /** 400 from the sidecar: the request can never succeed as sent */
  | 'rejected'
  /** 401/403 from kube-rbac-proxy (after one token re-read) */
  | 'unauthorized'
  /** any other unexpected status */
  | 'http'
  /** a 2xx body that is not the expected JSON */
  | 'malformed'
  /** TLS verification failed (wrong CA, bad certificate) */
  | 'tls';

/** A failed sidecar call. */
export class SidecarError extends Error {
  constructor(
    readonly kind: SidecarErrorKind,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'SidecarError';
  }
}

/** The calls the controller makes to one node's sidecar. */
export interface SidecarClient {
  /** Base URL in use (for logs). */
  readonly baseUrl: string;
  /**
   * Submits (or idempotently re-submits) a task under its id.
   * @throws SidecarError (`rejected` on 400 with the sidecar's message)
   */
  submitTask(req: SidecarTaskRequest, signal?: AbortSignal): Promise<void>;
  /**
   * @returns the task, or null when the sidecar does not know the id (404)
   * @throws SidecarError
   */
  getTask(id: string, signal?: AbortSignal): Promise<SidecarTaskResult | null>;
  /**
   * @returns the 100 most recent tasks, newest first (`GET /v0/tasks`)
   * @throws SidecarError
   */
  listTasks(signal?: AbortSignal): Promise<SidecarTaskResult[]>;
  /**
   * @returns true on 200 (marked ready), false on 503
   * @throws SidecarError for anything else
   */
  healthz(signal?: AbortSignal): Promise<boolean>;
  /**
   * @returns the CometBFT node id (40 hex chars)
   * @throws SidecarError (500 until generate-identity ran)
   */
  getNodeId(signal?: AbortSignal): Promise<string>;
}
