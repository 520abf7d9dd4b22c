/**
 * Bearer tokens for the sidecar's kube-rbac-proxy (reference-seictl-sidecar-api.md §2): the
 * controller's projected, rotating service-account token, read from a file, cached, re-read
 * periodically and immediately after a 401 (client-go's `NewCachedFileTokenSource` plus
 * `ResettableTokenSourceWrapTransport`).
 */
import { readFile } from 'node:fs/promises';

/** Where Kubernetes mounts the pod's service-account token. */
export const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Supplies the bearer token of sidecar requests. */
export interface TokenSource {
  /**
   * @returns the token to send as `Authorization: Bearer <token>`, or `undefined` to send no
   *   `Authorization` header at all (local runs against an unauthenticated sidecar).
   * @throws Error when the token cannot be obtained (e.g. the token file is missing or empty).
   */
  token(): Promise<string | undefined>;
  /** Drops any cached token so the next {@link token} call reads it afresh (called after a 401). */
  invalidate(): void;
}

/** Options of {@link FileTokenSource}. */
export interface FileTokenSourceOptions {
  /** Token file. @default DEFAULT_TOKEN_PATH */
  path?: string;
  /** Age in ms after which the cached token is re-read. @default 60000 */
  refreshIntervalMs?: number;
  /** Clock in ms (tests). @default Date.now */
  now?: () => number;
}

/**
 * A {@link TokenSource} backed by a token file: reads it on first use, caches the trimmed content,
 * re-reads it once the cache is older than `refreshIntervalMs` or after {@link invalidate}.
 * Concurrent callers share one read. A failed periodic re-read falls back to the cached token
 * (the file may be mid-rotation); a failed read with nothing cached throws.
 */
export class FileTokenSource implements TokenSource {
  /** The token file read. */
  readonly path: string;
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;
  private cached: { token: string; readAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  /** @param options See {@link FileTokenSourceOptions}. */
  constructor(options: FileTokenSourceOptions = {}) {
    this.path = options.path ?? DEFAULT_TOKEN_PATH;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * @returns the cached token, or the file's trimmed content when the cache is empty or stale.
   * @throws Error `cannot read service-account token from <path>: …` when the file is unreadable
   *   or empty and no token is cached.
   */
  async token(): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() - cached.readAt < this.refreshIntervalMs) return cached.token;
    this.inflight ??= this.read().finally(() => {
      this.inflight = undefined;
    });
    try {
      return await this.inflight;
    } catch (err) {
      if (cached && this.cached === cached) return cached.token;
      throw err;
    }
  }

  /** Forgets the cached token; the next {@link token} call reads the file. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<string> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read service-account token from ${this.path}: ${(err as Error).message}`);
    }
    const token = text.trim();
    if (!token) throw new Error(`cannot read service-account token from ${this.path}: the file is empty`);
    this.cached = { token, readAt: this.now() };
    return token;
  }
}

/** A {@link TokenSource} that never sends a token (local runs, unauthenticated simulators). */
export const NO_TOKEN: TokenSource = {
  token: async () => undefined,
  invalidate: () => {},
};

/**
 * A {@link TokenSource} returning a fixed token (tests, or a token given on the command line).
 *
 * @param token - sent as `Authorization: Bearer <token>`.
 */
export function staticTokenSource(token: string): TokenSource {
  return { token: async () => token, invalidate: () => {} };
}
