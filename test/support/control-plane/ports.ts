import { createServer } from 'node:net';

/**
 * Asks the kernel for a currently free TCP port on 127.0.0.1.
 *
 * The port is released before returning, so another process could take it before the caller
 * binds; callers that spawn servers retry on "address already in use".
 *
 * @param exclude - ports not to return (e.g. ones already handed out for the same start attempt).
 * @returns a port number in the ephemeral range.
 */
export async function freePort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(chosen));
      });
    });
    if (port > 0 && !exclude.has(port)) return port;
  }
  throw new Error('could not find a free TCP port on 127.0.0.1');
}
