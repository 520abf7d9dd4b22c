/**
 * Hands out one {@link SidecarClient} per node sidecar (SPEC §9): resolves the base URL with
 * {@link resolveSidecarUrl} and caches clients per base URL, so every reconcile of a node reuses
 * the same client (and, through the shared agent, the same keep-alive connection).
 */
import type { SidecarClient } from './client.js';
import { HttpSidecarClient } from './http-client.js';
import type { TokenSource } from './token.js';
import { DEFAULT_SIDECAR_URL_TEMPLATE, resolveSidecarUrl } from './url.js';

/** The node a client is wanted for. */
export interface SidecarNodeRef {
  readonly name: string;
  readonly namespace: string;
  /** Present when the node's sidecar serves TLS: the PEM CA bundle (`ca.crt`) to verify it with. */
  readonly tls?: { readonly caPem: string } | undefined;
}

/** Gives the sidecar client of a node. */
export interface SidecarClientFactory {
  /**
   * @returns the (cached) client of the node's sidecar.
   * @throws Error when the URL cannot be resolved (bad template) or TLS is requested but the
   *   template yields a non-https URL.
   */
  forNode(node: SidecarNodeRef): SidecarClient;
}

/** Options of {@link HttpSidecarClientFactory}. */
export interface HttpSidecarClientFactoryOptions {
  /** Base-URL template (see {@link resolveSidecarUrl}). @default DEFAULT_SIDECAR_URL_TEMPLATE */
  urlTemplate?: string;
  /** Value of the template's `{port}`. @default 8443 */
  port?: number;
  /** Bearer token supplier shared by all clients. */
  tokenSource: TokenSource;
  /** Per-call timeout in ms. @default 10000 */
  timeoutMs?: number;
  /** `User-Agent` header. @default 'sei-k8s-controller' */
  userAgent?: string;
}

/**
 * A {@link SidecarClientFactory} building {@link HttpSidecarClient}s. A cached client is replaced
 * when the node's CA bundle changes (TLS enabled, disabled or re-issued).
 */
export class HttpSidecarClientFactory implements SidecarClientFactory {
  private readonly clients = new Map<string, { ca: string | undefined; client: HttpSidecarClient }>();
  private readonly template: string;

  /** @param options See {@link HttpSidecarClientFactoryOptions}. */
  constructor(private readonly options: HttpSidecarClientFactoryOptions) {
    this.template = options.urlTemplate ?? DEFAULT_SIDECAR_URL_TEMPLATE;
  }

  /**
   * @returns the cached client for the node's base URL, or a new one.
   * @throws Error as {@link resolveSidecarUrl} and the {@link HttpSidecarClient} constructor.
   */
  forNode(node: SidecarNodeRef): SidecarClient {
    const ca = node.tls?.caPem;
    const baseUrl = resolveSidecarUrl(
      { name: node.name, namespace: node.namespace, tls: ca !== undefined, port: this.options.port },
      this.template,
    );
    const cached = this.clients.get(baseUrl);
    if (cached && cached.ca === ca) return cached.client;
    const client = new HttpSidecarClient({
      baseUrl,
      tokenSource: this.options.tokenSource,
      ...(ca !== undefined ? { ca } : {}),
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(this.options.userAgent !== undefined ? { userAgent: this.options.userAgent } : {}),
    });
    this.clients.set(baseUrl, { ca, client });
    return client;
  }

  /** Forgets a node's cached client (e.g. after the SeiNode was deleted). */
  forget(node: Pick<SidecarNodeRef, 'name' | 'namespace'>): void {
    for (const tls of [false, true]) {
      try {
        this.clients.delete(resolveSidecarUrl({ ...node, tls, port: this.options.port }, this.template));
      } catch {
        // an unresolvable node has no cached client
      }
    }
  }
}
