/**
 * Hands out one {@link SidecarClient} per node sidecar (SPEC §9): resolves the base URL with
 * {@link resolveSidecarUrl} and caches one client per node, so every reconcile of a node reuses
 * the same client (and, through the shared agent, the same keep-alive connection).
 *
 * TLS nodes (SPEC §8) get an https client that verifies the sidecar's certificate against the
 * node's CA bundle and for the pod's in-cluster DNS name ({@link sidecarServerName}), whatever
 * host the URL names; there is no plaintext fallback.
 */
import type { SidecarClient } from './client.js';
import { HttpSidecarClient } from './http-client.js';
import type { TokenSource } from './token.js';
import { DEFAULT_SIDECAR_URL_TEMPLATE, resolveSidecarUrl, sidecarServerName } from './url.js';

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
  /**
   * Base-URL template for nodes with sidecar TLS, used instead of `urlTemplate` for them (e.g.
   * `https://127.0.0.1:<port>/nodes/{namespace}/{name}` for a local TLS proxy). It must give an
   * `https:` URL. The certificate is still verified for the pod's in-cluster DNS name.
   * @default urlTemplate (so DEFAULT_SIDECAR_URL_TEMPLATE, whose `{scheme}` is `https` for TLS nodes)
   */
  tlsUrlTemplate?: string;
  /** Value of the template's `{port}`. @default 8443 */
  port?: number;
  /** Bearer token supplier shared by all clients. */
  tokenSource: TokenSource;
  /** Per-call timeout in ms. @default 10000 */
  timeoutMs?: number;
  /** `User-Agent` header. @default 'sei-k8s-controller' */
  userAgent?: string;
}

interface CachedClient {
  readonly baseUrl: string;
  readonly ca: string | undefined;
  readonly client: HttpSidecarClient;
}

/**
 * A {@link SidecarClientFactory} building {@link HttpSidecarClient}s. A cached client is replaced
 * when the node's base URL or CA bundle changes (TLS enabled, disabled or re-issued by another CA).
 */
export class HttpSidecarClientFactory implements SidecarClientFactory {
  private readonly clients = new Map<string, CachedClient>();
  private readonly template: string;
  private readonly tlsTemplate: string;

  /** @param options See {@link HttpSidecarClientFactoryOptions}. */
  constructor(private readonly options: HttpSidecarClientFactoryOptions) {
    this.template = options.urlTemplate ?? DEFAULT_SIDECAR_URL_TEMPLATE;
    this.tlsTemplate = options.tlsUrlTemplate ?? this.template;
  }

  /**
   * @returns the cached client for the node, or a new one. With `node.tls` the client speaks
   *   https, trusts exactly `caPem` and verifies the server name
   *   `<name>-0.<name>.<namespace>.svc.cluster.local`.
   * @throws Error as {@link resolveSidecarUrl} and the {@link HttpSidecarClient} constructor (e.g. a
   *   TLS node whose template gives an http URL: no plaintext fallback).
   */
  forNode(node: SidecarNodeRef): SidecarClient {
    const ca = node.tls?.caPem;
    const tls = ca !== undefined;
    const baseUrl = resolveSidecarUrl(
      { name: node.name, namespace: node.namespace, tls, port: this.options.port },
      tls ? this.tlsTemplate : this.template,
    );
    const key = nodeKey(node);
    const cached = this.clients.get(key);
    if (cached && cached.baseUrl === baseUrl && cached.ca === ca) return cached.client;
    const client = new HttpSidecarClient({
      baseUrl,
      tokenSource: this.options.tokenSource,
      ...(tls ? { ca, serverName: sidecarServerName(node) } : {}),
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(this.options.userAgent !== undefined ? { userAgent: this.options.userAgent } : {}),
    });
    this.clients.set(key, { baseUrl, ca, client });
    return client;
  }

  /** Forgets a node's cached client (e.g. after the SeiNode was deleted). */
  forget(node: Pick<SidecarNodeRef, 'name' | 'namespace'>): void {
    this.clients.delete(nodeKey(node));
  }
}

function nodeKey(node: Pick<SidecarNodeRef, 'name' | 'namespace'>): string {
  return `${node.namespace}/${node.name}`;
}
