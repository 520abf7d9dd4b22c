import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import {
  bootstrapSecretViolations,
  bootstrapSeidScript,
  dataClaimNameOf,
  needsBootstrap,
  SeiNodeBootstrapJob,
} from '../../../constructs/seinode/bootstrap-job';
import { SeiNodeBootstrapService } from '../../../constructs/seinode/bootstrap-service';
import { renderBootstrapJob, renderBootstrapService } from '../../../controller/tasks/bootstrap';
import { exampleNode } from '../../support/examples';

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: unknown[];
  volumeMounts?: { name: string; mountPath: string }[];
  restartPolicy?: string;
  startupProbe?: unknown;
  readinessProbe?: unknown;
}
interface JobJson {
  metadata: { name: string; labels: Record<string, string>; ownerReferences?: unknown[] };
  spec: {
    backoffLimit: number;
    ttlSecondsAfterFinished: number;
    template: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: {
        hostname: string;
        subdomain: string;
        restartPolicy: string;
        serviceAccountName: string;
        terminationGracePeriodSeconds: number;
        shareProcessNamespace: boolean;
        tolerations: unknown[];
        affinity: unknown;
        volumes: { name: string; secret?: unknown; persistentVolumeClaim?: { claimName: string } }[];
        initContainers: Container[];
        containers: Container[];
      };
    };
  };
}

/** A full node that bootstraps from S3 at height 152000000 with a dedicated image. */
function bootstrapFullNode(): SeiNode {
  const node = exampleNode('pacific-1-rpc-node.yaml');
  node.spec.fullNode = {
    snapshot: {
      s3: { targetHeight: 152000000 },
      trustPeriod: '9999h0m0s',
      bootstrapImage: 'ghcr.io/sei-protocol/sei:v5.9.0',
    },
  };
  return node;
}

/** The validator example (signing key, node key, operator keyring) with a bootstrap snapshot. */
function bootstrapValidator(): SeiNode {
  const node = exampleNode('validator-with-keys.yaml');
  node.spec.validator = {
    ...node.spec.validator,
    snapshot: { s3: { targetHeight: 1000 }, bootstrapImage: 'ghcr.io/sei-protocol/sei:v6.0.0' },
  };
  return node;
}

const jobOf = (node: SeiNode) => renderBootstrapJob(node, platform) as unknown as JobJson;
const allContainers = (job: JobJson) => [
  ...job.spec.template.spec.initContainers,
  ...job.spec.template.spec.containers,
];

describe('SeiNodeBootstrapJob and SeiNodeBootstrapService', () => {
  it('snapshot: Job and Service of a bootstrapping full node', () => {
    const chart = Testing.chart();
    const node = bootstrapFullNode();
    node.metadata.uid = '2f0c1e7a-0000-4000-8000-000000000001';
    new SeiNodeBootstrapJob(chart, 'job', { node, platform });
    new SeiNodeBootstrapService(chart, 'svc', { node });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('Job: names, labels, run-once settings, DNS identity of the StatefulSet pod, scheduling', () => {
    const node = bootstrapFullNode();
    const job = jobOf(node);
    const pod = job.spec.template.spec;
    const labels = { 'sei.io/node': 'pacific-1-rpc-0', 'sei.io/component': 'bootstrap' };
    expect(job.metadata.name).toBe('pacific-1-rpc-0-bootstrap');
    expect(job.metadata.labels).toEqual(labels);
    expect(job.spec.template.metadata.labels).toEqual(labels);
    expect(job.spec.template.metadata.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBe(3600);
    expect(pod.hostname).toBe('pacific-1-rpc-0-0');
    expect(pod.subdomain).toBe('pacific-1-rpc-0');
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.terminationGracePeriodSeconds).toBe(120);
    expect(pod.shareProcessNamespace).toBe(true);
    expect(pod.serviceAccountName).toBe(platform.serviceAccount);
    expect(pod.tolerations).toEqual([
      { key: platform.tolerationKey, operator: 'Equal', value: platform.nodepoolName, effect: 'NoSchedule' },
    ]);
    expect(JSON.stringify(pod.affinity)).toContain(platform.nodepoolName);
    expect(pod.initContainers.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['seid-init', undefined],
      ['sei-sidecar', 'Always'],
      ['kube-rbac-proxy', 'Always'],
    ]);
    expect(pod.containers.map((c) => c.name)).toEqual(['seid']);
    // seid-init and seid run the bootstrap image; the sidecar keeps its own.
    expect(pod.initContainers[0]?.image).toBe('ghcr.io/sei-protocol/sei:v5.9.0');
    expect(pod.containers[0]?.image).toBe('ghcr.io/sei-protocol/sei:v5.9.0');
    expect(pod.initContainers[1]?.image).toBe(platform.sidecarImage);
    expect(pod.containers[0]?.args?.[0]).toContain('seid start --home "$HOME" --halt-height 152000000');
    expect(pod.containers[0]?.startupProbe).toBeUndefined();
    expect(pod.containers[0]?.readinessProbe).toBeUndefined();
    expect(job.metadata.ownerReferences).toBeUndefined();
  });

  it('falls back to spec.image without bootstrapImage and carries the owner reference with a uid', () => {
    const node = bootstrapFullNode();
    delete node.spec.fullNode?.snapshot?.bootstrapImage;
    node.metadata.uid = 'u-1';
    const job = jobOf(node);
    expect(job.spec.template.spec.containers[0]?.image).toBe(node.spec.image);
    expect(job.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'sei.io/v1alpha1',
        kind: 'SeiNode',
        name: 'pacific-1-rpc-0',
        uid: 'u-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('mounts the data-<name> PVC, or the imported PVC when spec.dataVolume.import is set', () => {
    const claim = (node: SeiNode) =>
      jobOf(node).spec.template.spec.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName;
    const node = bootstrapFullNode();
    expect(claim(node)).toBe('data-pacific-1-rpc-0');
    node.spec.dataVolume = { import: { pvcName: 'restored-from-backup' } };
    expect(claim(node)).toBe('restored-from-backup');
    expect(dataClaimNameOf(node)).toBe('restored-from-backup');
    for (const c of allContainers(jobOf(node)).filter((c) =>
      c.volumeMounts?.some((m) => m.name === 'data'),
    )) {
      expect(c.volumeMounts?.find((m) => m.name === 'data')?.mountPath).toBe('/.sei');
    }
  });

  it('never puts a validator Secret on the bootstrap pod (no key volumes, no keyring env)', () => {
    const node = bootstrapValidator();
    const job = jobOf(node);
    const text = JSON.stringify(job);
    const v = node.spec.validator;
    for (const secret of [
      v?.signingKey?.secret?.secretName,
      v?.nodeKey?.secret?.secretName,
      v?.operatorKeyring?.secret?.secretName,
      v?.operatorKeyring?.secret?.passphraseSecretRef.secretName,
    ]) {
      expect(secret).toBeTruthy();
      expect(text).not.toContain(secret as string);
    }
    expect(job.spec.template.spec.volumes.map((vol) => vol.name)).toEqual([
      'data',
      'sidecar-tmp',
      'rbac-proxy-config',
    ]);
    for (const c of allContainers(job)) {
      expect(c.env?.filter((e) => e.name.startsWith('SEI_KEYRING_')) ?? []).toEqual([]);
      expect(c.env?.some((e) => e.valueFrom?.secretKeyRef)).toBeFalsy();
      expect(c.envFrom).toBeUndefined();
    }
    expect(bootstrapSecretViolations(node, job as never)).toEqual([]);
  });

  it('the guard reports a forbidden Secret in a volume, a projected volume, env or envFrom', () => {
    const node = bootstrapValidator();
    const v = node.spec.validator;
    const signing = v?.signingKey?.secret?.secretName as string;
    const keyring = v?.operatorKeyring?.secret?.secretName as string;
    const passphrase = v?.operatorKeyring?.secret?.passphraseSecretRef.secretName as string;
    const job = structuredClone(jobOf(node)) as JobJson;
    const pod = job.spec.template.spec;
    pod.volumes.push({ name: 'k', secret: { secretName: signing } });
    pod.volumes.push({ name: 'p', projected: { sources: [{ secret: { name: keyring } }] } } as never);
    pod.containers[0]?.env?.push({ name: 'PW', valueFrom: { secretKeyRef: { name: passphrase } } });
    (pod.initContainers[1] as Container).envFrom = [{ secretRef: { name: keyring } }];
    const problems = bootstrapSecretViolations(node, job as never);
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/volume k .*signing key/);
    expect(problems.join('\n')).toMatch(/volume p .*operator keyring Secret/);
    expect(problems.join('\n')).toMatch(/seid .*passphrase.*env PW/);
    expect(problems.join('\n')).toMatch(/sei-sidecar .*envFrom/);
    // The node key is not forbidden by the guard (reference §4.6), only never mounted.
    const nodeKeyJob = structuredClone(jobOf(node)) as JobJson;
    nodeKeyJob.spec.template.spec.volumes.push({
      name: 'nk',
      secret: { secretName: v?.nodeKey?.secret?.secretName },
    });
    expect(bootstrapSecretViolations(node, nodeKeyJob as never)).toEqual([]);
  });

  it('refuses to render without s3.targetHeight', () => {
    const node = exampleNode('state-sync-full-node.yaml');
    expect(() => renderBootstrapJob(node, platform)).toThrow(/s3.targetHeight > 0/);
  });

  it('needsBootstrap: bootstrapImage with s3.targetHeight, never for a genesis ceremony', () => {
    expect(needsBootstrap(bootstrapFullNode())).toBe(true);
    expect(needsBootstrap(exampleNode('pacific-1-rpc-node.yaml'))).toBe(false);
    expect(needsBootstrap(exampleNode('archive-node.yaml'))).toBe(false);
    expect(needsBootstrap(bootstrapValidator())).toBe(true);
    const ceremony = bootstrapValidator();
    ceremony.spec.validator = {
      ...ceremony.spec.validator,
      genesisCeremony: { chainId: 'x', stakingAmount: '1usei', accountBalance: '1usei', index: 0 },
    };
    expect(needsBootstrap(ceremony)).toBe(false);
  });

  it('Service: headless <name>, api 8443, bootstrap selector, publishNotReadyAddresses', () => {
    const node = bootstrapFullNode();
    node.metadata.uid = 'u-2';
    const svc = renderBootstrapService(node) as unknown as {
      metadata: { name: string; labels: Record<string, string>; ownerReferences: { uid: string }[] };
      spec: Record<string, unknown>;
    };
    const labels = { 'sei.io/node': 'pacific-1-rpc-0', 'sei.io/component': 'bootstrap' };
    expect(svc.metadata.name).toBe('pacific-1-rpc-0');
    expect(svc.metadata.labels).toEqual(labels);
    expect(svc.metadata.ownerReferences.map((r) => r.uid)).toEqual(['u-2']);
    expect(svc.spec).toEqual({
      type: 'ClusterIP',
      clusterIP: 'None',
      selector: labels,
      publishNotReadyAddresses: true,
      ports: [{ name: 'api', port: 8443, targetPort: 8443, protocol: 'TCP' }],
    });
  });
});

describe('bootstrapSeidScript (run with bash, a fake sidecar and a fake seid)', () => {
  let server: Server;
  let port = 0;
  let bin: string;

  beforeAll(async () => {
    server = createServer((sock) => {
      sock.once('data', () => sock.end('HTTP/1.0 200 OK\r\n\r\nok'));
      sock.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    bin = mkdtempSync(join(tmpdir(), 'fake-seid-'));
    // The fake seid records its arguments and exits with $FAKE_SEID_EXIT.
    writeFileSync(join(bin, 'seid'), '#!/bin/bash\necho "args: $*"\nexit "$FAKE_SEID_EXIT"\n');
    chmodSync(join(bin, 'seid'), 0o755);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function run(exitCode: number): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/bash', ['-c', bootstrapSeidScript(port, 4242)], {
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/tmp/home', FAKE_SEID_EXIT: String(exitCode) },
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
  }

  it('maps the halt-height exit code 130 to success', async () => {
    const { code, out } = await run(130);
    expect(out).toContain('args: start --home /tmp/home --halt-height 4242');
    expect(out).toContain('seid halted at height 4242');
    expect(code).toBe(0);
  });

  it('passes any other exit code through (the Job fails)', async () => {
    expect((await run(3)).code).toBe(3);
    expect((await run(0)).code).toBe(0);
  });
});
