import { randomBytes } from 'node:crypto';
import {
  ApiException,
  ApiextensionsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1ConfigMap,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { installCrds, KUBERNETES_VERSION, pollUntil } from '../support/control-plane/index.js';

const kc = new KubeConfig();
kc.loadFromFile(inject('kubeconfigPath'));
const core = kc.makeApiClient(CoreV1Api);

/** A fresh namespace per test (namespaces are never deleted: no namespace controller runs). */
async function freshNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Resolves with the HTTP status of a rejected client-node call, or 200 if it succeeded. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe('test control plane', () => {
  it('serves the pinned Kubernetes version on 127.0.0.1 over TLS', async () => {
    const url = inject('apiServerUrl');
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.getCurrentCluster()?.server).toBe(url);
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe(KUBERNETES_VERSION);
    const namespaces = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(namespaces).toEqual(expect.arrayContaining(['default', 'kube-system']));
  });

  describe('RBAC is enforced', () => {
    let ns: string;
    const sa = 'unprivileged';
    const asServiceAccount = () => setHeaderOptions('Impersonate-User', `system:serviceaccount:${ns}:${sa}`);

    beforeAll(async () => {
      ns = await freshNamespace('rbac');
      await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } });
    });

    it('forbids an impersonated ServiceAccount until a Role grants the verb', async () => {
      expect(await statusOf(core.listNamespacedPod({ namespace: ns }))).toBe(200); // admin
      expect(await statusOf(core.listNamespacedPod({ namespace: ns }, asServiceAccount()))).toBe(403);

      const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      await rbac.createNamespacedRole({
        namespace: ns,
        body: {
          metadata: { name: 'pod-reader' },
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
        },
      });
      await rbac.createNamespacedRoleBinding({
        namespace: ns,
        body: {
          metadata: { name: 'pod-reader' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
          subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
        },
      });
      // The authorizer's RBAC cache is fed by a watch; give it a moment.
      await pollUntil(
        'the RoleBinding to take effect',
        async () =>
          (await statusOf(core.listNamespacedPod({ namespace: ns }, asServiceAccount()))) === 200
            ? true
            : undefined,
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      // Only what was granted: not another verb, not another resource, not another namespace.
      expect(
        await statusOf(
          core.createNamespacedConfigMap(
            { namespace: ns, body: { metadata: { name: 'x' } } },
            asServiceAccount(),
          ),
        ),
      ).toBe(403);
      expect(await statusOf(core.listNamespacedSecret({ namespace: ns }, asServiceAccount()))).toBe(403);
      expect(await statusOf(core.listNamespacedPod({ namespace: 'default' }, asServiceAccount()))).toBe(403);
    });

    it('issues ServiceAccount tokens that authenticate as the ServiceAccount', async () => {
      const request = await core.createNamespacedServiceAccountToken({
        name: sa,
        namespace: ns,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      const token = request.status?.token;
      expect(token).toMatch(/^ey/);

      const saConfig = new KubeConfig();
      saConfig.loadFromOptions({
        clusters: [{ ...kc.getCurrentCluster() }],
        users: [{ name: sa, token }],
        contexts: [{ name: sa, cluster: kc.getCurrentCluster()?.name, user: sa }],
        currentContext: sa,
      });
      const review = await saConfig.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
      expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${ns}:${sa}`);
      expect(review.status?.userInfo?.groups).toContain(`system:serviceaccounts:${ns}`);
      expect(await statusOf(saConfig.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns }))).toBe(
        403,
      );
    });
  });

  describe('installCrds', () => {
    const group = 'test.sei.io';
    const crdYaml = (maxReplicas: number, singular = 'widget', kind = 'Widget') => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${singular}s.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${singular}s, singular: ${singular}, kind: ${kind}, listKind: ${kind}List }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
                - rule: "self.replicas <= ${maxReplicas}"
                  message: "replicas must be at most ${maxReplicas}"
              properties:
                replicas: { type: integer, minimum: 0 }
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
`;

    it('creates a CRD that is Established and keeps its CEL rules, then updates it in place', async () => {
      const names = await installCrds(kc, [crdYaml(3)]);
      expect(names).toEqual([`widgets.${group}`]);
      const crd = await kc
        .makeApiClient(ApiextensionsV1Api)
        .readCustomResourceDefinition({ name: names[0] ?? '' });
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');

      const ns = await freshNamespace('crd');
      const objects = kc.makeApiClient(CustomObjectsApi);
      const widget = (name: string, replicas: number) => ({
        group,
        version: 'v1alpha1',
        namespace: ns,
        plural: 'widgets',
        body: {
          apiVersion: `${group}/v1alpha1`,
          kind: 'Widget',
          metadata: { name },
          spec: { replicas, extra: { anything: { goes: true } } },
        },
      });
      const created = (await objects.createNamespacedCustomObject(widget('ok', 3))) as {
        spec: { extra: unknown };
      };
      expect(created.spec.extra).toEqual({ anything: { goes: true } }); // preserve-unknown-fields survived
      const rejected = await objects
        .createNamespacedCustomObject(widget('too-many', 4))
        .catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(ApiException);
      expect((rejected as ApiException<string>).code).toBe(422);
      expect(String((rejected as ApiException<string>).body)).toContain('replicas must be at most 3');

      // Re-installing a changed definition replaces it (create-or-update).
      await installCrds(kc, [crdYaml(5)]);
      await pollUntil(
        'the relaxed CEL rule to be served',
        async () =>
          (await statusOf(objects.createNamespacedCustomObject(widget('four', 4)))) === 200
            ? true
            : undefined,
        { timeoutMs: 15_000, intervalMs: 200 },
      );
    });

    it('accepts wire-format objects (e.g. cdk8s toJson()) without losing x-kubernetes-* fields', async () => {
      const doc = parse(crdYaml(2, 'gadget', 'Gadget')) as Record<string, unknown>;
      const [name] = await installCrds(kc, [doc]);
      expect(name).toBe(`gadgets.${group}`);
      const ns = await freshNamespace('crd-obj');
      const rejected = await kc
        .makeApiClient(CustomObjectsApi)
        .createNamespacedCustomObject({
          group,
          version: 'v1alpha1',
          namespace: ns,
          plural: 'gadgets',
          body: {
            apiVersion: `${group}/v1alpha1`,
            kind: 'Gadget',
            metadata: { name: 'g' },
            spec: { replicas: 3 },
          },
        })
        .catch((e: unknown) => e);
      expect((rejected as ApiException<string>).code).toBe(422);
      expect(String((rejected as ApiException<string>).body)).toContain('replicas must be at most 2');
    });

    it('rejects documents that are not CRDs', async () => {
      await expect(
        installCrds(kc, ['apiVersion: v1\nkind: ConfigMap\nmetadata: { name: nope }\n']),
      ).rejects.toThrow(/not an apiextensions.k8s.io\/v1 CustomResourceDefinition/);
    });
  });

  // @kubernetes/client-node 2.0.0 aborted every Watch 30 s after it started, even while events were
  // flowing (kubernetes-client/javascript#3020). 2.0.1 (#3022) turned that into an *inactivity*
  // timeout: a raw Watch that receives no bytes for 30 s is still aborted with a TimeoutError, and
  // the API server sends nothing on an idle watch (bookmarks come about once a minute). The informer
  // (ListWatch) reconnects from its last resourceVersion on that TimeoutError. These three tests pin
  // exactly that, so an upgrade that changes it fails here first.
  describe('client-node 2.0.1 watch behaviour', () => {
    const configMap = (name: string): V1ConfigMap => ({
      metadata: { name },
      data: { at: new Date().toISOString() },
    });

    it.concurrent('keeps a busy raw Watch open well past 30 s (the 2.0.0 bug is absent)', async () => {
      const ns = await freshNamespace('watch-busy');
      const seen: string[] = [];
      let ended: unknown = 'still open';
      const controller = await new Watch(kc).watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        {},
        (type: string, obj: V1ConfigMap) => {
          if (type === 'ADDED') seen.push(obj.metadata?.name ?? '');
        },
        (err: unknown) => {
          ended = err ?? 'closed without error';
        },
      );
      try {
        for (let i = 0; i < 7; i++) {
          await core.createNamespacedConfigMap({ namespace: ns, body: configMap(`tick-${i}`) });
          await new Promise((r) => setTimeout(r, 10_000));
        }
        // 70 s after the watch started: every event arrived on the one connection.
        expect(ended).toBe('still open');
        expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `tick-${i}`));
      } finally {
        controller.abort();
      }
    });

    it.concurrent('aborts a raw Watch after 30 s without data (callers must re-watch)', async () => {
      const ns = await freshNamespace('watch-idle');
      const started = Date.now();
      const ended = new Promise<{ err: unknown; afterMs: number }>((resolve) => {
        void new Watch(kc).watch(
          `/api/v1/namespaces/${ns}/configmaps`,
          { allowWatchBookmarks: true },
          () => {},
          (err: unknown) => resolve({ err, afterMs: Date.now() - started }),
        );
      });
      const outcome = await Promise.race([
        ended,
        new Promise<'open'>((r) => setTimeout(() => r('open'), 45_000)),
      ]);
      expect(outcome).not.toBe('open');
      const { err, afterMs } = outcome as { err: unknown; afterMs: number };
      expect((err as Error | null)?.name).toBe('TimeoutError');
      expect(afterMs).toBeGreaterThanOrEqual(29_000);
      expect(afterMs).toBeLessThan(40_000);
    });

    it.concurrent('delivers the next event to an informer left idle for more than 60 s', async () => {
      const ns = await freshNamespace('watch-informer');
      const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
        core.listNamespacedConfigMap({ namespace: ns }),
      );
      const added: string[] = [];
      const errors: unknown[] = [];
      informer.on('add', (obj) => added.push(obj.metadata?.name ?? ''));
      informer.on('error', (err) => errors.push(err));
      await informer.start();
      try {
        await new Promise((r) => setTimeout(r, 65_000));
        await core.createNamespacedConfigMap({ namespace: ns, body: configMap('after-idle') });
        await pollUntil(
          'the informer to see after-idle',
          async () => (added.includes('after-idle') ? true : undefined),
          {
            timeoutMs: 10_000,
          },
        );
        expect(errors).toEqual([]);
      } finally {
        await informer.stop();
      }
    });
  });
});
