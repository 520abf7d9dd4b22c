/**
 * A stand-in for the TLS side of kube-rbac-proxy in node pods (SPEC §8), which do not run here: one
 * HTTPS server on 127.0.0.1 that plays the `:8443` listener of EVERY TLS node's pod at once.
 *
 * A client picks the node the way it would verify it in a cluster — by TLS server name (SNI)
 * `<name>-0.<name>.<namespace>.svc.cluster.local`. The `SNICallback` serves that node's
 * certificate and key from the Secret `<name>-sidecar-tls` in `<namespace>` (read through the admin
 * client on each new handshake and re-parsed whenever the Secret's resourceVersion changes, like
 * kube-rbac-proxy picking up a re-issued certificate for new connections; sessions are never
 * resumed, so every new connection verifies the certificate served now). A handshake without SNI,
 * for a name of another shape, or for a node whose Secret does not exist (yet) or has no
 * `tls.crt`/`tls.key` fails.
 *
 * Requests are forwarded unchanged (method, path with query, end-to-end headers, body) to the
 * plaintext sidecar simulator at `http://127.0.0.1:<port>`, whose answer is returned unchanged;
 * hop-by-hop headers (`connection`, `keep-alive`, …) are not forwarded, as in any HTTP proxy. When
 * the simulator drops a connection (or is down) without answering, the client connection is
 * dropped too, so the simulator's faults look the same through the proxy. Authentication is not
 * modelled here (the simulator's token check plays kube-rbac-proxy's).
 *
 * With `tlsUrlTemplate` (`https://127.0.0.1:<port>/nodes/{namespace}/{name}`) as the controller's
 * TLS URL template, the simulator's `/nodes/{namespace}/{name}/v0/…` routing is preserved, so one
 * simulator serves plaintext and TLS nodes alike. Handshake and request counts per server name let
 * tests assert that the controller really talked TLS to a node.
 */

import { constants } from 'node:crypto';
import {
  Agent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { KubeClient } from '../../controller/kube/client';
import { Resources } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';

/** Options of {@link TlsProxyStandIn}. */
export interface TlsProxyStandInOptions {
  /** The plaintext simulator: its port on 127.0.0.1, or its base URL `http://127.0.0.1:<port>`. */
  readonly upstream: number | string;
  /** Only serve nodes of this namespace (handshakes for others fail). @default every namespace */
  readonly namespace?: string;
  /** Name of a node's TLS Secret. @default `<name>-sidecar-tls` */
  readonly secretNameFor?: (node: { name: string; namespace: string }) => string;
}

/** A node, as `{namespace, name}`, `"namespace/name"`, or its TLS server name. */
export type ProxyNodeRef = { readonly namespace: string; readonly name: string } | string;

type SecretObject = KubeObject & { data?: Record<string, string> };

/** `<name>-0.<name>.<namespace>.svc.cluster.local` (the pod's DNS name behind the headless Service). */
const SERVER_NAME =
  /^([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)-0\.\1\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc\.cluster\.local$/;
/**
 * No session tickets (and Node keeps no server session cache): every connection is a full handshake
 * in which the client verifies the certificate served now, as after a real proxy restart.
 */
const NO_RESUMPTION = constants.SSL_OP_NO_TICKET;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The TLS server name of a node's sidecar: `<name>-0.<name>.<namespace>.svc.cluster.local`.
 *
 * @param node - `{namespace, name}`, `"namespace/name"`, or already a server name (returned as is).
 */
export function nodeServerName(node: ProxyNodeRef): string {
  if (typeof node !== 'string') return `${node.name}-0.${node.name}.${node.namespace}.svc.cluster.local`;
  if (node.includes('.')) return node;
  const [namespace, name] = node.split('/');
  if (!namespace || !name) throw new Error(`not a node reference: ${JSON.stringify(node)}`);
  return `${name}-0.${name}.${namespace}.svc.cluster.local`;
}

/**
 * Plays kube-rbac-proxy's TLS listener for every node (see the file comment). `start()` listens on
 * a random port of 127.0.0.1; `stop()` closes the server and every connection.
 */
export class TlsProxyStandIn {
  private readonly upstreamPort: number;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly contexts = new Map<string, { resourceVersion: string; context: SecureContext }>();
  private readonly counts = {
    handshakes: new Map<string, number>(),
    failures: new Map<string, number>(),
    requests: new Map<string, number>(),
  };
  private server: Server | undefined;
  private listeningPort = 0;
  /** The last handshake failure (unknown server name, missing Secret, API error), for diagnostics. */
  lastError: Error | undefined;

  /**
   * @param admin - a client allowed to read the nodes' TLS Secrets.
   * @param opts - see {@link TlsProxyStandInOptions}.
   * @throws Error when `upstream` is not a port or an `http://127.0.0.1:<port>` URL.
   */
  constructor(
    private readonly admin: KubeClient,
    private readonly opts: TlsProxyStandInOptions,
  ) {
    const port =
      typeof opts.upstream === 'number'
        ? opts.upstream
        : Number(/^http:\/\/(?:127\.0\.0\.1|localhost):(\d+)\/?$/.exec(opts.upstream)?.[1]);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`upstream must be a port or http://127.0.0.1:<port>: ${String(opts.upstream)}`);
    }
    this.upstreamPort = port;
  }

  /** The listening port (0 before {@link start}). */
  get port(): number {
    return this.listeningPort;
  }

  /** The controller's TLS URL template: `https://127.0.0.1:<port>/nodes/{namespace}/{name}`. */
  get tlsUrlTemplate(): string {
    if (!this.listeningPort) throw new Error('TlsProxyStandIn is not started');
    return `https://127.0.0.1:${this.listeningPort}/nodes/{namespace}/{name}`;
  }

  /** Listens on a random port of 127.0.0.1. @returns this */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer(
      {
        SNICallback: (servername, cb) => {
          this.contextFor(servername).then(
            (ctx) => cb(null, ctx),
            (err: Error) => {
              this.lastError = err;
              cb(err); // the handshake fails; counted by 'tlsClientError'
            },
          );
        },
        minVersion: 'TLSv1.2',
        secureOptions: NO_RESUMPTION,
      },
      (req, res) => this.forward(req, res),
    );
    server.on('secureConnection', (socket: TLSSocket) => {
      bump(this.counts.handshakes, serverNameOf(socket));
    });
    server.on('tlsClientError', (_err: Error, socket: TLSSocket) => {
      bump(this.counts.failures, serverNameOf(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.listeningPort = (server.address() as AddressInfo).port;
    return this;
  }

  /** Closes the server, every client connection and the upstream connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /**
   * Drops every open client connection (kube-rbac-proxy restarting, e.g. with the pod): the next
   * call of a client handshakes again and so sees the current Secret.
   */
  dropConnections(): void {
    this.server?.closeAllConnections();
  }

  /**
   * Completed TLS handshakes (server side) for a node, or for all when `node` is omitted. A client
   * that rejects the certificate usually aborts the handshake (counted by {@link failedHandshakes})
   * but may complete it before hanging up, so use {@link requests} to prove a client trusted the
   * node's certificate.
   */
  handshakes(node?: ProxyNodeRef): number {
    return count(this.counts.handshakes, node);
  }

  /**
   * Failed handshakes for a node (or all; `''` = no SNI): no Secret for it yet, or the client
   * refused the certificate.
   */
  failedHandshakes(node?: ProxyNodeRef): number {
    return count(this.counts.failures, node);
  }

  /** HTTP requests received over TLS connections for a node (or all). */
  requests(node?: ProxyNodeRef): number {
    return count(this.counts.requests, node);
  }

  /** Resets the handshake, failure and request counts. */
  resetCounts(): void {
    for (const m of Object.values(this.counts)) m.clear();
  }

  /** The node's SecureContext from its Secret, re-made when the Secret changes. */
  private async contextFor(servername: string): Promise<SecureContext> {
    const m = SERVER_NAME.exec(servername);
    if (!m) throw new Error(`TLS proxy stand-in: unknown SNI server name ${JSON.stringify(servername)}`);
    const node = { name: m[1] as string, namespace: m[2] as string };
    if (this.opts.namespace !== undefined && node.namespace !== this.opts.namespace) {
      throw new Error(`TLS proxy stand-in: SNI server name ${servername} is outside ${this.opts.namespace}`);
    }
    const secretName = this.opts.secretNameFor?.(node) ?? `${node.name}-sidecar-tls`;
    const cached = this.contexts.get(servername);
    let secret: SecretObject | null;
    try {
      secret = await this.admin.get<SecretObject>(Resources.Secret, {
        namespace: node.namespace,
        name: secretName,
      });
    } catch (err) {
      if (cached) return cached.context; // API hiccup: keep serving what was loaded
      throw new Error(
        `TLS proxy stand-in: SNI ${servername}: reading Secret ${secretName}: ${(err as Error).message}`,
      );
    }
    const cert = secret?.data?.['tls.crt'];
    const key = secret?.data?.['tls.key'];
    if (!secret || !cert || !key) {
      throw new Error(
        `TLS proxy stand-in: SNI ${servername}: Secret ${node.namespace}/${secretName} has no certificate`,
      );
    }
    const resourceVersion = secret.metadata?.resourceVersion ?? '';
    if (cached && cached.resourceVersion === resourceVersion) return cached.context;
    const context = createSecureContext({
      cert: Buffer.from(cert, 'base64'),
      key: Buffer.from(key, 'base64'),
      secureOptions: NO_RESUMPTION,
    });
    this.contexts.set(servername, { resourceVersion, context });
    return context;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    bump(this.counts.requests, serverNameOf(req.socket as TLSSocket));
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers))
      if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: this.upstreamPort,
        method: req.method,
        path: req.url,
        headers,
        agent: this.agent,
      },
      (up) => {
        const out: OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers))
          if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
        res.writeHead(up.statusCode ?? 502, up.statusMessage, out);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      // No answer from the simulator (dropped connection, not listening): drop the client too.
      (req.socket as Socket).destroy();
    });
    req.pipe(upstream);
  }
}

function serverNameOf(socket: TLSSocket): string {
  return typeof socket.servername === 'string' ? socket.servername : '';
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function count(m: Map<string, number>, node: ProxyNodeRef | undefined): number {
  if (node === undefined) return [...m.values()].reduce((a, b) => a + b, 0);
  return m.get(node === '' ? '' : nodeServerName(node)) ?? 0;
}
