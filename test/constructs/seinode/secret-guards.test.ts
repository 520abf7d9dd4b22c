import { describe, expect, it } from 'vitest';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../../constructs/render';
import { type PodOwner, secretMountViolations } from '../../../constructs/seinode/secret-guards';
import { exampleNode } from '../../support/examples';

type C = { name: string; volumeMounts: unknown[]; [k: string]: unknown };
type Mutable = { spec: { template: { spec: { containers: C[]; initContainers: C[] } } } };

function validatorStatefulSet(): Mutable {
  const sts = renderSeiNodeWorkload(exampleNode('validator-with-keys.yaml'), platform).find(
    (o) => o.kind === 'StatefulSet',
  );
  return structuredClone(sts) as unknown as Mutable;
}

describe('secretMountViolations', () => {
  it('accepts the rendered validator pod', () => {
    expect(
      secretMountViolations(exampleNode('validator-with-keys.yaml'), validatorStatefulSet() as PodOwner),
    ).toEqual([]);
  });

  it('flags the operator keyring mounted on seid', () => {
    const sts = validatorStatefulSet();
    const seid = sts.spec.template.spec.containers[0] as { volumeMounts: unknown[] };
    seid.volumeMounts.push({ name: 'operator-keyring', mountPath: '/keyring' });
    expect(secretMountViolations(exampleNode('validator-with-keys.yaml'), sts as PodOwner)).toEqual([
      'container seid must not mount volume operator-keyring (Secret arctic-1-validator-0-keyring); only sei-sidecar may',
    ]);
  });

  it('flags the passphrase read through env or envFrom by another container', () => {
    const sts = validatorStatefulSet();
    const exporter = sts.spec.template.spec.containers[1] as Record<string, unknown>;
    exporter.env = [
      {
        name: 'P',
        valueFrom: { secretKeyRef: { name: 'arctic-1-validator-0-keyring-passphrase', key: 'passphrase' } },
      },
    ];
    exporter.envFrom = [{ secretRef: { name: 'arctic-1-validator-0-keyring-passphrase' } }];
    const v = secretMountViolations(exampleNode('validator-with-keys.yaml'), sts as PodOwner);
    expect(v).toHaveLength(2);
    expect(v[0]).toContain('cosmos-exporter must not read Secret arctic-1-validator-0-keyring-passphrase');
    expect(v[1]).toContain('via envFrom');
  });

  it('flags the signing key on the sidecar', () => {
    const sts = validatorStatefulSet();
    const sidecar = sts.spec.template.spec.initContainers[1] as { volumeMounts: unknown[] };
    sidecar.volumeMounts.push({ name: 'signing-key', mountPath: '/k' });
    expect(secretMountViolations(exampleNode('validator-with-keys.yaml'), sts as PodOwner)[0]).toContain(
      'sei-sidecar must not mount volume signing-key',
    );
  });

  it('has nothing to guard for non-validators', () => {
    expect(
      secretMountViolations(exampleNode('pacific-1-rpc-node.yaml'), validatorStatefulSet() as PodOwner),
    ).toEqual([]);
  });
});
