/**
 * The HTTP implementation of {@link SidecarClient} (reference-seictl-sidecar-api.md §2–§4, §8):
 * undici requests over one shared keep-alive agent per process (one more per distinct CA bundle and
 * TLS server name when the proxy serves TLS), a per-call timeout, the service-account bearer token on every
 * request (re-read and retried once after a 401), lenient JSON decoding and typed
 * {@link SidecarError}s.
 */
import { Agent, type Dispatcher, request } from 'undici';
import {
  type SidecarClient,
  SidecarError,
  type SidecarErrorKind,
  type SidecarTaskRequest,
  type SidecarTaskResult,
} from './client.js';
import type { TokenSource } from './token.js';

/** Options of {@link HttpSidecarClient}. */
export interface HttpSidecarClientOptions {
  /**
   * Base URL of the node's sidecar API (no trailing `/v0`), e.g.
   * `http://node-0.node.ns.svc.cluster.local:8443`. Trailing slashes are ignored.
   */
  baseUrl: string;
  /** Bearer token supplier; use `NO_TOKEN` for unauthenticated local sidecars. */
  tokenSource: TokenSource;
  /** Timeout of one call in ms (connect, headers and body; a 401 retry gets a fresh budget). @default 10000 */
  timeoutMs?: number;
  /**
   * PEM CA bundle (one or more certificates). When set, `baseUrl` must be `https:` and the server
   * is verified against exactly these CAs (the system roots are not used).
   */
  ca?: string;
  /**
   * TLS server name: sent as SNI and the name the server certificate must be valid for, whatever
   * host `baseUrl` uses (e.g. the pod's in-cluster DNS name while `baseUrl` points at 127.0.0.1 or
   * a port-forward). Needs an `https:` `baseUrl`. @default the host of `baseUrl` (no SNI for an IP)
   */
  serverName?: string;
  /** `User-Agent` header. @default 'sei-k8s-controller' */
  userAgent?: string;
  /** undici dispatcher to send through. @default sidecarDispatcher(ca, serverName) */
  dispatcher?: Dispatcher;
}

/** Default timeout of one sidecar call, in ms (seictl's own client default). */
export const DEFAULT_SIDECAR_TIMEOUT_MS = 10_000;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const TASK_STATUSES = new Set(['running', 'completed', 'failed']);
const NODE_ID = /^[0-9a-f]{40}$/i;
/** Error codes (of the error or a cause) that mean the TLS handshake or verification failed. */
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|^ERR_TLS|^ERR_SSL|^EPROTO$|HOSTNAME_MISMATCH/;
/** Socket errors after which an idempotent request is sent once more (stale keep-alive socket). */
const RETRY_ON_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

const agents = new Map<string, Agent>();

/**
 * The process-wide keep-alive agent for sidecar calls: one for plain HTTP (and https with the
 * system roots), one per distinct (PEM CA bundle, TLS server name) pair. HTTP/1.1 only; idle
 * sockets are kept 30 s.
 *
 * With a `serverName`, every TLS connection sends it as SNI and verifies the server certificate
 * for it, whatever host the request URL names (undici prefers only a request's explicit `Host`
 * header, which sidecar requests never set).
 *
 * @param ca - PEM CA bundle to verify servers against exactly; `undefined` for the system roots.
 * @param serverName - TLS server name (SNI and hostname verification); `undefined` for the URL's host.
 */
export function sidecarDispatcher(ca?: string, serverName?: string): Agent {
  const key = JSON.stringify([ca ?? null, serverName ?? null]);
  let agent = agents.get(key);
  if (!agent) {
    const connect = {
      ...(ca !== undefined ? { ca, rejectUnauthorized: true } : {}),
      ...(serverName !== undefined ? { servername: serverName } : {}),
    };
    agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      allowH2: false,
      maxResponseSize: 4 * 1024 * 1024,
      ...(Object.keys(connect).length > 0 ? { connect } : {}),
    });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every agent made by {@link sidecarDispatcher} (graceful shutdown, tests). */
export async function closeSidecarDispatchers(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close()));
}

interface RawResponse {
  status: number;
  text: string;
}

/**
 * A {@link SidecarClient} for one node's sidecar, speaking the v0 HTTP API through
 * kube-rbac-proxy.
 *
 * Error mapping (every method): connection refused/reset, DNS failure, timeout → `unreachable`;
 * TLS verification or handshake failure → `tls`; 400 → `rejected` (message = the sidecar's
 * `error`); 401 after one token re-read, or 403 → `unauthorized`; a 2xx body that is not the
 * expected JSON → `malformed`; any other unexpected status → `http` (with `statusCode`). An abort
 * through the caller's `signal` rejects with `unreachable` and the message `… aborted`.
 */
export class HttpSidecarClient implements SidecarClient {
  /** Base URL in use, without trailing slash. */
  readonly baseUrl: string;
  /** TLS server name verified (and sent as SNI), when set; else the URL's host is verified. */
  readonly serverName: string | undefined;
  private readonly tokenSource: TokenSource;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly dispatcher: Dispatcher;

  /**
   * @param options See {@link HttpSidecarClientOptions}.
   * @throws Error when `baseUrl` is not an absolute http(s) URL, `ca` or `serverName` is set with a
   *   non-https URL (TLS never falls back to plain HTTP), or `serverName` is empty.
   */
  constructor(options: HttpSidecarClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`invalid sidecar base URL ${JSON.stringify(options.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`sidecar base URL must be http or https: ${options.baseUrl}`);
    }
    if (options.ca !== undefined && url.protocol !== 'https:') {
      throw new Error(`sidecar TLS is enabled but the base URL is not https: ${options.baseUrl}`);
    }
    if (options.serverName !== undefined) {
      if (options.serverName === '') throw new Error('sidecar TLS server name must not be empty');
      if (url.protocol !== 'https:') {
        throw new Error(`a sidecar TLS server name needs an https base URL: ${options.baseUrl}`);
      }
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.tokenSource = options.tokenSource;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SIDECAR_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? 'sei-k8s-controller';
    this.serverName = options.serverName;
    this.dispatcher = options.dispatcher ?? sidecarDispatcher(options.ca, options.serverName);
  }

  /**
   * `POST /v0/tasks` with `{id, type, params?}` (`params` omitted when absent or empty).
   * Accepts 201 and 202 with a `{"id": <non-nil UUID>}` body.
   *
   * @throws SidecarError `rejected` on 400 (unknown type, bad id …); see the class doc for the rest.
   */
  async submitTask(req: SidecarTaskRequest, signal?: AbortSignal): Promise<void> {
    const body: Record<string, unknown> = { id: req.id, type: req.type };
    if (req.params && Object.keys(req.params).length > 0) body.params = req.params;
    const res = await this.call('POST', '/v0/tasks', JSON.stringify(body), signal);
    if (res.status !== 201 && res.status !== 202) throw this.statusError('POST', '/v0/tasks', res);
    const decoded = this.decode(res, 'POST', '/v0/tasks');
    const id = isObject(decoded) ? decoded.id : undefined;
    if (typeof id !== 'string' || id === '' || id === NIL_UUID) {
      throw new SidecarError(
        'malformed',
        `POST ${this.baseUrl}/v0/tasks: response has no task id: ${snippet(res.text)}`,
        res.status,
      );
    }
  }

  /**
   * `GET /v0/tasks/{id}`.
   *
   * @returns the task (unknown keys dropped), or null on 404.
   * @throws SidecarError `malformed` when the body lacks `id`, `type` or a known `status`.
   */
  async getTask(id: string, signal?: AbortSignal): Promise<SidecarTaskResult | null> {
    const path = `/v0/tasks/${encodeURIComponent(id)}`;
    const res = await this.call('GET', path, undefined, signal);
    if (res.status === 404) return null;
    if (res.status !== 200) throw this.statusError('GET', path, res);
    const result = decodeTaskResult(this.decode(res, 'GET', path));
    if (!result) {
      throw new SidecarError(
        'malformed',
        `GET ${this.baseUrl}${path}: not a task result: ${snippet(res.text)}`,
        res.status,
      );
    }
    return result;
  }

  /**
   * `GET /v0/tasks`: the sidecar's 100 most recent tasks, newest first (for diagnostics).
   *
   * @throws SidecarError `malformed` when the body is not an array of task results.
   */
  async listTasks(signal?: AbortSignal): Promise<SidecarTaskResult[]> {
    const path = '/v0/tasks';
    const res = await this.call('GET', path, undefined, signal);
    if (res.status !== 200) throw this.statusError('GET', path, res);
    const body = this.decode(res, 'GET', path);
    const results = Array.isArray(body) ? body.map(decodeTaskResult) : [null];
    if (results.some((r) => !r)) {
      throw new SidecarError(
        'malformed',
        `GET ${this.baseUrl}${path}: not a list of task results: ${snippet(res.text)}`,
        res.status,
      );
    }
    return results as SidecarTaskResult[];
  }

  /**
   * `GET /v0/healthz`.
   *
   * @returns true on 200, false on 503.
   * @throws SidecarError for any other answer (401/403 → `unauthorized`, else `http`).
   */
  async healthz(signal?: AbortSignal): Promise<boolean> {
    const res = await this.call('GET', '/v0/healthz', undefined, signal);
    if (res.status === 200) return true;
    if (res.status === 503) return false;
    throw this.statusError('GET', '/v0/healthz', res);
  }

  /**
   * `GET /v0/node-id`.
   *
   * @returns the CometBFT node id (40 hex characters, as sent).
   * @throws SidecarError `http` (500) until generate-identity ran; `malformed` when `nodeId` is not
   *   40 hex characters.
   */
  async getNodeId(signal?: AbortSignal): Promise<string> {
    const res = await this.call('GET', '/v0/node-id', undefined, signal);
    if (res.status !== 200) throw this.statusError('GET', '/v0/node-id', res);
    const decoded = this.decode(res, 'GET', '/v0/node-id');
    const nodeId = isObject(decoded) ? decoded.nodeId : undefined;
    if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) {
      throw new SidecarError(
        'malformed',
        `GET ${this.baseUrl}/v0/node-id: no valid nodeId: ${snippet(res.text)}`,
        res.status,
      );
    }
    return nodeId;
  }

  /** One call, with the 401 → re-read token → retry-once rule and the stale-socket retry. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RawResponse> {
    let token = await this.token(method, path);
    let res = await this.send(method, path, body, token, signal);
    if (res.status === 401 && token !== undefined) {
      this.tokenSource.invalidate();
      token = await this.token(method, path);
      res = await this.send(method, path, body, token, signal);
    }
    return res;
  }

  private async token(method: string, path: string): Promise<string | undefined> {
    try {
      return await this.tokenSource.token();
    } catch (err) {
      throw new SidecarError('unauthorized', `${method} ${this.baseUrl}${path}: ${(err as Error).message}`);
    }
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        const res = await request(this.baseUrl + path, {
          method,
          headers,
          body,
          signal: combined,
          dispatcher: this.dispatcher,
        });
        return { status: res.statusCode, text: await res.body.text() };
      } catch (err) {
        // Every sidecar call is idempotent (POST by task id), so a request that died on a socket
        // the server had just closed is sent once more.
        if (attempt === 0 && !combined.aborted && RETRY_ON_SOCKET.has(errorCode(err) ?? '')) continue;
        throw this.transportError(method, path, err, signal, timeout);
      }
    }
  }

  private transportError(
    method: string,
    path: string,
    err: unknown,
    signal: AbortSignal | undefined,
    timeout: AbortSignal,
  ): SidecarError {
    const where = `${method} ${this.baseUrl}${path}`;
    if (signal?.aborted) return new SidecarError('unreachable', `${where}: aborted`);
    if (timeout.aborted)
      return new SidecarError('unreachable', `${where}: timed out after ${this.timeoutMs} ms`);
    const code = tlsCode(err);
    if (code) {
      const name = this.serverName !== undefined ? ` for server name ${this.serverName}` : '';
      return new SidecarError('tls', `${where}: TLS failure (${code})${name}: ${causeMessage(err)}`);
    }
    const c = errorCode(err);
    return new SidecarError('unreachable', `${where}: ${c ? `${c}: ` : ''}${causeMessage(err)}`);
  }

  private statusError(method: string, path: string, res: RawResponse): SidecarError {
    const where = `${method} ${this.baseUrl}${path}`;
    const message = errorMessage(res.text);
    const kind: SidecarErrorKind =
      res.status === 400 ? 'rejected' : res.status === 401 || res.status === 403 ? 'unauthorized' : 'http';
    if (kind === 'rejected') return new SidecarError(kind, `sidecar rejected the request: ${message}`, 400);
    return new SidecarError(kind, `${where}: HTTP ${res.status}${message ? `: ${message}` : ''}`, res.status);
  }

  private decode(res: RawResponse, method: string, path: string): unknown {
    try {
      return JSON.parse(res.text);
    } catch {
      throw new SidecarError(
        'malformed',
        `${method} ${this.baseUrl}${path}: invalid JSON: ${snippet(res.text)}`,
        res.status,
      );
    }
  }
}

/**
 * Decodes a `TaskResult` leniently (reference §4): requires `id`, `type` and a known `status`,
 * keeps the optional known fields when they have the right JSON type, drops everything else.
 *
 * @returns the result, or undefined when the value is not a task result.
 */
export function decodeTaskResult(value: unknown): SidecarTaskResult | undefined {
  if (!isObject(value)) return undefined;
  const { id, type, status, run, params, error, submittedAt, completedAt } = value;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof status !== 'string') return undefined;
  if (!TASK_STATUSES.has(status)) return undefined;
  return {
    id,
    type,
    status: status as SidecarTaskResult['status'],
    ...(typeof run === 'number' ? { run } : {}),
    ...(isObject(params) ? { params } : {}),
    ...(typeof error === 'string' && error !== '' ? { error } : {}),
    ...(typeof submittedAt === 'string' ? { submittedAt } : {}),
    ...(typeof completedAt === 'string' ? { completedAt } : {}),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `error` of a `{"error": …}` envelope, else the trimmed body (proxy plain text), shortened. */
function errorMessage(text: string): string {
  try {
    const v: unknown = JSON.parse(text);
    if (isObject(v) && typeof v.error === 'string') return v.error;
  } catch {
    // plain text (kube-rbac-proxy, Go's mux)
  }
  return snippet(text.trim());
}

function snippet(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function tlsCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODE.test(code)) return code;
  }
  return undefined;
}

function causeMessage(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m && !parts.includes(m)) parts.push(m);
  }
  return parts.join(': ') || String(err);
}
