import { describe, expect, it } from 'vitest';
import { parseBindAddress, startHealthServer } from '../../controller/health-server';

describe('health server', () => {
  it('/readyz flips from 503 to 200 when the caches report synced; /healthz is 200', async () => {
    let synced = false;
    const server = await startHealthServer({ bindAddress: '127.0.0.1:0', ready: () => synced });
    try {
      const port = (server?.address() as { port: number }).port;
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      synced = true;
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      server?.close();
    }
  });

  it('parses bind addresses and rejects bad ones', () => {
    expect(parseBindAddress(':8081')).toEqual({ port: 8081 });
    expect(parseBindAddress('127.0.0.1:9')).toEqual({ host: '127.0.0.1', port: 9 });
    expect(parseBindAddress('0')).toBeUndefined();
    expect(() => parseBindAddress(':99999')).toThrow(/invalid bind address/);
  });
});
