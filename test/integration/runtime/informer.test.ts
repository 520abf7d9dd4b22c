import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../controller/kube/client.js';
import { RequestCounter } from '../../../controller/kube/request-counter.js';
import { Resources } from '../../../controller/kube/resources.js';
import type { KubeObject } from '../../../controller/kube/types.js';
import {
  Informer,
  type InformerOptions,
  type ListWatchClient,
} from '../../../controller/runtime/informer.js';
import { adminClient, freshNamespace, isGone, PartitionableClient, until } from './helpers.js';

type Ev = string;

let admin: KubeClient;
const informers: Informer[] = [];

beforeAll(() => {
  admin = adminClient();
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});

function startInformer(client: ListWatchClient, namespace: string, opts: InformerOptions<KubeObject> = {}) {
  const inf = new Informer(client, Resources.ConfigMap, { namespace, ...opts });
  informers.push(inf);
  const events: Ev[] = [];
  inf.addEventHandler({
    onAdd: (o) => events.push(`add ${o.metadata?.name}`),
    onUpdate: (a, b) =>
      events.push(
        `update ${b.metadata?.name} ${JSON.stringify(a.data ?? {})}->${JSON.stringify(b.data ?? {})}`,
      ),
    onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
  });
  inf.start();
  return { inf, events };
}

const configMap = (namespace: string, name: string, data: Record<string, string> = {}) => ({
  metadata: { namespace, name, labels: { app: 'runtime-it' } },
  data,
});

describe('Informer against a real API server', () => {
  it('metadataOnly: caches metadata of each object (typed as the resource), sees status-only changes', async () => {
    const ns = await freshNamespace(admin, 'inf-meta');
    const owner = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: '0d1b2c3d-0000-4000-8000-000000000001',
    };
    const sts = (name: string) => ({
      metadata: {
        namespace: ns,
        name,
        labels: { app: 'meta-it' },
        ownerReferences: [{ ...owner, controller: true }],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'c', image: 'registry.example/c:1' }] },
        },
      },
    });
    await admin.create(Resources.StatefulSet, sts('listed'));
    const inf = new Informer(admin, Resources.StatefulSet, { namespace: ns, metadataOnly: true });
    informers.push(inf);
    const events: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => events.push(`add ${o.metadata?.name}`),
      onUpdate: (_a, b) => events.push(`update ${b.metadata?.name} g${b.metadata?.generation}`),
      onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
    });
    inf.start();
    await inf.waitForSync({ timeoutMs: 10_000 });
    await admin.create(Resources.StatefulSet, sts('watched'));
    await admin.patch(
      Resources.StatefulSet,
      { namespace: ns, name: 'watched' },
      { status: { replicas: 0, observedGeneration: 1 } },
      { subresource: 'status' },
    );
    await admin.delete(Resources.StatefulSet, { namespace: ns, name: 'listed' });
    await until(() => events.length >= 4, 10_000, 'four events');
    expect(events).toEqual(['add listed', 'add watched', 'update watched g1', 'delete listed']);
    const cached = inf.cache.get(ns, 'watched') as KubeObject;
    expect(Object.keys(cached).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(cached).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: 'watched',
        namespace: ns,
        generation: 1,
        labels: { app: 'meta-it' },
        ownerReferences: [expect.objectContaining({ uid: owner.uid, controller: true })],
      },
    });
    expect(cached.metadata?.resourceVersion).toMatch(/^\d+$/);
  });

  it('lists existing ConfigMaps, then sees creates, updates and deletes', async () => {
    const ns = await freshNamespace(admin, 'inf');
    await admin.create(Resources.ConfigMap, configMap(ns, 'pre-existing', { a: '1' }));
    const { inf, events } = startInformer(admin, ns);
    await inf.waitForSync({ timeoutMs: 10_000 });
    expect(events).toEqual(['add pre-existing']);
    expect(inf.cache.get(ns, 'pre-existing')?.data).toEqual({ a: '1' });

    await admin.create(Resources.ConfigMap, configMap(ns, 'created', { b: '1' }));
    await admin.patch(Resources.ConfigMap, { namespace: ns, name: 'created' }, { data: { b: '2' } });
    await admin.delete(Resources.ConfigMap, { namespace: ns, name: 'pre-existing' });
    await until(() => events.length >= 4, 10_000, 'four events');
    expect(events).toEqual([
      'add pre-existing',
      'add created',
      'update created {"b":"1"}->{"b":"2"}',
      'delete pre-existing',
    ]);
    expect(inf.cache.keys()).toEqual([`${ns}/created`]);
    expect(inf.cache.list({ labelSelector: 'app=runtime-it' })).toHaveLength(1);
  });

  it('only caches objects matching its label selector', async () => {
    const ns = await freshNamespace(admin, 'inf-sel');
    const { inf, events } = startInformer(admin, ns, { labelSelector: { tier: 'keep' } });
    await inf.waitForSync({ timeoutMs: 10_000 });
    await admin.create(Resources.ConfigMap, {
      metadata: { namespace: ns, name: 'other', labels: { tier: 'drop' } },
    });
    await admin.create(Resources.ConfigMap, {
      metadata: { namespace: ns, name: 'kept', labels: { tier: 'keep' } },
    });
    await until(() => events.includes('add kept'), 10_000, 'kept');
    expect(events).toEqual(['add kept']);
  });

  it('resumes from the last resourceVersion when the server rotates the watch (timeoutSeconds), without re-listing', async () => {
    const ns = await freshNamespace(admin, 'inf-rot');
    const counter = new RequestCounter();
    const client = admin.withObserver(counter.observer);
    const { inf, events } = startInformer(client, ns, { watchTimeoutSeconds: { min: 1, max: 2 } });
    await inf.waitForSync({ timeoutMs: 10_000 });
    await until(() => inf.watchRestarts().closed >= 2, 15_000, 'two server-side watch rotations');
    await admin.create(Resources.ConfigMap, configMap(ns, 'after-rotation'));
    await until(() => events.includes('add after-rotation'), 10_000, 'event after rotation');
    expect(counter.count('list')).toBe(1);
    expect(counter.count('watch')).toBeGreaterThanOrEqual(3);
    expect(inf.watchRestarts()).toMatchObject({ gone: 0, error: 0, idle: 0 });
  });

  it('REQUIRED: an informer whose watch has been idle for more than 60 s still delivers the next event', {
    timeout: 150_000,
  }, async () => {
    const ns = await freshNamespace(admin, 'inf-idle');
    const { inf, events } = startInformer(admin, ns);
    await inf.waitForSync({ timeoutMs: 10_000 });
    const idleStarted = Date.now();
    await new Promise((r) => setTimeout(r, 65_000));
    expect(events).toEqual([]);

    const created = Date.now();
    await admin.create(Resources.ConfigMap, configMap(ns, 'after-idle'));
    await until(() => events.includes('add after-idle'), 10_000, 'event after 65 s of idleness');
    const latencyMs = Date.now() - created;
    expect(Date.now() - idleStarted).toBeGreaterThan(60_000);
    expect(latencyMs).toBeLessThan(5_000);
    // The same watch survived the idle minute: no error/idle reconnects were needed.
    expect(inf.watchRestarts()).toMatchObject({ error: 0, idle: 0, gone: 0 });
  });

  it('410 Gone (resourceVersion evicted from the watch cache during a partition) leads to a re-list with the correct diff', {
    timeout: 300_000,
  }, async () => {
    const ns = await freshNamespace(admin, 'inf-gone');
    const churnNs = await freshNamespace(admin, 'inf-churn');
    for (const name of ['keep', 'change', 'remove']) {
      await admin.create(Resources.ConfigMap, configMap(ns, name, { v: '1' }));
    }
    const net = new PartitionableClient(admin);
    const { inf, events } = startInformer(net, ns, { backoff: { initialMs: 100, maxMs: 1000 } });
    await inf.waitForSync({ timeoutMs: 10_000 });
    await until(() => events.length === 3, 5_000, 'initial adds');
    events.length = 0;

    // Cut the informer off and change the world behind its back.
    net.partition();
    const staleRv = inf.lastSyncResourceVersion();
    await admin.patch(Resources.ConfigMap, { namespace: ns, name: 'change' }, { data: { v: '2' } });
    await admin.delete(Resources.ConfigMap, { namespace: ns, name: 'remove' });
    await admin.create(Resources.ConfigMap, configMap(ns, 'fresh', { v: '1' }));

    // Age the informer's resourceVersion out of the API server's watch cache: the cache only
    // evicts events older than its freshness window (75 s) once its ring buffer is full, so wait
    // that long, then write ConfigMaps (elsewhere) until a watch from the stale version is refused.
    await new Promise((r) => setTimeout(r, 77_000));
    let writes = 0;
    while (!(await isGone(admin, ns, staleRv))) {
      if (writes >= 5000) throw new Error(`resourceVersion ${staleRv} still served after ${writes} writes`);
      for (let i = 0; i < 50; i++, writes++) {
        await admin.apply(Resources.ConfigMap, {
          metadata: { namespace: churnNs, name: 'churn' },
          data: { n: `${writes}` },
        });
      }
    }
    expect(events).toEqual([]);

    net.heal();
    await until(() => events.length >= 3, 30_000, 'the re-list diff');
    expect(events).toEqual(['add fresh', 'update change {"v":"1"}->{"v":"2"}', 'delete remove']);
    expect(inf.watchRestarts().gone).toBeGreaterThanOrEqual(1);
    expect(inf.cache.keys().sort()).toEqual([`${ns}/change`, `${ns}/fresh`, `${ns}/keep`]);

    // And it keeps watching normally afterwards.
    await admin.create(Resources.ConfigMap, configMap(ns, 'after-relist'));
    await until(() => events.includes('add after-relist'), 10_000, 'event after re-list');
  });
});
