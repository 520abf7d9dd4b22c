import { describe, expect, it } from 'vitest';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../../constructs/render';
import { CONTROLLER_TASKS } from '../../../controller/tasks/controller-tasks';
import { desiredPodTemplateHash } from '../../../controller/tasks/observe-image';
import { isSubset, podTemplateHash } from '../../../controller/tasks/rollout';
import { exampleNode } from '../../support/examples';

const node = exampleNode('validator-with-keys.yaml');
const task = (type: string) => {
  const t = CONTROLLER_TASKS.find((d) => d.type === type);
  if (!t) throw new Error(`no task ${type}`);
  return t;
};

describe('CONTROLLER_TASKS', () => {
  it('registers every controller-side task of SeiNode plans once', () => {
    expect(CONTROLLER_TASKS.map((t) => t.type).sort()).toEqual(
      [
        'ensure-data-pvc',
        'validate-signing-key',
        'validate-node-key',
        'validate-operator-keyring',
        'apply-rbac-proxy-config',
        'apply-statefulset',
        'apply-service',
        'replace-pod',
        'observe-image',
        'deploy-bootstrap-service',
        'deploy-bootstrap-job',
        'await-bootstrap-complete',
        'teardown-bootstrap',
        'apply-p2p-service',
        'await-external-address',
        'apply-sidecar-cert',
        'wait-for-sidecar-tls-secret',
        'observe-sidecar-tls',
        'delete-sidecar-cert',
      ].sort(),
    );
    for (const t of CONTROLLER_TASKS) expect(t.maxRetries, t.type).toBe(0);
  });

  it('node tasks accept {nodeName, namespace} of this node only', () => {
    for (const type of [
      'ensure-data-pvc',
      'apply-rbac-proxy-config',
      'apply-statefulset',
      'apply-service',
      'replace-pod',
      'observe-image',
    ]) {
      const validate = task(type).validate;
      expect(
        validate?.({ nodeName: 'arctic-1-validator-0', namespace: 'default' }, node),
        type,
      ).toBeUndefined();
      expect(validate?.({}, node), type).toBeUndefined();
      expect(validate?.({ nodeName: 'other' }, node), type).toMatch(/does not name this SeiNode/);
      expect(validate?.({ namespace: 'elsewhere' }, node), type).toMatch(/not the SeiNode's namespace/);
      expect(validate?.({ nodeName: 7 } as never, node), type).toMatch(/must be a string/);
    }
  });

  it('validate-* tasks require their Secret names', () => {
    for (const type of ['validate-signing-key', 'validate-node-key']) {
      expect(task(type).validate?.({ secretName: 's', namespace: 'default' }, node)).toBeUndefined();
      expect(task(type).validate?.({ secretName: '' }, node)).toMatch(/secretName is empty/);
      expect(task(type).validate?.({}, node)).toMatch(/secretName is empty/);
    }
    const keyring = task('validate-operator-keyring').validate;
    const ok = {
      secretName: 'k',
      keyName: 'node_admin',
      passphraseSecretName: 'p',
      passphraseSecretKey: 'pw',
    };
    expect(keyring?.(ok, node)).toBeUndefined();
    expect(keyring?.({ ...ok, keyName: undefined }, node)).toBeUndefined();
    expect(keyring?.({ ...ok, passphraseSecretName: '' }, node)).toMatch(/passphraseSecretName is empty/);
    expect(keyring?.({ ...ok, passphraseSecretKey: undefined }, node)).toMatch(
      /passphraseSecretKey is empty/,
    );
  });

  it('bootstrap tasks accept only this node’s bootstrap names', () => {
    expect(
      task('deploy-bootstrap-job').validate?.({ jobName: 'arctic-1-validator-0-bootstrap' }, node),
    ).toBeUndefined();
    expect(task('deploy-bootstrap-job').validate?.({ jobName: 'x' }, node)).toMatch(/bootstrap Job/);
    expect(
      task('deploy-bootstrap-service').validate?.({ serviceName: 'arctic-1-validator-0' }, node),
    ).toBeUndefined();
    expect(task('deploy-bootstrap-service').validate?.({ serviceName: 'y' }, node)).toMatch(
      /bootstrap Service/,
    );
    expect(
      task('teardown-bootstrap').validate?.(
        {
          jobName: 'arctic-1-validator-0-bootstrap',
          serviceName: 'arctic-1-validator-0',
          namespace: 'default',
        },
        node,
      ),
    ).toBeUndefined();
  });
});

describe('pod template hash and subset', () => {
  const template = () =>
    (
      renderSeiNodeWorkload(node, platform).find((o) => o.kind === 'StatefulSet') as unknown as {
        spec: { template: object };
      }
    ).spec.template;

  it('is stable across renders and key order, and changes with the spec', () => {
    expect(desiredPodTemplateHash(node, platform)).toBe(podTemplateHash(template()));
    expect(podTemplateHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      podTemplateHash({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    const other = structuredClone(node);
    other.spec.image = 'ghcr.io/sei-protocol/sei:v9';
    expect(desiredPodTemplateHash(other, platform)).not.toBe(desiredPodTemplateHash(node, platform));
  });

  it('isSubset tolerates server defaults and canonical quantities, not changed values', () => {
    expect(isSubset({ a: { b: '0.5' }, l: [1] }, { a: { b: '500m', extra: true }, l: [1], more: 2 })).toBe(
      true,
    );
    expect(isSubset({ port: 8443 }, { port: '8443' })).toBe(true);
    expect(isSubset({ a: 'x' }, { a: 'y' })).toBe(false);
    expect(isSubset({ l: [1, 2] }, { l: [1] })).toBe(false);
    expect(isSubset({ a: {} }, {})).toBe(false);
  });
});
