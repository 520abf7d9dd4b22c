/**
 * The HTTP layer under {@link KubeClient}: one request to the API server, authenticated and sent
 * by `@kubernetes/client-node` (its `KubeConfig.applySecurityAuthentication` for credentials and
 * the TLS dispatcher, its `IsomorphicFetchHttpLibrary` for the undici request), plus what the
 * library's generated APIs cannot express: impersonation headers, arbitrary content types
 * (server-side apply), raw JSON bodies (no model classes, no `Date` conversion), streaming
 * bodies for watches, typed errors, and per-request accounting.
 */
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  RequestContext,
} from '@kubernetes/client-node';
import { kubeApiError } from './errors.js';
import type { RequestObserver, Verb } from './request-counter.js';
import type { Status } from './types.js';

/** Who to act as (the `Impersonate-*` headers). The authenticated user needs the `impersonate` verb. */
export interface Impersonation {
  /** `Impersonate-User`, e.g. `system:serviceaccount:sei-system:sei-k8s-controller`. */
  user: string;
  /**
   * `Impersonate-Group`. At most one group: fetch joins repeated headers into one comma-separated
   * line, which the API server would read as a single group name. For a ServiceAccount user, leave
   * empty: the API server then adds `system:serviceaccounts` and `system:serviceaccounts:<ns>` itself.
   */
  groups?: string[];
  /** `Impersonate-Uid`. */
  uid?: string;
}

/** Options of {@link KubeTransport}. */
export interface TransportOptions {
  /** Act as another user for every request. */
  impersonate?: Impersonation | undefined;
  /** `User-Agent` header. @default 'sei-k8s-controller' */
  userAgent?: string;
  /** Timeout of one non-streaming request, headers and body, in ms. @default 30000 */
  timeoutMs?: number;
  /** Called after every request (see {@link RequestCounter}). */
  observers?: RequestObserver[];
}

/** One request, described at the HTTP level plus the accounting labels. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** URL path below the cluster server URL, e.g. `/api/v1/namespaces/default/configmaps`. */
  path: string;
  /** Query parameters; `undefined` values are skipped. */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-serializable body (sent with `contentType`). */
  body?: unknown;
  /** @default 'application/json' */
  contentType?: string;
  /** `Accept` header. @default 'application/json' */
  accept?: string;
  signal?: AbortSignal | undefined;
  /**
   * Overall timeout in ms; `0` disables it (watches).
   * @default TransportOptions.timeoutMs
   */
  timeoutMs?: number;
  /** Accounting: logical verb. */
  verb: Verb;
  /** Accounting: resource plural (`seinodes/status` for the status subresource). */
  resource: string;
  /** Accounting: namespace. @default '' */
  namespace?: string | undefined;
}

/** A response whose body has not been read yet. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Reads the whole body as text. */
  text(): Promise<string>;
  /** The body as a byte stream (for watches). */
  stream(): ReadableStream<Uint8Array> | null;
}

/** The undici dispatcher client-node attaches to a request. */
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * One connection pool per `KubeConfig`. `applySecurityAuthentication` builds a new undici `Agent` on
 * every call, so each request would open (and TLS-handshake) a connection of its own that nothing
 * reuses: measured with 1000 SeiNodes, handshakes were most of the controller's CPU, hundreds of
 * half-idle TLS sockets its memory, and the API server's handshake work its latency
 * (docs/performance.md). The first agent is kept and every later request of any client on that
 * config goes through it (keep-alive). Credentials in headers (tokens, refreshed per request) are
 * unaffected; a client certificate rotated on disk needs a new `KubeConfig`.
 */
const dispatchers = new WeakMap<KubeConfig, Dispatcher>();

const METHODS = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
} as const;

/** Sends authenticated requests to the API server of a `KubeConfig`'s current context. */
export class KubeTransport {
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly server: string;
  private readonly userAgent: string;
  private readonly timeoutMs: number;

  /**
   * @param kubeConfig A loaded `KubeConfig`; its current context picks the cluster and user.
   * @param options See {@link TransportOptions}.
   * @throws Error when the `KubeConfig` has no current cluster, or impersonates more than one group.
   */
  constructor(
    readonly kubeConfig: KubeConfig,
    readonly options: TransportOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('KubeConfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.userAgent = options.userAgent ?? 'sei-k8s-controller';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if ((options.impersonate?.groups?.length ?? 0) > 1) {
      throw new Error('impersonation of more than one group is not supported over fetch');
    }
  }

  /**
   * Sends a request and returns the response without reading its body or checking its status.
   * Reports the request to the observers once the response headers (or an error) arrive.
   *
   * @throws the fetch error (network failure, TLS, abort, timeout) when no response arrived.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const ctx = new RequestContext(url.toString(), METHODS[req.method]);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const fresh = ctx.getDispatcher();
    if (fresh) {
      const shared = dispatchers.get(this.kubeConfig);
      if (shared) ctx.setDispatcher(shared);
      else dispatchers.set(this.kubeConfig, fresh);
    }
    ctx.setHeaderParam('Accept', req.accept ?? 'application/json');
    ctx.setHeaderParam('User-Agent', this.userAgent);
    const imp = this.options.impersonate;
    if (imp) {
      ctx.setHeaderParam('Impersonate-User', imp.user);
      const group = imp.groups?.[0];
      if (group !== undefined) ctx.setHeaderParam('Impersonate-Group', group);
      if (imp.uid !== undefined) ctx.setHeaderParam('Impersonate-Uid', imp.uid);
    }
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const signals: AbortSignal[] = [];
    if (req.signal) signals.push(req.signal);
    if (timeoutMs > 0) signals.push(AbortSignal.timeout(timeoutMs));
    if (signals.length > 0)
      ctx.setSignal(signals.length === 1 ? (signals[0] as AbortSignal) : AbortSignal.any(signals));

    const started = performance.now();
    let code = 0;
    try {
      const res = await this.http.send(ctx).toPromise();
      code = res.httpStatusCode;
      return {
        status: res.httpStatusCode,
        headers: res.headers,
        text: () => res.body.text(),
        stream: () => res.body.stream(),
      };
    } finally {
      this.report({
        verb: req.verb,
        resource: req.resource,
        namespace: req.namespace ?? '',
        code,
        durationMs: performance.now() - started,
      });
    }
  }

  /**
   * Sends a request and decodes the JSON body.
   *
   * @returns The decoded body (`undefined` for an empty body).
   * @throws KubeApiError (or a subclass: NotFoundError, ConflictError, GoneError, ForbiddenError,
   *   InvalidError, AlreadyExistsError) for any non-2xx status; fetch errors as in {@link send}.
   */
  async json<T>(req: HttpRequest): Promise<T> {
    const res = await this.send(req);
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw errorFromBody(res.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private report(e: Parameters<RequestObserver>[0]): void {
    for (const o of this.options.observers ?? []) {
      try {
        o(e);
      } catch {
        // observers must not break requests
      }
    }
  }
}

/**
 * Builds the typed error for a non-2xx response body (a `Status` JSON when the API server
 * produced it, arbitrary text otherwise).
 */
export function errorFromBody(code: number, text: string): Error {
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed && typeof parsed === 'object' && parsed.kind === 'Status') status = parsed;
  } catch {
    // not JSON
  }
  return kubeApiError(code, status, text.trim().slice(0, 500));
}
