import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../controller/kube/types.js';
import { ObjectCache } from '../../../controller/runtime/cache.js';

function obj(
  ns: string,
  name: string,
  rv: string,
  labels?: Record<string, string>,
  owners: string[] = [],
): KubeObject {
  return {
    metadata: {
      namespace: ns,
      name,
      resourceVersion: rv,
      labels,
      ownerReferences: owners.map((uid) => ({ apiVersion: 'v1', kind: 'X', name: uid, uid })),
    },
  };
}

describe('ObjectCache', () => {
  it('gets by namespace/name and lists by namespace and label selector', () => {
    const c = new ObjectCache();
    c.set(obj('a', 'x', '1', { app: 'sei', tier: 'rpc' }));
    c.set(obj('a', 'y', '1', { app: 'sei', tier: 'archive' }));
    c.set(obj('b', 'x', '1', { app: 'other' }));
    expect(c.get('a', 'x')?.metadata?.labels?.tier).toBe('rpc');
    expect(c.getByKey('b/x')).toBeDefined();
    expect(c.get('c', 'x')).toBeUndefined();
    const names = (l: KubeObject[]) => l.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();
    expect(names(c.list())).toEqual(['a/x', 'a/y', 'b/x']);
    expect(names(c.list({ namespace: 'a' }))).toEqual(['a/x', 'a/y']);
    expect(names(c.list({ labelSelector: 'app=sei' }))).toEqual(['a/x', 'a/y']);
    expect(names(c.list({ namespace: 'a', labelSelector: { tier: 'archive' } }))).toEqual(['a/y']);
    expect(c.list({ namespace: 'nope' })).toEqual([]);
  });

  it('indexes by owner UID and keeps the index in step with updates and deletes', () => {
    const c = new ObjectCache();
    c.set(obj('a', 'sts', '1', undefined, ['u1']));
    c.set(obj('a', 'svc', '1', undefined, ['u1', 'u2']));
    expect(
      c
        .byOwnerUid('u1')
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['sts', 'svc']);
    c.set(obj('a', 'svc', '2', undefined, ['u2']));
    expect(c.byOwnerUid('u1').map((o) => o.metadata?.name)).toEqual(['sts']);
    c.delete('a/sts');
    expect(c.byOwnerUid('u1')).toEqual([]);
    expect(c.byOwnerUid('u2')).toHaveLength(1);
  });

  it('supports custom indexes, including ones added later', () => {
    const byTier = (o: KubeObject) => (o.metadata?.labels?.tier ? [o.metadata.labels.tier] : []);
    const c = new ObjectCache({ indexers: { tier: byTier } });
    c.set(obj('a', 'x', '1', { tier: 'rpc', app: 'p' }));
    expect(c.byIndex('tier', 'rpc')).toHaveLength(1);
    expect(c.addIndex('app', (o) => [o.metadata?.labels?.app ?? ''])).toBe(true);
    expect(c.addIndex('app', () => [])).toBe(false);
    expect(c.byIndex('app', 'p')).toHaveLength(1);
    expect(() => c.byIndex('nope', 'x')).toThrow();
  });

  it('replace() reports adds, resourceVersion changes and deletes, and skips unchanged objects', () => {
    const c = new ObjectCache();
    c.set(obj('a', 'same', '1'));
    c.set(obj('a', 'changed', '1'));
    c.set(obj('a', 'gone', '1'));
    const kept = c.get('a', 'same');
    const diff = c.replace([obj('a', 'same', '1'), obj('a', 'changed', '2'), obj('a', 'new', '3')]);
    expect(diff.added.map((o) => o.metadata?.name)).toEqual(['new']);
    expect(
      diff.updated.map((u) => [u.old.metadata?.resourceVersion, u.new.metadata?.resourceVersion]),
    ).toEqual([['1', '2']]);
    expect(diff.deleted.map((o) => o.metadata?.name)).toEqual(['gone']);
    expect(c.get('a', 'same')).toBe(kept);
    expect(c.size).toBe(3);
  });

  it('freezes stored objects deeply (unless disabled)', () => {
    const c = new ObjectCache();
    c.set(obj('a', 'x', '1', { app: 'sei' }));
    const stored = c.get('a', 'x') as KubeObject;
    expect(() => {
      (stored.metadata?.labels as Record<string, string>).app = 'mutated';
    }).toThrow(TypeError);
    const unfrozen = new ObjectCache({ freeze: false });
    unfrozen.set(obj('a', 'x', '1'));
    expect(Object.isFrozen(unfrozen.get('a', 'x'))).toBe(false);
  });

  it('handles cluster-scoped objects', () => {
    const c = new ObjectCache();
    c.set({ metadata: { name: 'pv-1', resourceVersion: '1' } });
    expect(c.get(undefined, 'pv-1')).toBeDefined();
    expect(c.get('', 'pv-1')).toBeDefined();
    expect(c.keys()).toEqual(['pv-1']);
  });
});
