import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

/** Result of one {@link httpGet}. */
export interface ProbeResponse {
  status: number;
  body: string;
}

/**
 * One GET over http or https, for readiness probes (no client-node involved).
 *
 * @param url - `http://…` or `https://…`.
 * @param opts.ca - PEM to verify an https server with.
 * @param opts.token - sent as `Authorization: Bearer`.
 * @param opts.timeoutMs - per-request timeout, default 5000.
 * @throws the socket error (ECONNREFUSED while the server starts, TLS errors, timeout).
 */
export function httpGet(
  url: string,
  opts: { ca?: string; token?: string; timeoutMs?: number } = {},
): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const requestFn = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = requestFn(
      url,
      { method: 'GET', headers, ca: opts.ca, timeout: opts.timeoutMs ?? 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than `undefined`.
 *
 * @param what - description used in the timeout error.
 * @param check - returns `undefined` to keep waiting; throwing aborts the wait with that error.
 * @param opts.timeoutMs - overall budget (required; loops are always bounded).
 * @param opts.intervalMs - default 100 ms.
 * @param opts.context - called on timeout; its text is appended (e.g. a process log tail).
 * @throws Error `timed out after N ms waiting for <what>` (plus context) on timeout.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; context?: () => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const extra = opts.context?.();
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${extra ? `\n${extra}` : ''}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}
