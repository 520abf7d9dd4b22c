import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineResource, Resources } from '../../../controller/kube/resources.js';
import type { KubeObject } from '../../../controller/kube/types.js';
import { Controller } from '../../../controller/runtime/controller.js';
import { Informer } from '../../../controller/runtime/informer.js';
import { ownedBy } from '../../../controller/runtime/mappers.js';
import { ExponentialFailureRateLimiter } from '../../../controller/runtime/rate-limiter.js';
import type { Request } from '../../../controller/runtime/reconciler.js';
import { cm, FakeListWatch } from './fake-list-watch.js';

const Widget = defineResource('test.sei.io/v1', 'Widget', 'widgets');
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function informer(src: FakeListWatch, resource = Resources.ConfigMap) {
  const inf = new Informer(src, resource, { backoff: { initialMs: 1, maxMs: 2 } });
  stops.push(() => inf.stop());
  inf.start();
  await inf.waitForSync();
  return inf;
}

function controller(opts: ConstructorParameters<typeof Controller>[0]) {
  const c = new Controller(opts);
  stops.push(() => c.stop({ drainMs: 1000 }));
  return c;
}

const widget = (name: string, uid: string, rv = '1'): KubeObject => ({
  apiVersion: 'test.sei.io/v1',
  kind: 'Widget',
  metadata: { namespace: 'ns', name, uid, resourceVersion: rv },
});

describe('Controller', () => {
  it('reconciles every primary object on start and on changes', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('a', '1'), cm('b', '2')];
    const inf = await informer(src);
    const seen: string[] = [];
    const c = controller({
      name: 'test',
      primary: inf,
      reconciler: async (req) => {
        seen.push(`${req.namespace}/${req.name}`);
      },
    });
    c.start();
    await vi.waitFor(() => expect(seen.sort()).toEqual(['ns/a', 'ns/b']));
    (await src.nthWatch(1)).push({ type: 'MODIFIED', object: cm('a', '3') });
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(seen[2]).toBe('ns/a');
  });

  it('retries failures with backoff, never crashes, forgets on success, honours requeueAfterMs', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('a', '1')];
    const inf = await informer(src);
    let calls = 0;
    const times: number[] = [];
    const outcomes: string[] = [];
    const c = controller({
      name: 'flaky',
      primary: inf,
      rateLimiter: new ExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 20 }),
      hooks: { reconciled: (_n, outcome) => outcomes.push(outcome) },
      reconciler: {
        reconcile: async () => {
          calls++;
          times.push(performance.now());
          if (calls === 1) throw new Error('transient');
          if (calls === 2) throw 'not even an Error';
          if (calls === 3) {
            // a synchronous throw inside an async reconciler
            JSON.parse('{');
          }
          if (calls === 4) return { requeueAfterMs: 30 };
          return undefined;
        },
      },
    });
    c.start();
    await vi.waitFor(() => expect(calls).toBe(5), { timeout: 2000 });
    expect(outcomes).toEqual(['error', 'error', 'error', 'requeue_after', 'success']);
    expect(c.queue.numRequeues('ns/a')).toBe(0);
    // backoff grew: 5, 10, 20 ms; then the explicit 30 ms requeue
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(4);
    expect(gaps[1]).toBeGreaterThanOrEqual(9);
    expect(gaps[2]).toBeGreaterThanOrEqual(19);
    expect(gaps[3]).toBeGreaterThanOrEqual(29);
  });

  it('a plain-function reconciler that throws synchronously is contained', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('a', '1')];
    const inf = await informer(src);
    let calls = 0;
    const c = controller({
      name: 'sync-throw',
      primary: inf,
      rateLimiter: new ExponentialFailureRateLimiter({ baseDelayMs: 1, maxDelayMs: 1 }),
      reconciler: ((_req: Request) => {
        calls++;
        throw new Error('sync');
      }) as never,
    });
    c.start();
    await vi.waitFor(() => expect(calls).toBeGreaterThan(3));
  });

  it('maps owned objects to their controller owner (kind + group must match)', async () => {
    const widgets = new FakeListWatch();
    widgets.objects = [widget('w1', 'uid-1'), widget('w2', 'uid-2')];
    const owned = new FakeListWatch();
    const wInf = await informer(widgets, Widget);
    const cmInf = await informer(owned);
    const seen: string[] = [];
    const c = controller({
      name: 'widgets',
      primary: wInf,
      watches: [{ informer: cmInf, map: ownedBy(Widget) }],
      reconciler: async (req) => {
        seen.push(req.name);
      },
    });
    c.start();
    await vi.waitFor(() => expect(seen.sort()).toEqual(['w1', 'w2']));
    seen.length = 0;
    const owned_ = (
      name: string,
      rv: string,
      kind: string,
      apiVersion: string,
      owner: string,
      controller: boolean,
    ) => {
      const o = cm(name, rv);
      return {
        ...o,
        metadata: {
          ...o.metadata,
          ownerReferences: [{ apiVersion, kind, name: owner, uid: 'x', controller }],
        },
      };
    };
    const w = await owned.nthWatch(1);
    w.push({ type: 'ADDED', object: owned_('owned', '5', 'Widget', 'test.sei.io/v2', 'w2', true) }); // any version
    w.push({ type: 'ADDED', object: owned_('not-controller', '6', 'Widget', 'test.sei.io/v1', 'w1', false) });
    w.push({ type: 'ADDED', object: owned_('other-group', '7', 'Widget', 'other.io/v1', 'w1', true) });
    w.push({ type: 'ADDED', object: owned_('other-kind', '8', 'Gadget', 'test.sei.io/v1', 'w1', true) });
    w.push({ type: 'DELETED', object: owned_('owned', '9', 'Widget', 'test.sei.io/v1', 'w2', true) });
    await vi.waitFor(() => expect(seen).toEqual(['w2', 'w2']));
  });

  it('arbitrary mappers and predicates', async () => {
    const prim = new FakeListWatch();
    const sec = new FakeListWatch();
    const pInf = await informer(prim);
    const sInf = await informer(sec, Resources.Secret);
    const seen: string[] = [];
    const c = controller({
      name: 'mapped',
      primary: pInf,
      predicate: (kind) => kind !== 'delete',
      watches: [
        {
          informer: sInf,
          map: (s) =>
            (s.metadata?.labels?.targets ?? '')
              .split('.')
              .filter(Boolean)
              .map((name: string) => ({ namespace: 'ns', name })),
          predicate: (kind, obj, old) =>
            kind !== 'update' || obj.metadata?.labels?.targets !== old?.metadata?.labels?.targets,
        },
      ],
      reconciler: async (req) => {
        seen.push(req.name);
      },
    });
    c.start();
    const s = await sec.nthWatch(1);
    const secret = (rv: string, targets: string) => ({
      metadata: { namespace: 'ns', name: 's', resourceVersion: rv, labels: { targets } },
    });
    s.push({ type: 'ADDED', object: secret('1', 'x.y') });
    await vi.waitFor(() => expect(seen.sort()).toEqual(['x', 'y']));
    s.push({ type: 'MODIFIED', object: secret('2', 'x.y') }); // filtered: targets unchanged
    const p = await prim.nthWatch(1);
    p.push({ type: 'DELETED', object: cm('gone', '3') });
    p.push({ type: 'ADDED', object: cm('z', '4') });
    await vi.waitFor(() => expect(seen).toContain('z'));
    expect(seen.sort()).toEqual(['x', 'y', 'z']);
  });

  it('with concurrency > 1 processes different keys in parallel but never one key twice at once', async () => {
    const src = new FakeListWatch();
    src.objects = Array.from({ length: 6 }, (_, i) => cm(`o${i}`, '1'));
    const inf = await informer(src);
    const active = new Set<string>();
    let maxParallel = 0;
    let overlap = false;
    let calls = 0;
    const c = controller({
      name: 'parallel',
      primary: inf,
      concurrency: 4,
      reconciler: async (req) => {
        if (active.has(req.name)) overlap = true;
        active.add(req.name);
        maxParallel = Math.max(maxParallel, active.size);
        await new Promise((r) => setTimeout(r, 5));
        active.delete(req.name);
        calls++;
      },
    });
    c.start();
    const w = await src.nthWatch(1);
    for (let i = 2; i < 30; i++) w.push({ type: 'MODIFIED', object: cm(`o${i % 3}`, String(i)) });
    await vi.waitFor(() => expect(c.queue.len() + c.queue.processingCount()).toBe(0));
    await new Promise((r) => setTimeout(r, 20));
    expect(overlap).toBe(false);
    expect(maxParallel).toBeGreaterThan(1);
    expect(maxParallel).toBeLessThanOrEqual(4);
    expect(calls).toBeGreaterThanOrEqual(6);
  });

  it('stop() drains in-flight reconciles; after drainMs it aborts their signal', async () => {
    const src = new FakeListWatch();
    src.objects = [cm('a', '1')];
    const inf = await informer(src);
    let aborted = false;
    let started = false;
    const c = new Controller({
      name: 'slow',
      primary: inf,
      reconciler: (_req, signal) =>
        new Promise<undefined>((resolve) => {
          started = true;
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(undefined);
          });
        }),
    });
    c.start();
    await vi.waitFor(() => expect(started).toBe(true));
    const t0 = performance.now();
    await c.stop({ drainMs: 50 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(aborted).toBe(true);
    expect(c.queue.shuttingDown).toBe(true);
  });

  it('rejects a bad concurrency', () => {
    const inf = new Informer(new FakeListWatch(), Resources.ConfigMap);
    expect(
      () => new Controller({ name: 'x', primary: inf, concurrency: 0, reconciler: async () => {} }),
    ).toThrow(RangeError);
  });
});
