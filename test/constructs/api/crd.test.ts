import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from '../../../constructs/api/common-schema';
import {
  type CustomResourceDefinition,
  seiCrds,
  seiNodeCrd,
  seiNodeDeploymentCrd,
  sortKeysDeep,
  toCrdSchema,
} from '../../../constructs/api/crd';
import { SeiNodeSchema } from '../../../constructs/api/seinode-schema';

/** Visits every schema node reachable through properties / items / additionalProperties, with its path. */
function walk(
  schema: JSONSchemaProps,
  visit: (node: JSONSchemaProps, path: string) => void,
  path = '',
): void {
  visit(schema, path || '<root>');
  for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, visit, `${path}.${name}`);
  if (schema.items) walk(schema.items, visit, `${path}[]`);
  if (schema.additionalProperties) walk(schema.additionalProperties, visit, `${path}{}`);
}

const rootSchema = (crd: CustomResourceDefinition): JSONSchemaProps => {
  const version = crd.spec.versions[0];
  if (!version) throw new Error('no version');
  return version.schema.openAPIV3Schema;
};

/** Finds the schema node at a dotted path of property names (`[]` steps into items). */
function at(schema: JSONSchemaProps, path: string): JSONSchemaProps {
  let node = schema;
  for (const step of path.split('.')) {
    const next = step === '[]' ? node.items : node.properties?.[step];
    if (!next) throw new Error(`no schema at ${path} (${step})`);
    node = next;
  }
  return node;
}

const crds = [
  { name: 'SeiNode', crd: seiNodeCrd() },
  { name: 'SeiNodeDeployment', crd: seiNodeDeploymentCrd() },
];

describe.each(crds)('$name CRD', ({ crd }) => {
  const schema = rootSchema(crd);

  it('has a description on every field (kubectl explain), except the apiserver-owned root metadata', () => {
    const missing: string[] = [];
    walk(schema, (node, path) => {
      if (path === '.metadata') return;
      if (!node.description?.trim()) missing.push(path);
    });
    expect(missing).toEqual([]);
  });

  it('is structural: every node has a type, unless it is int-or-string or preserves unknown fields', () => {
    const untyped: string[] = [];
    walk(schema, (node, path) => {
      if (
        !node.type &&
        !node['x-kubernetes-int-or-string'] &&
        !node['x-kubernetes-preserve-unknown-fields']
      ) {
        untyped.push(path);
      }
    });
    expect(untyped).toEqual([]);
  });

  it('carries no codegen-only hints (title, tsType)', () => {
    const json = JSON.stringify(crd);
    expect(json).not.toContain('"title"');
    expect(json).not.toContain('"tsType"');
  });

  it('every CEL rule has a message', () => {
    walk(schema, (node, path) => {
      for (const rule of node['x-kubernetes-validations'] ?? []) {
        expect(rule.message, `${path}: ${rule.rule}`).toMatch(/\S/);
      }
    });
  });

  it('is namespaced, v1alpha1 served and stored, with the status subresource and the sei category', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.spec.group).toBe('sei.io');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names.categories).toEqual(['sei']);
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({
      name: 'v1alpha1',
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it('keeps status.conditions a map-list keyed by type with the metav1.Condition required fields', () => {
    const conditions = at(schema, 'status.conditions');
    expect(conditions['x-kubernetes-list-type']).toBe('map');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect(conditions.items?.required).toEqual(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
  });

  it('lets plan task params hold arbitrary JSON', () => {
    expect(at(schema, 'status.plan.tasks.[].params')['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });
});

describe('SeiNode CRD specifics', () => {
  const crd = seiNodeCrd();
  const schema = rootSchema(crd);
  const spec = at(schema, 'spec');

  it('has names seinodes / seinode / SeiNode / SeiNodeList / snode', () => {
    expect(crd.metadata.name).toBe('seinodes.sei.io');
    expect(crd.spec.names).toEqual({
      kind: 'SeiNode',
      listKind: 'SeiNodeList',
      plural: 'seinodes',
      singular: 'seinode',
      shortNames: ['snode'],
      categories: ['sei'],
    });
  });

  it('prints Phase, Mode (status.mode), Image, ExternalAddress (wide), Age', () => {
    const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.map((c) => [c.name, c.jsonPath, c.priority ?? 0])).toEqual([
      ['Phase', '.status.phase', 0],
      ['Mode', '.status.mode', 0],
      ['Image', '.spec.image', 0],
      ['ExternalAddress', '.status.externalAddress', 1],
      ['Age', '.metadata.creationTimestamp', 0],
    ]);
    expect(at(schema, 'status.mode').enum).toEqual(['fullNode', 'archive', 'replayer', 'validator']);
  });

  it('defaults sidecar.port 7777, sidecar.tls.issuerKind Issuer, operator keyName node_admin', () => {
    expect(at(spec, 'sidecar.port').default).toBe(7777);
    expect(at(spec, 'sidecar.tls.issuerKind')).toMatchObject({
      default: 'Issuer',
      enum: ['Issuer', 'ClusterIssuer'],
    });
    expect(at(spec, 'validator.operatorKeyring.secret.keyName').default).toBe('node_admin');
  });

  it('validates chainId as a DNS-1123 label and static peers as nodeId@host:port', () => {
    const chainId = new RegExp(at(spec, 'chainId').pattern ?? '');
    expect(chainId.test('pacific-1')).toBe(true);
    expect(chainId.test('Pacific_1')).toBe(false);
    expect(chainId.test('-a')).toBe(false);
    const address = new RegExp(at(spec, 'peers.[].static.addresses.[]').pattern ?? '');
    expect(address.test('0123456789abcdef0123456789abcdef01234567@peer.example.com:26656')).toBe(true);
    expect(address.test('peer.example.com:26656')).toBe(false);
    expect(address.test('0123456789abcdef0123456789abcdef01234567@peer.example.com')).toBe(false);
  });

  it('has the mode, replayer-peers and import-unset rules on spec', () => {
    const rules = (spec['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    expect(rules).toContain(
      '(has(self.fullNode) ? 1 : 0) + (has(self.archive) ? 1 : 0) + (has(self.replayer) ? 1 : 0) + (has(self.validator) ? 1 : 0) == 1',
    );
    expect(rules).toContain('!has(self.replayer) || (has(self.peers) && size(self.peers) > 0)');
    expect(rules.some((r) => r.includes('oldSelf.dataVolume.import'))).toBe(true);
  });

  it('makes pvcName and every Secret name immutable', () => {
    for (const path of [
      'dataVolume.import.pvcName',
      'validator.signingKey.secret.secretName',
      'validator.nodeKey.secret.secretName',
      'validator.operatorKeyring.secret.secretName',
      'validator.operatorKeyring.secret.passphraseSecretRef.secretName',
    ]) {
      expect(at(spec, path)['x-kubernetes-validations']?.[0]?.rule, path).toBe('self == oldSelf');
    }
  });

  it('bounds the lists, maps and strings that CEL rules iterate or compare (apiserver cost budget)', () => {
    expect(at(spec, 'peers').maxItems).toBe(32);
    expect(at(spec, 'peers.[].static.addresses').maxItems).toBe(128);
    expect(at(spec, 'peers.[].ec2Tags.tags').maxProperties).toBe(50);
    expect(at(spec, 'peers.[].label.selector').maxProperties).toBe(32);
    expect(at(spec, 'peers.[].seinodeDeployment.selector').maxProperties).toBe(32);
    expect(at(spec, 'validator.signingKey.secret.secretName').maxLength).toBe(253);
    expect(at(spec, 'validator.operatorKeyring.secret.passphraseSecretRef.secretName').maxLength).toBe(253);
  });

  it('has no spec.externalAddress (the P2P address lives in status)', () => {
    expect(spec.properties?.externalAddress).toBeUndefined();
    expect(at(schema, 'status.externalAddress').type).toBe('string');
  });

  it('has the seinodeDeployment peer variant, networking, paused and sidecar.tls', () => {
    expect(Object.keys(at(spec, 'peers.[]').properties ?? {})).toEqual([
      'ec2Tags',
      'static',
      'label',
      'seinodeDeployment',
    ]);
    expect(Object.keys(at(spec, 'networking').properties ?? {})).toEqual(['http', 'tcp']);
    expect(at(spec, 'paused').type).toBe('boolean');
    expect(at(spec, 'sidecar.tls').required).toEqual(['issuerName']);
  });

  it('has the status fields of SPEC §3.1', () => {
    expect(Object.keys(at(schema, 'status').properties ?? {})).toEqual(
      expect.arrayContaining([
        'phase',
        'observedGeneration',
        'conditions',
        'phaseTransitionTime',
        'plan',
        'currentImage',
        'currentSidecarTLS',
        'resolvedPeers',
        'externalAddress',
        'statefulSet',
      ]),
    );
  });
});

describe('SeiNodeDeployment CRD specifics', () => {
  const crd = seiNodeDeploymentCrd();
  const schema = rootSchema(crd);
  const spec = at(schema, 'spec');

  it('has names seinodedeployments / snd', () => {
    expect(crd.metadata.name).toBe('seinodedeployments.sei.io');
    expect(crd.spec.names).toMatchObject({
      kind: 'SeiNodeDeployment',
      listKind: 'SeiNodeDeploymentList',
      shortNames: ['snd'],
    });
  });

  it('prints Ready, Replicas, Phase, Paused, Target (wide), Age', () => {
    const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.map((c) => [c.name, c.type, c.jsonPath, c.priority ?? 0])).toEqual([
      ['Ready', 'integer', '.status.readyReplicas', 0],
      ['Replicas', 'integer', '.status.replicas', 0],
      ['Phase', 'string', '.status.phase', 0],
      ['Paused', 'boolean', '.spec.paused', 0],
      ['Target', 'string', '.status.rollout.targetHash', 1],
      ['Age', 'date', '.metadata.creationTimestamp', 0],
    ]);
  });

  it('defaults replicas, deletionPolicy, updateStrategy and the genesis amounts and duration', () => {
    expect(at(spec, 'replicas')).toMatchObject({ default: 1, minimum: 1, maximum: 100 });
    expect(at(spec, 'deletionPolicy')).toMatchObject({ default: 'Delete', enum: ['Delete', 'Retain'] });
    expect(at(spec, 'updateStrategy').default).toEqual({ type: 'InPlace' });
    expect(at(spec, 'updateStrategy.type')).toMatchObject({ default: 'InPlace', enum: ['InPlace'] });
    expect(at(spec, 'genesis.stakingAmount').default).toBe('10000000usei');
    expect(at(spec, 'genesis.accountBalance').default).toBe(
      '1000000000000000000000usei,1000000000000000000000uusdc,1000000000000000000000uatom',
    );
    expect(at(spec, 'genesis.maxCeremonyDuration').default).toBe('15m');
  });

  it('reuses the SeiNode spec schema as template.spec (same rules)', () => {
    expect(at(spec, 'template.spec')).toEqual(at(rootSchema(seiNodeCrd()), 'spec'));
  });

  it('bounds what the genesis immutability rule compares (apiserver cost budget)', () => {
    expect(at(spec, 'genesis.accounts').maxItems).toBe(1000);
    expect(at(spec, 'genesis.overrides').maxProperties).toBe(256);
    expect(at(spec, 'genesis.accounts.[].address').maxLength).toBe(128);
  });

  it('keeps genesis.overrides values arbitrary JSON', () => {
    expect(at(spec, 'genesis.overrides').additionalProperties?.['x-kubernetes-preserve-unknown-fields']).toBe(
      true,
    );
  });

  it('has the genesis rules: validator template only, immutable once set', () => {
    const rules = (spec['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    expect(rules).toContain('!has(self.genesis) || has(self.template.spec.validator)');
    expect(rules).toContain(
      '!has(oldSelf.genesis) || (has(self.genesis) && self.genesis == oldSelf.genesis)',
    );
  });

  it('keys status.nodes by name and lists the SPEC §3.2 status fields', () => {
    expect(at(schema, 'status.nodes')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(at(schema, 'status.phase').enum).toContain('Paused');
    expect(Object.keys(at(schema, 'status').properties ?? {})).toEqual(
      expect.arrayContaining([
        'observedGeneration',
        'templateHash',
        'phase',
        'replicas',
        'readyReplicas',
        'nodes',
        'plan',
        'incumbentNodes',
        'rollout',
        'networkingStatus',
        'internalService',
        'perPodServices',
        'endpoints',
        'conditions',
      ]),
    );
  });
});

describe('crd.ts helpers', () => {
  it('returns fresh objects on every call and never mutates the authored schema', () => {
    const before = JSON.stringify(SeiNodeSchema);
    const a = seiNodeCrd();
    const b = seiNodeCrd();
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    (rootSchema(a).properties as Record<string, unknown>).spec = {};
    expect(rootSchema(b).properties?.spec).not.toEqual({});
    expect(JSON.stringify(SeiNodeSchema)).toBe(before);
  });

  it('toCrdSchema strips title and tsType but keeps everything else', () => {
    const stripped = toCrdSchema({
      title: 'X',
      type: 'object',
      description: 'd',
      properties: { title: { type: 'string', description: 'a property named title', tsType: 'string' } },
      default: { title: 'kept' },
    });
    expect(stripped).toEqual({
      type: 'object',
      description: 'd',
      properties: { title: { type: 'string', description: 'a property named title' } },
      default: { title: 'kept' },
    });
  });

  it('seiCrds returns SeiNode then SeiNodeDeployment', () => {
    expect(seiCrds().map((c) => c.spec.names.kind)).toEqual(['SeiNode', 'SeiNodeDeployment']);
  });

  it('sortKeysDeep sorts recursively and puts apiVersion, kind, metadata first', () => {
    const sorted = sortKeysDeep({
      spec: { b: 1, a: [{ d: 1, c: 2 }] },
      metadata: {},
      kind: 'K',
      apiVersion: 'v',
    });
    expect(JSON.stringify(sorted)).toBe(
      '{"apiVersion":"v","kind":"K","metadata":{},"spec":{"a":[{"c":2,"d":1}],"b":1}}',
    );
  });
});
