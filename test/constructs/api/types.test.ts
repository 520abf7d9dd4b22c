import { describe, expect, it } from 'vitest';
import {
  API_GROUP,
  API_VERSION,
  FINALIZER_SEINODE,
  FINALIZER_SEINODEDEPLOYMENT,
  KIND_SEINODE,
  KIND_SEINODEDEPLOYMENT,
  LABEL_CHAIN,
  LABEL_NODE,
  LABEL_NODEDEPLOYMENT,
  LABEL_NODEDEPLOYMENT_ORDINAL,
  LABEL_REVISION,
  LABEL_ROLE,
  nodeMode,
  PLURAL_SEINODEDEPLOYMENTS,
  PLURAL_SEINODES,
  type SeiNode,
  type SeiNodeDeployment,
  type SeiNodeSpec,
  VERSION,
} from '../../../constructs/api/types';

describe('nodeMode', () => {
  const base: SeiNodeSpec = { chainId: 'pacific-1', image: 'seid:1' };

  it.each([
    [{ fullNode: {} }, 'fullNode'],
    [{ archive: {} }, 'archive'],
    [{ replayer: { snapshot: { s3: { targetHeight: 1 } } } }, 'replayer'],
    [{ validator: {} }, 'validator'],
  ] as const)('returns the set mode (%j)', (mode, expected) => {
    expect(nodeMode({ ...base, ...mode })).toBe(expected);
  });

  it('throws when no mode is set', () => {
    expect(() => nodeMode(base)).toThrow(/none of fullNode, archive, replayer, validator/);
  });
});

describe('API constants', () => {
  it('names the group, version, kinds and plurals', () => {
    expect([API_GROUP, VERSION, API_VERSION]).toEqual(['sei.io', 'v1alpha1', 'sei.io/v1alpha1']);
    expect([KIND_SEINODE, KIND_SEINODEDEPLOYMENT]).toEqual(['SeiNode', 'SeiNodeDeployment']);
    expect([PLURAL_SEINODES, PLURAL_SEINODEDEPLOYMENTS]).toEqual(['seinodes', 'seinodedeployments']);
  });

  it('names the finalizers and labels of SPEC §5, §6, §10', () => {
    expect([FINALIZER_SEINODE, FINALIZER_SEINODEDEPLOYMENT]).toEqual([
      'sei.io/seinode-finalizer',
      'sei.io/seinodedeployment-finalizer',
    ]);
    expect([
      LABEL_NODE,
      LABEL_CHAIN,
      LABEL_ROLE,
      LABEL_NODEDEPLOYMENT,
      LABEL_NODEDEPLOYMENT_ORDINAL,
      LABEL_REVISION,
    ]).toEqual([
      'sei.io/node',
      'sei.io/chain',
      'sei.io/role',
      'sei.io/nodedeployment',
      'sei.io/nodedeployment-ordinal',
      'sei.io/revision',
    ]);
  });

  it('types full objects with the generated spec and status', () => {
    const node: SeiNode = {
      apiVersion: API_VERSION,
      kind: KIND_SEINODE,
      metadata: { name: 'n', namespace: 'ns' },
      spec: { chainId: 'pacific-1', image: 'seid:1', fullNode: {}, networking: { tcp: {} } },
      status: { phase: 'Running', mode: 'fullNode', externalAddress: 'h:26656' },
    };
    const snd: SeiNodeDeployment = {
      apiVersion: API_VERSION,
      kind: KIND_SEINODEDEPLOYMENT,
      metadata: { name: 'd' },
      spec: {
        replicas: 2,
        template: { spec: node.spec },
        genesis: { chainId: 'pacific-1', overrides: { a: { b: 1 } } },
      },
    };
    expect(snd.spec.template.spec.fullNode).toEqual({});
  });
});
