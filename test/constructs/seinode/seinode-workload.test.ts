import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { type KubeObject, renderSeiNodeWorkload } from '../../../constructs/render';
import { SeiNodeWorkload } from '../../../constructs/seinode/seinode-workload';
import { exampleNode } from '../../support/examples';

type Container = {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  restartPolicy?: string;
  resources?: Record<string, Record<string, string>>;
};
type PodSpec = {
  containers: Container[];
  initContainers: Container[];
  volumes: { name: string; secret?: { secretName: string }; persistentVolumeClaim?: { claimName: string } }[];
  [k: string]: unknown;
};

const MODES: Record<string, string> = {
  'full node from an S3 snapshot': 'pacific-1-rpc-node.yaml',
  'state-sync full node': 'state-sync-full-node.yaml',
  archive: 'archive-node.yaml',
  replayer: 'shadow-replayer.yaml',
  'validator with signing key, node key and operator keyring': 'validator-with-keys.yaml',
};

function byKind(objs: KubeObject[], kind: string): KubeObject[] {
  return objs.filter((o) => o.kind === kind);
}
function sts(objs: KubeObject[]) {
  const s = byKind(objs, 'StatefulSet')[0] as unknown as {
    metadata: { labels: Record<string, string>; ownerReferences?: unknown[] };
    spec: {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
      updateStrategy: { type: string };
    };
  };
  if (!s) throw new Error('no StatefulSet');
  return s;
}
function container(objs: KubeObject[], name: string): Container {
  const pod = sts(objs).spec.template.spec;
  const c = [...pod.initContainers, ...pod.containers].find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}
const env = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('SeiNodeWorkload', () => {
  for (const [mode, file] of Object.entries(MODES)) {
    it(`synthesizes the workload of a ${mode} (snapshot)`, () => {
      const chart = Testing.chart();
      new SeiNodeWorkload(chart, 'node', { node: exampleNode(file), platform });
      expect(Testing.synth(chart)).toMatchSnapshot();
    });
  }

  it('renders Service, ConfigMap, PVC and StatefulSet with the reference names', () => {
    const objs = renderSeiNodeWorkload(exampleNode('pacific-1-rpc-node.yaml'), platform);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/pacific-1-rpc-0-rbac-proxy-config',
      'PersistentVolumeClaim/data-pacific-1-rpc-0',
      'Service/pacific-1-rpc-0',
      'StatefulSet/pacific-1-rpc-0',
    ]);
    for (const o of objs) expect(o.metadata.namespace).toBe('default');
  });

  it('lays out containers, ports and restart policies as the reference does', () => {
    const objs = renderSeiNodeWorkload(exampleNode('pacific-1-rpc-node.yaml'), platform);
    const pod = sts(objs).spec.template.spec;
    expect(pod.initContainers.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['seid-init', undefined],
      ['sei-sidecar', 'Always'],
      ['kube-rbac-proxy', 'Always'],
    ]);
    expect(pod.containers.map((c) => c.name)).toEqual(['seid', 'cosmos-exporter']);
    expect(container(objs, 'seid').ports?.map((p) => `${p.name}:${p.containerPort}`)).toEqual([
      'evm-rpc:8545',
      'evm-ws:8546',
      'grpc:9090',
      'rest:1317',
      'p2p:26656',
      'rpc:26657',
      'metrics:26660',
    ]);
    expect(container(objs, 'kube-rbac-proxy').ports?.map((p) => `${p.name}:${p.containerPort}`)).toEqual([
      'api:8443',
    ]);
    expect(container(objs, 'cosmos-exporter').ports?.map((p) => `${p.name}:${p.containerPort}`)).toEqual([
      'cosmos-metrics:9300',
    ]);
    expect(sts(objs).spec.updateStrategy.type).toBe('OnDelete');
    expect(pod.shareProcessNamespace).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe(platform.serviceAccount);
    expect(pod.securityContext).toMatchObject({ fsGroup: 65532, fsGroupChangePolicy: 'OnRootMismatch' });
    const svc = byKind(objs, 'Service')[0] as unknown as {
      spec: {
        clusterIP: string;
        publishNotReadyAddresses: boolean;
        ports: { name: string; appProtocol?: string }[];
        selector: object;
      };
    };
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.spec.ports.map((p) => p.name)).toEqual([
      'evm-rpc',
      'evm-ws',
      'grpc',
      'rest',
      'p2p',
      'rpc',
      'metrics',
      'api',
    ]);
    expect(svc.spec.ports.find((p) => p.name === 'grpc')?.appProtocol).toBe('kubernetes.io/h2c');
    expect(svc.spec.selector).toEqual({ 'sei.io/node': 'pacific-1-rpc-0' });
  });

  it('passes the sidecar its environment and never a keyring to non-validators', () => {
    const objs = renderSeiNodeWorkload(exampleNode('pacific-1-rpc-node.yaml'), platform);
    const e = env(container(objs, 'sei-sidecar'));
    expect(e).toEqual({
      SEI_CHAIN_ID: 'pacific-1',
      SEI_SIDECAR_PORT: '7777',
      SEI_HOME: '/.sei',
      SEI_GENESIS_BUCKET: platform.genesisBucket,
      SEI_GENESIS_REGION: platform.genesisRegion,
      SEI_SNAPSHOT_BUCKET: platform.snapshotBucket,
      SEI_SNAPSHOT_REGION: platform.snapshotRegion,
      SEI_SIDECAR_AUTHN_MODE: 'trusted-header',
    });
    expect(container(objs, 'sei-sidecar').image).toBe(platform.sidecarImage);
    expect(env(container(objs, 'seid'))).toEqual({ HOME: '/.sei', TMPDIR: '/.sei/tmp' });
  });

  it('uses the test keyring backend for validators without an operator keyring Secret', () => {
    const node = exampleNode('validator-with-keys.yaml');
    delete node.spec.validator?.operatorKeyring;
    const e = env(container(renderSeiNodeWorkload(node, platform), 'sei-sidecar'));
    expect(e.SEI_KEYRING_BACKEND).toBe('test');
    expect(e.SEI_KEYRING_DIR).toBe('/.sei');
    expect(e.SEI_KEYRING_PASSPHRASE).toBeUndefined();
  });

  it('mounts validator keys only where allowed: keys on seid, keyring and passphrase on the sidecar', () => {
    const objs = renderSeiNodeWorkload(exampleNode('validator-with-keys.yaml'), platform);
    const pod = sts(objs).spec.template.spec;
    const mountsOf = (name: string) => (container(objs, name).volumeMounts ?? []).map((m) => m.name);
    expect(mountsOf('seid')).toEqual(['data', 'signing-key', 'node-key']);
    expect(mountsOf('sei-sidecar')).toEqual(['data', 'sidecar-tmp', 'operator-keyring']);
    for (const other of ['seid-init', 'kube-rbac-proxy', 'cosmos-exporter']) {
      expect(mountsOf(other)).not.toContain('operator-keyring');
      expect(mountsOf(other)).not.toContain('signing-key');
      expect(mountsOf(other)).not.toContain('node-key');
    }
    const seidMounts = container(objs, 'seid').volumeMounts ?? [];
    expect(seidMounts.find((m) => m.name === 'signing-key')).toEqual({
      name: 'signing-key',
      mountPath: '/.sei/config/priv_validator_key.json',
      subPath: 'priv_validator_key.json',
      readOnly: true,
    });
    expect(
      container(objs, 'sei-sidecar').volumeMounts?.find((m) => m.name === 'operator-keyring'),
    ).toMatchObject({ mountPath: '/.sei/keyring-file', readOnly: true });
    const secretRefs = [...pod.initContainers, ...pod.containers].flatMap((c) =>
      (c.env ?? [])
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => `${c.name}:${e.valueFrom?.secretKeyRef?.name}`),
    );
    expect(secretRefs).toEqual(['sei-sidecar:arctic-1-validator-0-keyring-passphrase']);
    expect(pod.volumes.filter((v) => v.secret).map((v) => [v.name, v.secret?.secretName])).toEqual([
      ['signing-key', 'arctic-1-validator-0-signing-key'],
      ['node-key', 'arctic-1-validator-0-node-key'],
      ['operator-keyring', 'arctic-1-validator-0-keyring'],
    ]);
  });

  it('keeps the selector stable across spec changes while labels follow the spec', () => {
    const a = exampleNode('pacific-1-rpc-node.yaml');
    const b = structuredClone(a);
    b.spec.chainId = 'atlantic-2';
    b.spec.image = 'ghcr.io/sei-protocol/sei:v7.0.0';
    b.spec.podLabels = { team: 'rpc', 'sei.io/node': 'spoofed' };
    b.spec.fullNode = undefined;
    b.spec.archive = {};
    const sa = sts(renderSeiNodeWorkload(a, platform));
    const sb = sts(renderSeiNodeWorkload(b, platform));
    expect(sa.spec.selector).toEqual(sb.spec.selector);
    expect(sb.spec.selector.matchLabels).toEqual({ 'sei.io/node': 'pacific-1-rpc-0' });
    expect(sb.spec.template.metadata.labels).toEqual({
      team: 'rpc',
      'sei.io/node': 'pacific-1-rpc-0',
      'sei.io/chain': 'atlantic-2',
      'sei.io/role': 'archive',
    });
  });

  it('schedules by mode: archive pool, resources and storage', () => {
    const objs = renderSeiNodeWorkload(exampleNode('archive-node.yaml'), platform);
    const pod = sts(objs).spec.template.spec as PodSpec & { affinity: unknown; tolerations: unknown };
    expect(JSON.stringify(pod.affinity)).toContain(platform.nodepoolArchive);
    expect(pod.tolerations).toEqual([
      {
        key: platform.tolerationKey,
        operator: 'Equal',
        value: platform.nodepoolArchive,
        effect: 'NoSchedule',
      },
    ]);
    expect(container(objs, 'seid').resources).toEqual({
      requests: { cpu: platform.resourceCpuArchive, memory: platform.resourceMemArchive },
    });
    const pvc = byKind(objs, 'PersistentVolumeClaim')[0] as unknown as {
      spec: { storageClassName: string; resources: { requests: { storage: string } } };
    };
    expect(pvc.spec.storageClassName).toBe(platform.storageClassArchive);
    expect(pvc.spec.resources.requests.storage).toBe(platform.storageSizeArchive);
    const full = renderSeiNodeWorkload(exampleNode('pacific-1-rpc-node.yaml'), platform);
    expect(container(full, 'seid').resources).toEqual({
      requests: { cpu: platform.resourceCpuDefault, memory: platform.resourceMemDefault },
    });
  });

  it('threads a custom sidecar port through env, container port, proxy upstream and the seid wait script', () => {
    const node = exampleNode('pacific-1-rpc-node.yaml');
    node.spec.sidecar = { port: 7878, image: 'ghcr.io/sei-protocol/seictl:v9' };
    const objs = renderSeiNodeWorkload(node, platform);
    expect(env(container(objs, 'sei-sidecar')).SEI_SIDECAR_PORT).toBe('7878');
    expect(container(objs, 'sei-sidecar').ports).toEqual([
      { containerPort: 7878, name: 'sidecar', protocol: 'TCP' },
    ]);
    expect(container(objs, 'sei-sidecar').image).toBe('ghcr.io/sei-protocol/seictl:v9');
    expect(container(objs, 'kube-rbac-proxy').args).toContain('--upstream=http://127.0.0.1:7878/');
    expect(container(objs, 'seid').args?.[0]).toContain('/dev/tcp/127.0.0.1/7878');
  });

  it('mounts an imported PVC and never renders a claim for it', () => {
    const node = exampleNode('pacific-1-rpc-node.yaml');
    node.spec.dataVolume = { import: { pvcName: 'restored-data' } };
    const objs = renderSeiNodeWorkload(node, platform);
    expect(byKind(objs, 'PersistentVolumeClaim')).toEqual([]);
    expect(
      sts(objs).spec.template.spec.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName,
    ).toBe('restored-data');
  });

  it('scales to zero while paused', () => {
    const node = exampleNode('pacific-1-rpc-node.yaml');
    expect(sts(renderSeiNodeWorkload(node, platform)).spec.replicas).toBe(1);
    node.spec.paused = true;
    expect(sts(renderSeiNodeWorkload(node, platform)).spec.replicas).toBe(0);
  });

  it('adds a controller owner reference to every object when the node has a uid, none otherwise', () => {
    const node: SeiNode = exampleNode('pacific-1-rpc-node.yaml');
    for (const o of renderSeiNodeWorkload(node, platform)) expect(o.metadata.ownerReferences).toBeUndefined();
    node.metadata.uid = '6f1b1c8e-3a59-4e0e-9d7c-0f5a7e6b2c11';
    for (const o of renderSeiNodeWorkload(node, platform)) {
      expect(o.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'sei.io/v1alpha1',
          kind: 'SeiNode',
          name: 'pacific-1-rpc-0',
          uid: node.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  it('is a pure function: the same input renders byte-identical manifests', () => {
    const node = exampleNode('validator-with-keys.yaml');
    expect(JSON.stringify(renderSeiNodeWorkload(node, platform))).toBe(
      JSON.stringify(renderSeiNodeWorkload(structuredClone(node), platform)),
    );
  });

  it('carries no cdk8s-generated labels or default limits', () => {
    const text = JSON.stringify(renderSeiNodeWorkload(exampleNode('pacific-1-rpc-node.yaml'), platform));
    expect(text).not.toContain('cdk8s.io/metadata.addr');
    expect(text).not.toContain('1500m');
    expect(text).not.toContain('"imagePullPolicy":"Always"');
  });
});
