import { beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../../constructs/render';
import { SEINODE_FIELD_MANAGER } from '../../../constructs/seinode/names';
import { Applier } from '../../../controller/apply/applier';
import { ForbiddenError } from '../../../controller/kube/errors';
import { WRITE_VERBS } from '../../../controller/kube/request-counter';
import { findResource, Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import {
  applyRbacProxyConfigTask,
  applyServiceTask,
  applyStatefulSetTask,
} from '../../../controller/tasks/apply-workload';
import { subsetDiff } from '../../support/controller-harness';
import { createNode, fieldManagers, nodeParams, runTask, type TaskEnv, taskEnv } from './helpers';

let env: TaskEnv;
let node: SeiNode;
beforeAll(async () => {
  env = await taskEnv('task-apply');
  node = await createNode(env, 'validator-with-keys.yaml');
});

describe('apply-rbac-proxy-config, apply-statefulset, apply-service', () => {
  it('apply the rendered objects, owned by the node, with field manager seinode-controller', async () => {
    expect(await runTask(env, applyRbacProxyConfigTask, node, nodeParams(node))).toEqual({
      kind: 'complete',
    });
    const sts = await runTask(env, applyStatefulSetTask, node, nodeParams(node));
    expect(await runTask(env, applyServiceTask, node, nodeParams(node))).toEqual({ kind: 'complete' });

    const name = node.metadata.name as string;
    const live = await env.admin.get(Resources.StatefulSet, { namespace: env.namespace, name });
    expect(sts).toEqual({ kind: 'complete', status: { statefulSet: { name, uid: live?.metadata?.uid } } });

    for (const desired of renderSeiNodeWorkload(node, platform).filter(
      (o) => o.kind !== 'PersistentVolumeClaim',
    )) {
      const resource = findResource(desired.apiVersion, desired.kind);
      if (!resource) throw new Error(desired.kind);
      const obj = await env.admin.get<KubeObject>(resource, {
        namespace: env.namespace,
        name: desired.metadata.name,
      });
      expect(subsetDiff(desired, obj), `${desired.kind} differs from the render`).toEqual([]);
      expect(obj?.metadata?.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'SeiNode', uid: node.metadata.uid, controller: true }),
      ]);
      expect(fieldManagers(obj)).toContain('seinode-controller');
    }
  });

  it('re-running writes nothing (the Applier skips provably unchanged objects)', async () => {
    const writes: string[] = [];
    const counting = env.client.withObserver((e) => {
      if (WRITE_VERBS.has(e.verb)) writes.push(`${e.verb} ${e.resource}`);
    });
    const fresh = { ...env, applier: new Applier(counting, SEINODE_FIELD_MANAGER) };
    const tasks = [applyRbacProxyConfigTask, applyStatefulSetTask, applyServiceTask];
    for (const t of tasks)
      expect((await runTask(fresh, t, node, nodeParams(node), { client: counting })).kind).toBe('complete');
    expect(writes).toEqual(['apply configmaps', 'apply statefulsets', 'apply services']);
    writes.length = 0;
    for (const t of tasks)
      expect((await runTask(fresh, t, node, nodeParams(node), { client: counting })).kind).toBe('complete');
    expect(writes).toEqual([]);
  });

  it('a manifest the API server rejects (422) is terminal with the server message', async () => {
    const bad = { ...platform, serviceAccount: 'Not_A_Valid_Name' };
    const o = await runTask(env, applyStatefulSetTask, node, nodeParams(node), { platform: bad });
    expect(o.kind).toBe('terminal');
    expect(o.kind === 'terminal' && o.error).toMatch(
      /StatefulSet arctic-1-validator-0 was rejected by the API server: .*serviceAccountName/,
    );
  });

  it('a platform without the proxy or exporter image is terminal before any write', async () => {
    for (const missing of ['kubeRbacProxyImage', 'cosmosExporterImage'] as const) {
      const o = await runTask(env, applyStatefulSetTask, node, nodeParams(node), {
        platform: { ...platform, [missing]: '' },
      });
      expect(o.kind).toBe('terminal');
      expect(o.kind === 'terminal' && o.error).toMatch(/IMAGE is not configured/);
    }
  });

  it('other API errors are thrown (transient)', async () => {
    const other = await createNode(env, 'archive-node.yaml');
    const nobody = env.admin.impersonating({ user: 'nobody-in-particular' });
    await expect(
      runTask(env, applyServiceTask, other, nodeParams(other), { client: nobody }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
