import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../controller/kube/client.js';
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
} from '../../../controller/kube/errors.js';
import { RequestCounter } from '../../../controller/kube/request-counter.js';
import { Resources } from '../../../controller/kube/resources.js';
import type { KubeObject } from '../../../controller/kube/types.js';
import { adminClient, freshNamespace, installWidgetCrd, Widget } from './helpers.js';

let admin: KubeClient;
let ns: string;

beforeAll(async () => {
  admin = adminClient();
  ns = await freshNamespace(admin, 'kc');
  await installWidgetCrd(admin);
});

interface WidgetObj extends KubeObject {
  spec?: { size?: number };
  status?: { phase?: string; seen?: number };
}

describe('KubeClient against a real API server', () => {
  it('get returns null on 404; create, list (label selector, pagination) and delete work', async () => {
    expect(await admin.get(Resources.ConfigMap, { namespace: ns, name: 'absent' })).toBeNull();
    for (let i = 0; i < 7; i++) {
      await admin.create(Resources.ConfigMap, {
        metadata: { namespace: ns, name: `cm-${i}`, labels: { parity: i % 2 ? 'odd' : 'even' } },
      });
    }
    const all = await admin.list(Resources.ConfigMap, { namespace: ns, pageSize: 2 });
    expect(all.items.filter((c) => c.metadata?.name?.startsWith('cm-'))).toHaveLength(7);
    expect(Number(all.resourceVersion)).toBeGreaterThan(0);
    expect(all.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    const odd = await admin.list(Resources.ConfigMap, { namespace: ns, labelSelector: { parity: 'odd' } });
    expect(odd.items.map((c) => c.metadata?.name).sort()).toEqual(['cm-1', 'cm-3', 'cm-5']);
    const everywhere = await admin.list(Resources.ConfigMap, { labelSelector: 'parity in (odd,even)' });
    expect(everywhere.items.length).toBeGreaterThanOrEqual(7);

    await expect(
      admin.create(Resources.ConfigMap, { metadata: { namespace: ns, name: 'cm-0' } }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await admin.delete(Resources.ConfigMap, { namespace: ns, name: 'cm-0' })).toBe(true);
    expect(await admin.delete(Resources.ConfigMap, { namespace: ns, name: 'cm-0' })).toBe(false);
  });

  it('delete preconditions: a stale uid gives ConflictError', async () => {
    const cm = await admin.create(Resources.ConfigMap, { metadata: { namespace: ns, name: 'precond' } });
    await expect(
      admin.delete(
        Resources.ConfigMap,
        { namespace: ns, name: 'precond' },
        { preconditions: { uid: 'not-the-uid' } },
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(
      await admin.delete(
        Resources.ConfigMap,
        { namespace: ns, name: 'precond' },
        { preconditions: { uid: cm.metadata?.uid as string }, propagationPolicy: 'Foreground' },
      ),
    ).toBe(true);
  });

  it('server-side apply creates, is idempotent (no new resourceVersion), and records the field manager', async () => {
    const intent = {
      metadata: { namespace: ns, name: 'applied', labels: { a: 'b' } },
      data: { key: 'value' },
    };
    const counter = new RequestCounter();
    const client = admin.withObserver(counter.observer);
    const first = await client.apply(Resources.ConfigMap, intent);
    const second = await client.apply(Resources.ConfigMap, intent);
    const third = await client.apply(Resources.ConfigMap, structuredClone(intent));
    expect(first.metadata?.resourceVersion).toBeDefined();
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect(third.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const managedFields = (first.metadata?.managedFields ?? []) as { manager: string; operation: string }[];
    const managers = managedFields.map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain('runtime-it/Apply');
    const changed = await client.apply(Resources.ConfigMap, { ...intent, data: { key: 'other' } });
    expect(changed.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion as string);
    expect(counter.byVerb()).toEqual({ apply: 4 });
    expect(counter.writes()).toBe(4);
    expect(counter.byVerbResourceCode()['apply configmaps 200']).toBe(3);
  });

  it('apply with force takes over fields owned by another manager; without force it conflicts', async () => {
    await admin.apply(Resources.ConfigMap, {
      metadata: { namespace: ns, name: 'contested' },
      data: { k: 'mine' },
    });
    const other = { metadata: { namespace: ns, name: 'contested' }, data: { k: 'theirs' } };
    await expect(
      admin.apply(Resources.ConfigMap, other, { fieldManager: 'someone-else', force: false }),
    ).rejects.toBeInstanceOf(ConflictError);
    const forced = await admin.apply(Resources.ConfigMap, other, { fieldManager: 'someone-else' });
    expect(forced.data).toEqual({ k: 'theirs' });
  });

  it('status writes are optimistic: a stale resourceVersion gives ConflictError (replaceStatus and patchStatus)', async () => {
    const created = await admin.create<WidgetObj>(Widget, {
      metadata: { namespace: ns, name: 'w' },
      spec: { size: 1 },
    });
    const v1 = await admin.patchStatus<WidgetObj>(Widget, created, { phase: 'Pending', seen: 1 });
    expect(v1.status).toEqual({ phase: 'Pending', seen: 1 });
    expect(v1.spec).toEqual({ size: 1 });

    // `created` is now stale.
    await expect(admin.patchStatus(Widget, created, { phase: 'Running' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(
      admin.replaceStatus(Widget, { ...created, status: { phase: 'Running' } }),
    ).rejects.toBeInstanceOf(ConflictError);

    const v2 = await admin.replaceStatus<WidgetObj>(Widget, { ...v1, status: { phase: 'Running', seen: 2 } });
    expect(v2.status).toEqual({ phase: 'Running', seen: 2 });
    // status writes never touch spec
    const v3 = await admin.replaceStatus<WidgetObj>(Widget, {
      ...v2,
      spec: { size: 99 },
      status: { phase: 'Done' },
    });
    expect(v3.spec).toEqual({ size: 1 });

    // Status SSA on the subresource.
    const applied = await admin.apply<WidgetObj>(
      Widget,
      {
        apiVersion: Widget.apiVersion,
        kind: Widget.kind,
        metadata: { namespace: ns, name: 'w' },
        status: { seen: 3 },
      },
      { subresource: 'status' },
    );
    expect(applied.status?.seen).toBe(3);

    await expect(
      admin.patchStatus(Widget, { metadata: { namespace: ns, name: 'w' } }, {}),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      admin.patchStatus(Widget, { metadata: { namespace: ns, name: 'missing', resourceVersion: '1' } }, {}),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('merge patch with a stale resourceVersion gives ConflictError', async () => {
    const cm = await admin.create(Resources.ConfigMap, { metadata: { namespace: ns, name: 'locked' } });
    await admin.patch(Resources.ConfigMap, { namespace: ns, name: 'locked' }, { data: { a: '1' } });
    await expect(
      admin.patch(
        Resources.ConfigMap,
        { namespace: ns, name: 'locked' },
        { metadata: { finalizers: [] } },
        { resourceVersion: cm.metadata?.resourceVersion },
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    const jp = await admin.patch(
      Resources.ConfigMap,
      { namespace: ns, name: 'locked' },
      [{ op: 'add', path: '/data/b', value: '2' }],
      { type: 'json' },
    );
    expect(jp.data).toEqual({ a: '1', b: '2' });
  });

  it('validation failures surface as InvalidError with the API server message', async () => {
    const err = await admin
      .create<WidgetObj>(Widget, { metadata: { namespace: ns, name: 'neg' }, spec: { size: -1 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).code).toBe(422);
    expect((err as InvalidError).message).toMatch(/spec\.size/);
    expect((err as InvalidError).causes.some((c) => c.field === 'spec.size')).toBe(true);
  });

  it('impersonating an unprivileged ServiceAccount gives ForbiddenError (and the admin is not affected)', async () => {
    await admin.create(Resources.ServiceAccount, { metadata: { namespace: ns, name: 'nobody' } });
    const nobody = admin.impersonating({ user: `system:serviceaccount:${ns}:nobody` });
    const err = await nobody.list(Resources.ConfigMap, { namespace: ns }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).code).toBe(403);
    expect((err as ForbiddenError).message).toContain(`system:serviceaccount:${ns}:nobody`);
    await expect(nobody.get(Resources.ConfigMap, { namespace: ns, name: 'applied' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(
      nobody.apply(Resources.ConfigMap, { metadata: { namespace: ns, name: 'x' }, data: {} }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const watch = nobody.watch(Resources.ConfigMap, { namespace: ns });
    await expect(watch.next()).rejects.toBeInstanceOf(ForbiddenError);

    // Grant it read access to ConfigMaps: the same impersonated client now succeeds.
    await admin.create(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', namespaced: true },
      {
        metadata: { namespace: ns, name: 'cm-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      },
    );
    await admin.create(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        plural: 'rolebindings',
        namespaced: true,
      },
      {
        metadata: { namespace: ns, name: 'cm-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace: ns }],
      },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const list = await nobody.list(Resources.ConfigMap, { namespace: ns });
        expect(list.items.length).toBeGreaterThan(0);
        break;
      } catch (e) {
        if (!(e instanceof ForbiddenError) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await expect(
      nobody.apply(Resources.ConfigMap, { metadata: { namespace: ns, name: 'x' } }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect((await admin.list(Resources.ConfigMap, { namespace: ns })).items.length).toBeGreaterThan(0);
  });

  it('a watch streams events and ends cleanly at the server-side timeout', async () => {
    const list = await admin.list(Resources.ConfigMap, { namespace: ns });
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of admin.watch(Resources.ConfigMap, {
        namespace: ns,
        resourceVersion: list.resourceVersion,
        timeoutSeconds: 2,
      })) {
        seen.push(`${ev.type} ${ev.type === 'ERROR' ? '' : ev.object.metadata?.name}`);
      }
    })();
    await admin.create(Resources.ConfigMap, { metadata: { namespace: ns, name: 'watched' } });
    await done;
    expect(seen).toContain('ADDED watched');
  });
});
