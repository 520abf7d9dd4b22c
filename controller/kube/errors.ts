/**
 * Typed API errors. Every non-2xx answer of the API server becomes a {@link KubeApiError} (or one
 * of its subclasses), carrying the HTTP code and the server's `Status` reason and message, so
 * callers branch with `instanceof` instead of parsing strings.
 */
import type { Status, StatusCause } from './types.js';

/** A non-success answer of the API server. */
export class KubeApiError extends Error {
  /** HTTP status code (e.g. 404). For watch `ERROR` events, the `Status.code` of the event. */
  readonly code: number;
  /** The `Status.reason` (e.g. `NotFound`, `Conflict`, `Expired`), or `''` when the server gave none. */
  readonly reason: string;
  /** The full `Status` body when the server sent one. */
  readonly status: Status | undefined;

  /**
   * @param code HTTP status code.
   * @param reason `Status.reason`.
   * @param message The API server's message (used verbatim as `Error.message`).
   * @param status The decoded `Status` body, if any.
   */
  constructor(code: number, reason: string, message: string, status?: Status) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
    this.status = status;
  }
}

/** 404: the object (or its namespace, or the resource type) does not exist. */
export class NotFoundError extends KubeApiError {}

/**
 * 409 `Conflict`: an optimistic-lock failure (stale `resourceVersion`, failed delete
 * precondition) or an apply conflict without `force`. Never retried silently by the client:
 * re-read and try again, usually through the work queue.
 */
export class ConflictError extends KubeApiError {}

/** 409 `AlreadyExists`: `create` of a name that is taken. Distinct from an optimistic-lock {@link ConflictError}. */
export class AlreadyExistsError extends KubeApiError {}

/** 410 `Gone` / `Expired`: the requested resourceVersion (or continue token) is older than the server keeps. */
export class GoneError extends KubeApiError {}

/** 403: the (possibly impersonated) user lacks the RBAC permission. */
export class ForbiddenError extends KubeApiError {}

/** 422 `Invalid`: schema / CEL / admission validation failed; `causes` lists the offending fields. */
export class InvalidError extends KubeApiError {
  /** Field-level causes reported by the server (may be empty). */
  get causes(): StatusCause[] {
    return this.status?.details?.causes ?? [];
  }
}

/**
 * Builds the most specific error for an HTTP code and (optional) `Status` body.
 *
 * @param code HTTP status code (or `Status.code` of a watch ERROR event).
 * @param status Decoded `Status` body, or `undefined` when the body was not a Status.
 * @param fallbackMessage Message to use when the Status has none (e.g. raw body text or HTTP status text).
 */
export function kubeApiError(code: number, status: Status | undefined, fallbackMessage = ''): KubeApiError {
  const reason = status?.reason ?? '';
  const message = status?.message || fallbackMessage || `HTTP ${code}${reason ? ` ${reason}` : ''}`;
  switch (code) {
    case 404:
      return new NotFoundError(code, reason || 'NotFound', message, status);
    case 409:
      return reason === 'AlreadyExists'
        ? new AlreadyExistsError(code, reason, message, status)
        : new ConflictError(code, reason || 'Conflict', message, status);
    case 410:
      return new GoneError(code, reason || 'Gone', message, status);
    case 403:
      return new ForbiddenError(code, reason || 'Forbidden', message, status);
    case 422:
      return new InvalidError(code, reason || 'Invalid', message, status);
    default:
      return new KubeApiError(code, reason, message, status);
  }
}

/** `true` for a {@link NotFoundError}. */
export function isNotFound(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}

/** `true` for a {@link ConflictError} (optimistic-lock failure; not `AlreadyExists`). */
export function isConflict(err: unknown): err is ConflictError {
  return err instanceof ConflictError;
}
