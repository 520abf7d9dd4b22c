import { afterEach, describe, expect, it, vi } from 'vitest';
import { ForbiddenError, GoneError } from '../../../controller/kube/errors.js';
import { Resources } from '../../../controller/kube/resources.js';
import type { KubeObject } from '../../../controller/kube/types.js';
import { WatchIdleTimeoutError } from '../../../controller/kube/watch.js';
import { Informer, stripManagedFields } from '../../../controller/runtime/informer.js';
import { cm, FakeListWatch } from './fake-list-watch.js';

type Ev = [string, string, string?];

function recorder(inf: Informer) {
  const events: Ev[] = [];
  const rv = (o: KubeObject) => o.metadata?.resourceVersion ?? '';
  inf.addEventHandler({
    onAdd: (o) => events.push(['add', `${o.metadata?.name}@${rv(o)}`]),
    onUpdate: (a, b) => events.push(['update', `${b.metadata?.name}@${rv(b)}`, rv(a)]),
    onDelete: (o) => events.push(['delete', `${o.metadata?.name}@${rv(o)}`]),
  });
  return events;
}

const fast = { backoff: { initialMs: 1, maxMs: 4 } };
const informers: Informer[] = [];
function make(src: FakeListWatch, opts = {}) {
  const inf = new Informer(src, Resources.ConfigMap, { namespace: 'ns', ...fast, ...opts });
  informers.push(inf);
  return inf;
}

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});

describe('Informer', () => {
  it('lists, syncs, then watches from the list resourceVersion with bookmarks and a 5–10 min timeout', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('a', '10'), cm('b', '11')];
    const inf = make(src, { labelSelector: 'app=sei' });
    const events = recorder(inf);
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await inf.waitForSync({ timeoutMs: 1000 });
    expect(inf.hasSynced()).toBe(true);
    expect(events).toEqual([
      ['add', 'a@10'],
      ['add', 'b@11'],
    ]);
    expect(src.listCalls[0]).toMatchObject({ namespace: 'ns', labelSelector: 'app=sei' });
    const w = await src.nthWatch(1);
    expect(w.opts).toMatchObject({ namespace: 'ns', resourceVersion: '100', allowWatchBookmarks: true });
    expect(w.opts.timeoutSeconds).toBeGreaterThanOrEqual(300);
    expect(w.opts.timeoutSeconds).toBeLessThanOrEqual(600);
    expect(inf.cache.size).toBe(2);
  });

  it('applies watch events to the cache; skips updates whose resourceVersion did not change', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('a', '10')];
    const inf = make(src);
    const events = recorder(inf);
    inf.start();
    const w = await src.nthWatch(1);
    w.push({ type: 'ADDED', object: cm('b', '101') });
    w.push({ type: 'MODIFIED', object: cm('a', '102', { data: { k: 'v' } }) });
    w.push({ type: 'MODIFIED', object: cm('a', '102', { data: { k: 'v' } }) });
    w.push({ type: 'ADDED', object: cm('b', '101') }); // duplicate after a resume: not an update
    w.push({ type: 'DELETED', object: cm('b', '103') });
    await vi.waitFor(() => expect(events).toHaveLength(4));
    expect(events).toEqual([
      ['add', 'a@10'],
      ['add', 'b@101'],
      ['update', 'a@102', '10'],
      ['delete', 'b@103'],
    ]);
    expect(inf.cache.get('ns', 'a')?.data).toEqual({ k: 'v' });
    expect(inf.cache.get('ns', 'b')).toBeUndefined();
    expect(inf.lastSyncResourceVersion()).toBe('103');
  });

  it('resumes from the last seen resourceVersion (bookmarks included) when the server ends the watch', async () => {
    const src = new FakeListWatch();
    const inf = make(src);
    const reasons: string[] = [];
    inf.onWatchRestart((r) => reasons.push(r));
    inf.start();
    const w1 = await src.nthWatch(1);
    w1.push({ type: 'ADDED', object: cm('a', '150') });
    w1.push({ type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: '175' } } });
    w1.end();
    const w2 = await src.nthWatch(2);
    expect(w2.opts.resourceVersion).toBe('175');
    expect(src.listCalls).toHaveLength(1);
    expect(reasons).toEqual(['closed']);
    expect(inf.watchRestarts()).toMatchObject({ closed: 1, gone: 0, error: 0, idle: 0 });
  });

  it('on a 410 ERROR event re-lists and emits the diff against the cache', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('keep', '10'), cm('change', '11'), cm('remove', '12')];
    const inf = make(src);
    const events = recorder(inf);
    inf.start();
    const w1 = await src.nthWatch(1);
    await inf.waitForSync();
    events.length = 0;

    // While "disconnected", the world moved on.
    src.objects = [cm('keep', '10'), cm('change', '20'), cm('fresh', '21')];
    src.resourceVersion = '300';
    w1.push({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' },
    });
    const w2 = await src.nthWatch(2);
    expect(src.listCalls).toHaveLength(2);
    expect(w2.opts.resourceVersion).toBe('300');
    expect(events).toEqual([
      ['add', 'fresh@21'],
      ['update', 'change@20', '11'],
      ['delete', 'remove@12'],
    ]);
    expect(inf.watchRestarts().gone).toBe(1);
    expect(inf.cache.keys().sort()).toEqual(['ns/change', 'ns/fresh', 'ns/keep']);
  });

  it('on an HTTP 410 (GoneError) also re-lists', async () => {
    const src = new FakeListWatch();
    const inf = make(src);
    inf.start();
    const w1 = await src.nthWatch(1);
    w1.fail(new GoneError(410, 'Gone', 'too old'));
    await src.nthWatch(2);
    expect(src.listCalls).toHaveLength(2);
    expect(inf.watchRestarts().gone).toBe(1);
  });

  it('reconnects with backoff after errors and idle timeouts, without re-listing', async () => {
    const src = new FakeListWatch();
    const inf = make(src);
    inf.start();
    const w1 = await src.nthWatch(1);
    w1.push({ type: 'ADDED', object: cm('a', '101') });
    w1.fail(new TypeError('fetch failed'));
    const w2 = await src.nthWatch(2);
    expect(w2.opts.resourceVersion).toBe('101');
    w2.fail(new WatchIdleTimeoutError(270_000));
    const w3 = await src.nthWatch(3);
    w3.fail(new ForbiddenError(403, 'Forbidden', 'no'));
    await src.nthWatch(4);
    expect(src.listCalls).toHaveLength(1);
    expect(inf.watchRestarts()).toMatchObject({ error: 2, idle: 1 });
    expect(inf.lastError()).toBeInstanceOf(ForbiddenError);
  });

  it('keeps retrying a failing list until it succeeds, then syncs', async () => {
    const src = new FakeListWatch();
    src.listErrors = [new ForbiddenError(403, 'Forbidden', 'no'), new TypeError('fetch failed')];
    src.objects = [cm('a', '1')];
    const inf = make(src);
    inf.start();
    await inf.waitForSync({ timeoutMs: 2000 });
    expect(src.listCalls).toHaveLength(3);
    expect(inf.cache.size).toBe(1);
  });

  it('waitForSync times out, and rejects when stopped before sync', async () => {
    const src = new FakeListWatch();
    src.listErrors = Array.from({ length: 1000 }, () => new Error('down'));
    const inf = make(src, { backoff: { initialMs: 50, maxMs: 50 } });
    inf.start();
    await expect(inf.waitForSync({ timeoutMs: 20 })).rejects.toMatchObject({ name: 'TimeoutError' });
    const pending = inf.waitForSync();
    await inf.stop();
    await expect(pending).rejects.toThrow(/stopped before sync/);
  });

  it('replays the cache to handlers added after sync', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('a', '1'), cm('b', '2')];
    const inf = make(src);
    inf.start();
    await inf.waitForSync();
    const events = recorder(inf);
    expect(events.map((e) => e[1])).toEqual(['a@1', 'b@2']);
  });

  it('a throwing handler does not stop delivery to others or break the informer', async () => {
    const src = new FakeListWatch();
    const inf = make(src);
    inf.onAdd(() => {
      throw new Error('boom');
    });
    const events = recorder(inf);
    inf.start();
    const w = await src.nthWatch(1);
    w.push({ type: 'ADDED', object: cm('a', '101') });
    w.push({ type: 'ADDED', object: cm('b', '102') });
    await vi.waitFor(() => expect(events).toHaveLength(2));
  });

  it('stop() closes the watch and no handler runs afterwards', async () => {
    const src = new FakeListWatch();
    const inf = make(src);
    const events = recorder(inf);
    inf.start();
    const w = await src.nthWatch(1);
    await inf.stop();
    expect(w.closed).toBe(true);
    w.push({ type: 'ADDED', object: cm('late', '500') });
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([]);
    expect(() => inf.start()).toThrow(/stopped/);
  });

  it('runs the transform on listed and watched objects before caching them (stripManagedFields)', async () => {
    const managed = (name: string, rv: string) =>
      cm(name, rv, {
        metadata: { namespace: 'ns', name, resourceVersion: rv, managedFields: [{ manager: 'kubectl' }] },
      });
    const src = new FakeListWatch();
    src.objects = [managed('a', '10')];
    const inf = make(src, { transform: stripManagedFields });
    const seen: KubeObject[] = [];
    inf.addEventHandler({ onAdd: (o) => seen.push(o), onUpdate: (_a, b) => seen.push(b) });
    inf.start();
    const w = await src.nthWatch(1);
    w.push({ type: 'ADDED', object: managed('b', '101') });
    w.push({ type: 'MODIFIED', object: managed('a', '102') });
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    for (const o of [...seen, inf.cache.get('ns', 'a'), inf.cache.get('ns', 'b')]) {
      expect(o?.metadata).toBeDefined();
      expect(o?.metadata).not.toHaveProperty('managedFields');
    }
    expect(inf.cache.get('ns', 'a')?.metadata?.resourceVersion).toBe('102');
  });
});
