/**
 * Streaming watch: one `?watch=true` request read as newline-delimited JSON events, with a
 * client-side inactivity timeout that detects silently dead connections.
 */
import type { HttpRequest, KubeTransport } from './transport.js';
import { errorFromBody } from './transport.js';
import type { KubeObject, WatchEvent } from './types.js';

/** Thrown by a watch that received no bytes (not even a bookmark) for `idleTimeoutMs`. */
export class WatchIdleTimeoutError extends Error {
  /** @param idleTimeoutMs The inactivity limit that was exceeded, in ms. */
  constructor(readonly idleTimeoutMs: number) {
    super(`watch received nothing for ${idleTimeoutMs} ms`);
    this.name = 'WatchIdleTimeoutError';
  }
}

/**
 * Opens a watch and yields its events until the server ends the stream (normal end: the
 * generator returns), the caller aborts or stops iterating (the connection is closed), or an
 * error occurs.
 *
 * @param transport Sends the request.
 * @param req The watch request (`watch=true` is added; its timeout is forced to 0).
 * @param idleTimeoutMs Abort when no bytes arrive for this long; `0` disables. Units: ms.
 * @throws KubeApiError (e.g. GoneError, ForbiddenError) when the server answers non-200;
 *   WatchIdleTimeoutError on inactivity; SyntaxError on a corrupt line; the abort reason /
 *   fetch error otherwise. `ERROR` events are yielded, not thrown.
 */
export async function* watchEvents<T extends KubeObject>(
  transport: KubeTransport,
  req: HttpRequest,
  idleTimeoutMs: number,
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const ac = new AbortController();
  const outer = req.signal;
  const onAbort = () => ac.abort(outer?.reason);
  if (outer?.aborted) ac.abort(outer.reason);
  outer?.addEventListener('abort', onAbort, { once: true });

  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    if (idleTimeoutMs <= 0) return;
    timer = setTimeout(() => {
      idle = true;
      ac.abort(new WatchIdleTimeoutError(idleTimeoutMs));
    }, idleTimeoutMs);
    timer.unref();
  };

  try {
    arm();
    const res = await transport.send({
      ...req,
      query: { ...req.query, watch: true },
      signal: ac.signal,
      timeoutMs: 0,
    });
    if (res.status !== 200) throw errorFromBody(res.status, await res.text());
    const body = res.stream();
    if (!body) return;
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        buf += decoder.decode(value, { stream: true });
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
          nl = buf.indexOf('\n');
        }
      }
      const rest = (buf + decoder.decode()).trim();
      if (rest) yield JSON.parse(rest) as WatchEvent<T>;
    } finally {
      reader.cancel().catch(() => {});
    }
  } catch (err) {
    if (idle) throw new WatchIdleTimeoutError(idleTimeoutMs);
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
    ac.abort();
  }
}
