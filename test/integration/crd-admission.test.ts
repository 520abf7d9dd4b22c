/**
 * Admission of the sei.io CRDs by a REAL kube-apiserver (v1.34). The integration global setup
 * (test/support/integration-setup.ts, which provides `kubeconfigPath`) installs `imports/crds/*.yaml`,
 * generated from `constructs/api/*-schema.ts`. The apiserver must reject every invalid manifest with a
 * message that says what to fix, accept every valid one, and apply the defaults.
 *
 * Sources of the rules: SPEC.md §3, reference-seinode.md §1.2, reference-seinodedeployment.md §1.4.
 */
import { randomBytes } from 'node:crypto';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SeiNodeDeploymentSpec, SeiNodeSpec } from '../../constructs/api/types';

const GROUP = 'sei.io';
const VERSION = 'v1alpha1';
const NODE_ID = '0123456789abcdef0123456789abcdef01234567';

type Kind = 'SeiNode' | 'SeiNodeDeployment';
const PLURAL: Record<Kind, string> = { SeiNode: 'seinodes', SeiNodeDeployment: 'seinodedeployments' };

// biome-ignore lint/suspicious/noExplicitAny: custom objects are untyped JSON on the wire
type Obj = any;

let api: CustomObjectsApi;
let namespace: string;
let counter = 0;

beforeAll(async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  api = kc.makeApiClient(CustomObjectsApi);
  namespace = `crd-admission-${randomBytes(3).toString('hex')}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
});

function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

function manifest(kind: Kind, spec: unknown, name = uniqueName(kind === 'SeiNode' ? 'node' : 'snd')): Obj {
  return { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec };
}

async function create(obj: Obj): Promise<Obj> {
  return api.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL[obj.kind as Kind],
    body: obj,
  });
}

async function replace(obj: Obj): Promise<Obj> {
  return api.replaceNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL[obj.kind as Kind],
    name: obj.metadata.name,
    body: obj,
  });
}

/** Runs `op`, expects a 422 Invalid from the apiserver, and returns its message. */
async function rejection(op: () => Promise<unknown>): Promise<string> {
  try {
    await op();
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    expect(err.code, JSON.stringify(body)).toBe(422);
    return String(body?.message ?? '');
  }
  throw new Error('expected the apiserver to reject the request, but it was accepted');
}

const fullNode = (extra: Partial<SeiNodeSpec> = {}): SeiNodeSpec => ({
  chainId: 'pacific-1',
  image: 'ghcr.io/sei-protocol/seid:v6.0.0',
  fullNode: {},
  ...extra,
});

const validatorKeys = {
  signingKey: { secret: { secretName: 'val-signing' } },
  nodeKey: { secret: { secretName: 'val-node' } },
};

const sndSpec = (
  template: SeiNodeSpec,
  extra: Partial<SeiNodeDeploymentSpec> = {},
): SeiNodeDeploymentSpec => ({
  template: { spec: template },
  ...extra,
});

const validatorTemplate = (): SeiNodeSpec => ({
  chainId: 'devnet-1',
  image: 'ghcr.io/sei-protocol/seid:v6.0.0',
  validator: {},
});

describe('SeiNode admission: invalid manifests are rejected with an actionable message', () => {
  const cases: { name: string; spec: unknown; message: string; metadataName?: string }[] = [
    {
      name: 'no mode',
      spec: { chainId: 'pacific-1', image: 'seid:1' },
      message: 'exactly one of fullNode, archive, replayer, or validator must be set',
    },
    {
      name: 'two modes',
      spec: fullNode({ archive: {} }),
      message: 'exactly one of fullNode, archive, replayer, or validator must be set',
    },
    {
      name: 'replayer without peers',
      spec: { chainId: 'pacific-1', image: 'seid:1', replayer: { snapshot: { s3: { targetHeight: 100 } } } },
      message: 'peers is required when replayer mode is set',
    },
    {
      name: 'replayer with an empty peer list',
      spec: {
        chainId: 'pacific-1',
        image: 'seid:1',
        peers: [],
        replayer: { snapshot: { s3: { targetHeight: 1 } } },
      },
      message: 'peers is required when replayer mode is set',
    },
    {
      name: 'replayer with a state-sync snapshot',
      spec: {
        chainId: 'pacific-1',
        image: 'seid:1',
        peers: [{ label: { selector: { app: 'x' } } }],
        replayer: { snapshot: { stateSync: {} } },
      },
      message: 'a replayer requires an S3 snapshot source',
    },
    {
      name: 'peer source with two variants',
      spec: fullNode({
        peers: [
          { static: { addresses: [`${NODE_ID}@a.example.com:26656`] }, label: { selector: { a: 'b' } } },
        ],
      }),
      message: 'each peer source must set exactly one of ec2Tags, static, label, or seinodeDeployment',
    },
    {
      name: 'empty peer source',
      spec: fullNode({ peers: [{}] }),
      message: 'each peer source must set exactly one of ec2Tags, static, label, or seinodeDeployment',
    },
    {
      name: 'seinodeDeployment peer with both name and selector',
      spec: fullNode({ peers: [{ seinodeDeployment: { name: 'validators', selector: { tier: 'a' } } }] }),
      message: 'a seinodeDeployment peer source must set exactly one of name or selector',
    },
    {
      name: 'seinodeDeployment peer with neither name nor selector',
      spec: fullNode({ peers: [{ seinodeDeployment: { namespace: 'other' } }] }),
      message: 'a seinodeDeployment peer source must set exactly one of name or selector',
    },
    {
      name: 'chainId that is not a DNS-1123 label',
      spec: fullNode({ chainId: 'Pacific_1' }),
      message: 'spec.chainId: Invalid value: "Pacific_1": spec.chainId in body should match',
    },
    {
      name: 'static peer address without node ID',
      spec: fullNode({ peers: [{ static: { addresses: ['peer.example.com:26656'] } }] }),
      message: 'spec.peers[0].static.addresses[0]: Invalid value: "peer.example.com:26656"',
    },
    {
      name: 'snapshot with both s3 and stateSync',
      spec: fullNode({ fullNode: { snapshot: { s3: { targetHeight: 5 }, stateSync: {} } } }),
      message: 'snapshot must set exactly one of s3 or stateSync',
    },
    {
      name: 'bootstrapImage without s3',
      spec: fullNode({ fullNode: { snapshot: { stateSync: {}, bootstrapImage: 'seid:old' } } }),
      message: 'bootstrapImage requires s3 with a targetHeight',
    },
    {
      name: 'snapshot publishing with keepRecent 1',
      spec: fullNode({ fullNode: { snapshotGeneration: { tendermint: { keepRecent: 1, publish: {} } } } }),
      message: 'keepRecent must be at least 2 when publish is set',
    },
    {
      name: 'snapshotGeneration without tendermint',
      spec: { chainId: 'pacific-1', image: 'seid:1', archive: { snapshotGeneration: {} } },
      message: 'spec.archive.snapshotGeneration.tendermint: Required value',
    },
    {
      name: 'signingKey without nodeKey',
      spec: { chainId: 'pacific-1', image: 'seid:1', validator: { signingKey: validatorKeys.signingKey } },
      message: 'signingKey and nodeKey must be set together',
    },
    {
      name: 'same Secret for signing and node key',
      spec: {
        chainId: 'pacific-1',
        image: 'seid:1',
        validator: {
          signingKey: { secret: { secretName: 'keys' } },
          nodeKey: { secret: { secretName: 'keys' } },
        },
      },
      message: 'signingKey and nodeKey must reference different Secrets',
    },
    {
      name: 'operator keyring sharing the signing key Secret',
      spec: {
        chainId: 'pacific-1',
        image: 'seid:1',
        validator: {
          ...validatorKeys,
          operatorKeyring: {
            secret: {
              secretName: 'val-signing',
              passphraseSecretRef: { secretName: 'pass', key: 'passphrase' },
            },
          },
        },
      },
      message: 'operatorKeyring and signingKey must reference different Secrets',
    },
    {
      name: 'operator keyring passphrase in the keyring Secret',
      spec: {
        chainId: 'pacific-1',
        image: 'seid:1',
        validator: {
          operatorKeyring: {
            secret: {
              secretName: 'keyring',
              passphraseSecretRef: { secretName: 'keyring', key: 'passphrase' },
            },
          },
        },
      },
      message: 'passphraseSecretRef must reference a different Secret than the keyring itself',
    },
    {
      name: 'operator keyring passphrase in the node key Secret',
      spec: {
        chainId: 'pacific-1',
        image: 'seid:1',
        validator: {
          ...validatorKeys,
          operatorKeyring: {
            secret: {
              secretName: 'keyring',
              passphraseSecretRef: { secretName: 'val-node', key: 'passphrase' },
            },
          },
        },
      },
      message: 'operatorKeyring passphraseSecretRef and nodeKey must reference different Secrets',
    },
    {
      name: 'keys combined with a genesis ceremony',
      spec: {
        chainId: 'devnet-1',
        image: 'seid:1',
        validator: {
          ...validatorKeys,
          genesisCeremony: { chainId: 'devnet-1', stakingAmount: '1usei', accountBalance: '1usei', index: 0 },
        },
      },
      message: 'signingKey and nodeKey cannot be combined with genesisCeremony',
    },
    {
      name: 'invalid sidecar TLS issuerKind',
      spec: fullNode({ sidecar: { tls: { issuerName: 'ca', issuerKind: 'Vault' as never } } }),
      message: 'spec.sidecar.tls.issuerKind: Unsupported value: "Vault"',
    },
    {
      name: 'sidecar TLS without issuerName',
      spec: fullNode({ sidecar: { tls: {} as never } }),
      message: 'spec.sidecar.tls.issuerName: Required value',
    },
    {
      name: 'name longer than 52 characters',
      spec: fullNode(),
      metadataName: `n${'x'.repeat(52)}`,
      message: 'SeiNode names must be at most 52 characters',
    },
  ];

  it.each(cases)('rejects $name', async ({ spec, message, metadataName }) => {
    const text = await rejection(() => create(manifest('SeiNode', spec, metadataName)));
    expect(text).toContain(message);
  });
});

describe('SeiNode admission: transition rules', () => {
  it('rejects a pvcName change', async () => {
    const created = await create(
      manifest('SeiNode', fullNode({ dataVolume: { import: { pvcName: 'old-data' } } })),
    );
    created.spec.dataVolume.import.pvcName = 'new-data';
    expect(await rejection(() => replace(created))).toContain('pvcName is immutable');
  });

  it('rejects unsetting dataVolume.import, and removing dataVolume altogether', async () => {
    const created = await create(
      manifest('SeiNode', fullNode({ dataVolume: { import: { pvcName: 'data' } } })),
    );
    created.spec.dataVolume = {};
    expect(await rejection(() => replace(created))).toContain(
      'dataVolume.import cannot be unset once configured',
    );
    delete created.spec.dataVolume;
    expect(await rejection(() => replace(created))).toContain(
      'dataVolume.import cannot be unset once configured',
    );
  });

  it('allows importing a PVC later', async () => {
    const created = await create(manifest('SeiNode', fullNode()));
    created.spec.dataVolume = { import: { pvcName: 'data' } };
    await expect(replace(created)).resolves.toMatchObject({
      spec: { dataVolume: { import: { pvcName: 'data' } } },
    });
  });

  it('rejects a signing key Secret name change', async () => {
    const spec = { chainId: 'pacific-1', image: 'seid:1', validator: { ...validatorKeys } };
    const created = await create(manifest('SeiNode', spec));
    created.spec.validator.signingKey.secret.secretName = 'other-signing';
    expect(await rejection(() => replace(created))).toContain('secretName is immutable');
  });

  it('rejects a passphrase Secret name change', async () => {
    const spec = {
      chainId: 'pacific-1',
      image: 'seid:1',
      validator: {
        operatorKeyring: {
          secret: { secretName: 'keyring', passphraseSecretRef: { secretName: 'pass', key: 'passphrase' } },
        },
      },
    };
    const created = await create(manifest('SeiNode', spec));
    created.spec.validator.operatorKeyring.secret.passphraseSecretRef.secretName = 'pass2';
    expect(await rejection(() => replace(created))).toContain('passphrase secretName is immutable');
  });

  it('allows editing mutable fields (image, overrides, sidecar TLS, networking)', async () => {
    const created = await create(manifest('SeiNode', fullNode()));
    created.spec.image = 'seid:2';
    created.spec.overrides = { 'evm.http_port': '8545' };
    created.spec.sidecar = { tls: { issuerName: 'sei-ca', issuerKind: 'ClusterIssuer' } };
    created.spec.networking = { tcp: {} };
    await expect(replace(created)).resolves.toMatchObject({
      spec: { image: 'seid:2', networking: { tcp: {} } },
    });
  });
});

describe('SeiNode admission: valid manifests and defaults', () => {
  it('accepts a full node and defaults sidecar.port to 7777', async () => {
    const created = await create(
      manifest(
        'SeiNode',
        fullNode({
          peers: [{ static: { addresses: [`${NODE_ID}@peer-0.example.com:26656`] } }],
          sidecar: {},
          fullNode: {
            snapshot: { s3: { targetHeight: 1000 }, trustPeriod: '9999h0m0s', bootstrapImage: 'seid:old' },
          },
        }),
      ),
    );
    expect(created.spec.sidecar.port).toBe(7777);
  });

  it('accepts sidecar TLS and defaults issuerKind to Issuer', async () => {
    const created = await create(
      manifest('SeiNode', fullNode({ sidecar: { tls: { issuerName: 'sei-ca' } } })),
    );
    expect(created.spec.sidecar).toEqual({ port: 7777, tls: { issuerName: 'sei-ca', issuerKind: 'Issuer' } });
  });

  it('accepts an archive node that publishes snapshots', async () => {
    const spec = {
      chainId: 'pacific-1',
      image: 'seid:1',
      archive: { snapshotGeneration: { tendermint: { keepRecent: 2, publish: {} } } },
    };
    await expect(create(manifest('SeiNode', spec))).resolves.toMatchObject({ spec });
  });

  it('accepts a replayer with peers and result export', async () => {
    const spec = {
      chainId: 'pacific-1',
      image: 'seid:1',
      peers: [
        { ec2Tags: { region: 'us-east-2', tags: { Chain: 'pacific-1' } } },
        { label: { selector: { 'sei.io/chain': 'pacific-1' }, namespace: 'sei' } },
        { seinodeDeployment: { name: 'rpc' } },
        { seinodeDeployment: { selector: { tier: 'public' } } },
      ],
      replayer: {
        snapshot: { s3: { targetHeight: 42 } },
        resultExport: { shadowResult: { canonicalRpc: 'http://rpc.pacific-1:26657' } },
      },
    };
    await expect(create(manifest('SeiNode', spec))).resolves.toMatchObject({ spec });
  });

  it('accepts a validator with keys and defaults the operator keyName to node_admin', async () => {
    const created = await create(
      manifest('SeiNode', {
        chainId: 'pacific-1',
        image: 'seid:1',
        validator: {
          ...validatorKeys,
          operatorKeyring: {
            secret: { secretName: 'keyring', passphraseSecretRef: { secretName: 'pass', key: 'passphrase' } },
          },
        },
      }),
    );
    expect(created.spec.validator.operatorKeyring.secret.keyName).toBe('node_admin');
  });

  it('accepts a genesis-ceremony validator without keys', async () => {
    const spec = {
      chainId: 'devnet-1',
      image: 'seid:1',
      validator: {
        genesisCeremony: { chainId: 'devnet-1', stakingAmount: '10usei', accountBalance: '10usei', index: 0 },
      },
    };
    await expect(create(manifest('SeiNode', spec))).resolves.toMatchObject({ spec });
  });

  it('accepts the legacy networking: {} and keeps it as an empty object', async () => {
    const created = await create(manifest('SeiNode', fullNode({ networking: {} })));
    expect(created.spec.networking).toEqual({});
  });

  it('accepts no networking at all, and tcp/http flags', async () => {
    expect((await create(manifest('SeiNode', fullNode()))).spec.networking).toBeUndefined();
    const both = await create(
      manifest('SeiNode', fullNode({ networking: { http: {}, tcp: {} }, paused: true })),
    );
    expect(both.spec).toMatchObject({ networking: { http: {}, tcp: {} }, paused: true });
  });

  it('keeps controller-written status fields through the status subresource', async () => {
    const created = await create(manifest('SeiNode', fullNode()));
    const status = {
      phase: 'Running',
      mode: 'fullNode',
      observedGeneration: 1,
      currentImage: 'seid:1',
      currentSidecarTLS: { issuerName: 'sei-ca', issuerKind: 'Issuer' },
      externalAddress: 'abc.elb.us-east-2.amazonaws.com:26656',
      statefulSet: { name: created.metadata.name, uid: 'uid-1' },
      resolvedPeers: [`${NODE_ID}@a:26656`],
      conditions: [
        {
          type: 'P2PPublishable',
          status: 'True',
          reason: 'LoadBalancerReady',
          message: 'published',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration: 1,
        },
      ],
      plan: {
        id: 'p1',
        phase: 'Active',
        tasks: [
          { type: 'config-apply', id: 't1', status: 'Pending', params: { overrides: { a: 'b' }, n: 1 } },
        ],
      },
    };
    const updated = await api.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'seinodes',
      name: created.metadata.name,
      body: { ...created, status },
    });
    expect(updated.status).toEqual(status);
  });
});

describe('SeiNodeDeployment admission', () => {
  it.each([
    {
      replicas: 0,
      message: 'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
    },
    {
      replicas: 101,
      message: 'spec.replicas: Invalid value: 101: spec.replicas in body should be less than or equal to 100',
    },
  ])('rejects replicas $replicas', async ({ replicas, message }) => {
    const text = await rejection(() =>
      create(manifest('SeiNodeDeployment', sndSpec(fullNode(), { replicas }))),
    );
    expect(text).toContain(message);
  });

  it('rejects genesis with a non-validator template', async () => {
    const spec = sndSpec({ ...fullNode(), chainId: 'devnet-1' }, { genesis: { chainId: 'devnet-1' } });
    expect(await rejection(() => create(manifest('SeiNodeDeployment', spec)))).toContain(
      'genesis is only valid with a validator template',
    );
  });

  it('rejects a genesis chainId that differs from the template', async () => {
    const spec = sndSpec(validatorTemplate(), { genesis: { chainId: 'other-1' } });
    expect(await rejection(() => create(manifest('SeiNodeDeployment', spec)))).toContain(
      'genesis.chainId must equal template.spec.chainId',
    );
  });

  it('rejects genesis with validator keys in the template', async () => {
    const spec = sndSpec(
      { ...validatorTemplate(), validator: { ...validatorKeys } },
      { genesis: { chainId: 'devnet-1' } },
    );
    expect(await rejection(() => create(manifest('SeiNodeDeployment', spec)))).toContain(
      'a genesis ceremony generates the validator keys',
    );
  });

  it('rejects an invalid template spec with the SeiNode message', async () => {
    const spec = sndSpec({ chainId: 'pacific-1', image: 'seid:1' });
    expect(await rejection(() => create(manifest('SeiNodeDeployment', spec)))).toContain(
      'exactly one of fullNode, archive, replayer, or validator must be set',
    );
  });

  it('rejects an invalid deletionPolicy', async () => {
    const spec = sndSpec(fullNode(), { deletionPolicy: 'Orphan' as never });
    expect(await rejection(() => create(manifest('SeiNodeDeployment', spec)))).toContain(
      'spec.deletionPolicy: Unsupported value: "Orphan"',
    );
  });

  it('rejects names that leave no room for child ordinals', async () => {
    const text = await rejection(() =>
      create(manifest('SeiNodeDeployment', sndSpec(fullNode()), `d${'x'.repeat(49)}`)),
    );
    expect(text).toContain('SeiNodeDeployment names must be at most 49 characters');
  });

  it('applies defaults: replicas 1, deletionPolicy Delete, updateStrategy InPlace, genesis amounts and 15m', async () => {
    const created = await create(
      manifest('SeiNodeDeployment', sndSpec(validatorTemplate(), { genesis: { chainId: 'devnet-1' } })),
    );
    expect(created.spec).toMatchObject({
      replicas: 1,
      deletionPolicy: 'Delete',
      updateStrategy: { type: 'InPlace' },
      genesis: {
        chainId: 'devnet-1',
        stakingAmount: '10000000usei',
        accountBalance: '1000000000000000000000usei,1000000000000000000000uusdc,1000000000000000000000uatom',
        maxCeremonyDuration: '15m',
      },
    });
  });

  it('makes genesis immutable once set: change and clear are rejected, unrelated edits are allowed', async () => {
    const created = await create(
      manifest(
        'SeiNodeDeployment',
        sndSpec(validatorTemplate(), {
          replicas: 3,
          genesis: {
            chainId: 'devnet-1',
            accounts: [{ address: 'sei1abc', balance: '1usei' }],
            overrides: { a: { b: 1 } },
          },
        }),
      ),
    );
    const changed = structuredClone(created);
    changed.spec.genesis.stakingAmount = '5usei';
    expect(await rejection(() => replace(changed))).toContain('spec.genesis is immutable once set');

    const appended = structuredClone(created);
    appended.spec.genesis.accounts.push({ address: 'sei1def', balance: '2usei' });
    expect(await rejection(() => replace(appended))).toContain('spec.genesis is immutable once set');

    const cleared = structuredClone(created);
    delete cleared.spec.genesis;
    expect(await rejection(() => replace(cleared))).toContain('spec.genesis is immutable once set');

    const unrelated = structuredClone(created);
    unrelated.spec.replicas = 4;
    unrelated.spec.paused = true;
    await expect(replace(unrelated)).resolves.toMatchObject({ spec: { replicas: 4, paused: true } });
  });

  it('allows adding genesis to a validator deployment that had none', async () => {
    const created = await create(manifest('SeiNodeDeployment', sndSpec(validatorTemplate())));
    created.spec.genesis = { chainId: 'devnet-1' };
    await expect(replace(created)).resolves.toMatchObject({ spec: { genesis: { chainId: 'devnet-1' } } });
  });

  it('accepts networking tiers, template metadata and a paused deployment', async () => {
    const spec = sndSpec(fullNode({ networking: { tcp: {} } }), {
      replicas: 100,
      networking: { http: {}, tcp: {} },
      paused: true,
      deletionPolicy: 'Retain',
    });
    spec.template.metadata = { labels: { tier: 'rpc' }, annotations: { note: 'x' } };
    await expect(create(manifest('SeiNodeDeployment', spec))).resolves.toMatchObject({ spec });
  });

  it('keeps controller-written status fields through the status subresource', async () => {
    const created = await create(manifest('SeiNodeDeployment', sndSpec(fullNode())));
    const status = {
      observedGeneration: 1,
      templateHash: '0123456789abcdef',
      phase: 'Paused',
      replicas: 1,
      readyReplicas: 0,
      nodes: [{ name: `${created.metadata.name}-0`, phase: 'Initializing' }],
      incumbentNodes: [`${created.metadata.name}-0`],
      rollout: { targetHash: 'fedcba9876543210', startedAt: '2026-01-01T00:00:00Z' },
      networkingStatus: {
        routes: [{ hostname: 'x-evm.example.com', protocol: 'evm' }],
        p2pEndpoints: [{ ordinal: 0, seiNodeName: `${created.metadata.name}-0`, address: 'h:26656' }],
      },
      conditions: [
        {
          type: 'Paused',
          status: 'True',
          reason: 'Paused',
          message: '',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const updated = await api.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'seinodedeployments',
      name: created.metadata.name,
      body: { ...created, status },
    });
    expect(updated.status).toEqual(status);
  });
});
