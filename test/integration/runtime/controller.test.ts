import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../controller/kube/client.js';
import { ConflictError } from '../../../controller/kube/errors.js';
import { RequestCounter } from '../../../controller/kube/request-counter.js';
import { Resources } from '../../../controller/kube/resources.js';
import type { KubeObject } from '../../../controller/kube/types.js';
import { Manager } from '../../../controller/runtime/manager.js';
import { ownedBy } from '../../../controller/runtime/mappers.js';
import type { Request } from '../../../controller/runtime/reconciler.js';
import { adminClient, freshNamespace, installWidgetCrd, until, Widget } from './helpers.js';

interface WidgetObj extends KubeObject {
  spec?: { size?: number };
  status?: { seen?: number };
}

let admin: KubeClient;
const managers: Manager[] = [];

beforeAll(async () => {
  admin = adminClient();
  await installWidgetCrd(admin);
});

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop({ drainMs: 5_000 })));
});

describe('Controller + Manager against a real API server', () => {
  it('maps events of an owned object to its owner key', async () => {
    const ns = await freshNamespace(admin, 'ctl');
    const owner = await admin.create<WidgetObj>(Widget, {
      metadata: { namespace: ns, name: 'owner' },
      spec: { size: 1 },
    });
    await admin.create<WidgetObj>(Widget, {
      metadata: { namespace: ns, name: 'bystander' },
      spec: { size: 1 },
    });

    const mgr = new Manager({ client: admin });
    managers.push(mgr);
    const requests: Request[] = [];
    mgr.controller({
      name: 'widgets',
      primary: mgr.informer<WidgetObj>(Widget, { namespace: ns }),
      watches: [{ informer: mgr.informer(Resources.ConfigMap, { namespace: ns }), map: ownedBy(Widget) }],
      reconciler: async (req) => {
        requests.push(req);
      },
    });
    await mgr.start();
    await until(() => requests.length >= 2, 10_000, 'initial reconciles');
    expect(requests.map((r) => r.name).sort()).toEqual(['bystander', 'owner']);
    requests.length = 0;

    const ownerRef = {
      apiVersion: Widget.apiVersion,
      kind: Widget.kind,
      name: 'owner',
      uid: owner.metadata?.uid as string,
      controller: true,
    };
    await admin.create(Resources.ConfigMap, {
      metadata: { namespace: ns, name: 'child', ownerReferences: [ownerRef] },
    });
    await until(() => requests.length >= 1, 10_000, 'reconcile from owned create');
    expect(requests).toEqual([{ namespace: ns, name: 'owner' }]);

    await admin.patch(Resources.ConfigMap, { namespace: ns, name: 'child' }, { data: { x: '1' } });
    await until(() => requests.length >= 2, 10_000, 'reconcile from owned update');
    await admin.delete(Resources.ConfigMap, { namespace: ns, name: 'child' });
    await until(() => requests.length >= 3, 10_000, 'reconcile from owned delete');
    // A ConfigMap without a controller reference maps to nothing.
    await admin.create(Resources.ConfigMap, { metadata: { namespace: ns, name: 'orphan' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(requests.every((r) => r.namespace === ns && r.name === 'owner')).toBe(true);
    expect(requests).toHaveLength(3);
  });

  it('a reconciler converges status through the cache and then stays idle (no further writes)', async () => {
    const ns = await freshNamespace(admin, 'ctl-conv');
    for (let i = 0; i < 5; i++) {
      await admin.create<WidgetObj>(Widget, {
        metadata: { namespace: ns, name: `w${i}` },
        spec: { size: i },
      });
    }
    const counter = new RequestCounter();
    const client = admin.withObserver(counter.observer);
    const mgr = new Manager({ client });
    managers.push(mgr);
    const widgets = mgr.informer<WidgetObj>(Widget, { namespace: ns });
    let conflicts = 0;
    let failures = 0;
    mgr.controller({
      name: 'converge',
      primary: widgets,
      concurrency: 3,
      reconciler: {
        async reconcile(req) {
          const w = widgets.cache.get(req.namespace, req.name);
          if (!w || w.status?.seen === w.spec?.size) return;
          if (req.name === 'w3' && failures++ < 2) throw new Error('transient failure');
          try {
            await client.patchStatus(Widget, w, { seen: w.spec?.size ?? 0 });
          } catch (err) {
            if (err instanceof ConflictError) conflicts++;
            throw err;
          }
        },
      },
    });
    await mgr.start();
    await until(
      () => widgets.cache.list().every((w) => w.status?.seen === w.spec?.size),
      15_000,
      'convergence',
    );
    const writes = counter.writes();
    expect(writes).toBe(5);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(counter.writes()).toBe(writes);
    expect(conflicts).toBe(0);
    expect(failures).toBe(3);
  });
});
