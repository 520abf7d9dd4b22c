import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { parseBindAddress } from './health-server';

/**
 * Serves the Prometheus text exposition of `registry` on `GET /metrics`.
 *
 * @param bindAddress - `host:port` or `:port`; `0` disables
 * @returns the listening server, or undefined when disabled
 * @throws Error when the address is invalid or cannot be bound
 */
export async function startMetricsServer(
  bindAddress: string,
  registry: Registry,
): Promise<Server | undefined> {
  const bind = parseBindAddress(bindAddress);
  if (!bind) return undefined;
  const server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry
      .metrics()
      .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
      .catch((err: Error) => res.writeHead(500).end(`${err.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  return server;
}
