import { createServer, type Server } from 'node:http';

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** `host:port` or `:port`; `0` disables the server. */
  readonly bindAddress: string;
  /** `/readyz` answers 200 only while this returns true (e.g. caches synced). */
  readonly ready: () => boolean;
  /**
   * `/healthz` fails when the event loop has been blocked longer than this (ms).
   * @default 10000
   */
  readonly maxEventLoopLagMs?: number;
}

/** Parses `host:port`, `:port` or `port` into listen arguments; `0` means disabled. */
export function parseBindAddress(addr: string): { host?: string; port: number } | undefined {
  if (addr === '0' || addr === '') return undefined;
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i) : undefined;
  const port = Number(i >= 0 ? addr.slice(i + 1) : addr);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid bind address ${JSON.stringify(addr)}: expected host:port or :port`);
  return host ? { host, port } : { port };
}

/**
 * Serves `/healthz` (the process is alive and its event loop is not stuck) and `/readyz` (caches
 * synced) for the kubelet's probes.
 *
 * @returns the listening server, or undefined when disabled
 * @throws Error when the address is invalid or cannot be bound
 */
export async function startHealthServer(opts: HealthServerOptions): Promise<Server | undefined> {
  const bind = parseBindAddress(opts.bindAddress);
  if (!bind) return undefined;
  const maxLag = opts.maxEventLoopLagMs ?? 10_000;
  let lastTick = Date.now();
  const ticker = setInterval(() => {
    lastTick = Date.now();
  }, 1000);
  ticker.unref();
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    let ok: boolean;
    if (path === '/healthz') ok = Date.now() - lastTick < maxLag;
    else if (path === '/readyz') ok = opts.ready();
    else {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
  server.on('close', () => clearInterval(ticker));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  return server;
}
