import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenSource, NO_TOKEN, staticTokenSource } from '../../../controller/sidecar/token.js';

describe('FileTokenSource', () => {
  let dir: string;
  let path: string;
  let now: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-'));
    path = join(dir, 'token');
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and trims the file, then serves the cache until the refresh interval passes', async () => {
    writeFileSync(path, 'tok-1\n');
    const src = new FileTokenSource({ path, now: () => now });
    expect(await src.token()).toBe('tok-1');
    writeFileSync(path, 'tok-2');
    now += 59_999;
    expect(await src.token()).toBe('tok-1');
    now += 1;
    expect(await src.token()).toBe('tok-2');
  });

  it('re-reads immediately after invalidate()', async () => {
    writeFileSync(path, 'a');
    const src = new FileTokenSource({ path, now: () => now });
    expect(await src.token()).toBe('a');
    writeFileSync(path, 'b');
    src.invalidate();
    expect(await src.token()).toBe('b');
  });

  it('honours a custom refresh interval', async () => {
    writeFileSync(path, 'a');
    const src = new FileTokenSource({ path, refreshIntervalMs: 10, now: () => now });
    await src.token();
    writeFileSync(path, 'b');
    now += 10;
    expect(await src.token()).toBe('b');
  });

  it('throws when the file is missing or empty and nothing is cached', async () => {
    await expect(new FileTokenSource({ path }).token()).rejects.toThrow(/cannot read service-account token/);
    writeFileSync(path, '  \n');
    await expect(new FileTokenSource({ path }).token()).rejects.toThrow(/the file is empty/);
  });

  it('keeps the cached token when a periodic re-read fails (file mid-rotation)', async () => {
    writeFileSync(path, 'a');
    const src = new FileTokenSource({ path, now: () => now });
    await src.token();
    rmSync(path);
    now += 120_000;
    expect(await src.token()).toBe('a');
    src.invalidate();
    await expect(src.token()).rejects.toThrow(/cannot read/);
  });

  it('shares one read between concurrent callers', async () => {
    writeFileSync(path, 'a');
    const src = new FileTokenSource({ path });
    const all = await Promise.all([src.token(), src.token(), src.token()]);
    expect(all).toEqual(['a', 'a', 'a']);
  });

  it('defaults to the in-pod service-account token path', () => {
    expect(new FileTokenSource().path).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
  });
});

describe('NO_TOKEN and staticTokenSource', () => {
  it('give no token and a fixed token', async () => {
    expect(await NO_TOKEN.token()).toBeUndefined();
    const s = staticTokenSource('x');
    s.invalidate();
    expect(await s.token()).toBe('x');
  });
});
