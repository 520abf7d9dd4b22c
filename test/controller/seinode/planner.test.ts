import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../../constructs/render';
import { SeiNodeSidecarCertificate } from '../../../constructs/seinode/sidecar-certificate';
import { taskId } from '../../../controller/planner/plan';
import { desiredState } from '../../../controller/seinode/desired-state';
import {
  buildInitPlan,
  buildNodeUpdatePlan,
  type DriftKind,
  detectDrift,
  nodeUpdateReason,
  type PlanInputs,
  planMetricLabel,
  tlsKey,
} from '../../../controller/seinode/planner';
import { exampleNode } from '../../support/examples';

const now = new Date('2026-11-20T12:00:00Z');
const TLS_A = { issuerName: 'sei-ca', issuerKind: 'Issuer' as const };

function node(mutate: (n: SeiNode) => void = () => {}): SeiNode {
  const n = exampleNode('state-sync-full-node.yaml');
  n.metadata.uid = '0b7a5a4e-1d7e-4b39-9a8e-4f6f3a2b1c0d';
  mutate(n);
  return n;
}

function inputs(n: SeiNode): PlanInputs {
  return {
    node: n,
    platform,
    peers: [],
    desired: desiredState(n, renderSeiNodeWorkload(n, platform)),
    maxRetries: () => 0,
    now,
  };
}

/** A Running node converged on its current spec, then `edit` applied to its spec. */
function converged(
  edit: (n: SeiNode) => void,
  status: Partial<NonNullable<SeiNode['status']>> = {},
): SeiNode {
  const n = node();
  const d = desiredState(n, renderSeiNodeWorkload(n, platform));
  n.status = {
    phase: 'Running',
    currentImage: d.image,
    currentPodTemplateHash: d.podTemplateHash,
    currentConfigHash: d.configHash,
    ...status,
  };
  edit(n);
  return n;
}

const driftOf = (n: SeiNode) => detectDrift(n, desiredState(n, renderSeiNodeWorkload(n, platform)));

describe('sidecar TLS drift detector matrix (spec × status × issuer name/kind × nil)', () => {
  const cases: {
    name: string;
    spec?: typeof TLS_A;
    status?: { issuerName: string; issuerKind: 'Issuer' | 'ClusterIssuer' };
    drift: boolean;
  }[] = [
    { name: 'nil / nil', drift: false },
    { name: 'enable: spec set, status nil', spec: TLS_A, drift: true },
    { name: 'disable: spec nil, status set', status: TLS_A, drift: true },
    { name: 'same issuer', spec: TLS_A, status: TLS_A, drift: false },
    {
      name: 'issuer name change',
      spec: TLS_A,
      status: { issuerName: 'other-ca', issuerKind: 'Issuer' },
      drift: true,
    },
    {
      name: 'issuer kind change',
      spec: TLS_A,
      status: { issuerName: 'sei-ca', issuerKind: 'ClusterIssuer' },
      drift: true,
    },
    {
      name: 'kind defaulted on the spec side',
      spec: { issuerName: 'sei-ca' } as typeof TLS_A,
      status: { issuerName: 'sei-ca', issuerKind: 'Issuer' },
      drift: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const n = converged(
        (x) => {
          if (c.spec) x.spec.sidecar = { ...x.spec.sidecar, tls: c.spec };
        },
        c.status ? { currentSidecarTLS: c.status } : {},
      );
      expect(driftOf(n).includes('sidecarTLS')).toBe(c.drift);
    });
  }
  it('tlsKey defaults the kind to Issuer', () => {
    expect(tlsKey({ issuerName: 'a' })).toBe('Issuer/a');
    expect(tlsKey(undefined)).toBe('');
  });
});

describe('NodeUpdate plan composition', () => {
  const types = (n: SeiNode, drift: DriftKind[]) =>
    buildNodeUpdatePlan(inputs(n), drift).tasks.map((t) => t.type);

  it('image only', () => {
    const n = converged((x) => (x.spec.image = 'ghcr.io/sei-protocol/sei:v7'));
    expect(driftOf(n)).toEqual(['image']);
    expect(types(n, ['image'])).toEqual([
      'apply-rbac-proxy-config',
      'apply-statefulset',
      'apply-service',
      'replace-pod',
      'observe-image',
      'mark-ready',
    ]);
  });

  it('TLS only (enable): cert pre-tasks, observer before any sidecar call, one pod cycle', () => {
    const n = converged((x) => (x.spec.sidecar = { tls: TLS_A }));
    const drift = driftOf(n);
    expect(drift).toEqual(['podTemplate', 'sidecarTLS']);
    expect(types(n, drift)).toEqual([
      'apply-sidecar-cert',
      'wait-for-sidecar-tls-secret',
      'apply-rbac-proxy-config',
      'apply-statefulset',
      'apply-service',
      'replace-pod',
      'observe-image',
      'observe-sidecar-tls',
      'mark-ready',
    ]);
  });

  it('image + TLS in one edit: one plan, one replace-pod, both observers', () => {
    const n = converged((x) => {
      x.spec.image = 'ghcr.io/sei-protocol/sei:v7';
      x.spec.sidecar = { tls: TLS_A };
    });
    const t = types(n, driftOf(n));
    expect(t.filter((x) => x === 'replace-pod')).toHaveLength(1);
    expect(t).toContain('observe-image');
    expect(t.indexOf('observe-sidecar-tls')).toBeLessThan(t.indexOf('mark-ready'));
  });

  it('disable: no cert pre-tasks, the Certificate is deleted after the new pod is ready', () => {
    const n = converged(() => {}, { currentSidecarTLS: TLS_A });
    const t = types(n, driftOf(n));
    expect(t[0]).toBe('apply-rbac-proxy-config');
    expect(t.at(-1)).toBe('delete-sidecar-cert');
    expect(t.indexOf('observe-sidecar-tls')).toBeGreaterThan(t.indexOf('replace-pod'));
  });

  it('is idempotent when rebuilt mid-flight: same plan id → same task ids and params', () => {
    const n = converged((x) => (x.spec.sidecar = { tls: TLS_A }));
    const a = buildNodeUpdatePlan(inputs(n), driftOf(n));
    const b = buildNodeUpdatePlan(inputs(n), driftOf(n));
    expect(a.id).not.toBe(b.id);
    expect(a.tasks.map((t) => [t.type, t.params])).toEqual(b.tasks.map((t) => [t.type, t.params]));
    for (const [i, t] of a.tasks.entries()) expect(t.id).toBe(taskId(a.id as string, t.type, i));
  });
});

describe('reasons and metric labels', () => {
  it('discriminates update, TLS toggle, both, and disable', () => {
    expect(nodeUpdateReason(['image'], false)).toBe('UpdateStarted');
    expect(nodeUpdateReason(['podTemplate'], false)).toBe('UpdateStarted');
    expect(nodeUpdateReason(['podTemplate', 'sidecarTLS'], true)).toBe('TLSToggleStarted');
    expect(nodeUpdateReason(['image', 'podTemplate', 'sidecarTLS'], true)).toBe('UpdateAndTLSToggleStarted');
    expect(nodeUpdateReason(['podTemplate', 'sidecarTLS'], false)).toBe('TLSDisableStarted');
    expect(nodeUpdateReason(['config', 'sidecarTLS'], false)).toBe('UpdateAndTLSDisableStarted');
  });

  it('labels TLS-only and TLS+image plans distinctly', () => {
    const n = converged(() => {});
    const plan = (drift: DriftKind[]) => buildNodeUpdatePlan(inputs(n), drift);
    expect(planMetricLabel(plan(['image']))).toBe('node-update');
    expect(planMetricLabel(plan(['podTemplate', 'sidecarTLS']))).toBe('tls-toggle');
    expect(planMetricLabel(plan(['image', 'podTemplate', 'sidecarTLS']))).toBe('node-update+tls-toggle');
    expect(planMetricLabel(buildInitPlan(inputs(n)))).toBe('init');
  });
});

describe('TLS at creation', () => {
  it('init plan issues the certificate and waits for its Secret before the StatefulSet', () => {
    const n = node((x) => (x.spec.sidecar = { tls: TLS_A }));
    const t = buildInitPlan(inputs(n)).tasks.map((x) => x.type);
    expect(t.indexOf('wait-for-sidecar-tls-secret')).toBeLessThan(t.indexOf('apply-statefulset'));
    expect(t.indexOf('observe-sidecar-tls')).toBeLessThan(t.indexOf('configure-genesis'));
  });

  it('renders kube-rbac-proxy on TLS from the Secret, HTTPS probes, and the Certificate (snapshot)', () => {
    const n = node((x) => (x.spec.sidecar = { tls: { issuerName: 'sei-ca', issuerKind: 'ClusterIssuer' } }));
    const sts = renderSeiNodeWorkload(n, platform).find((o) => o.kind === 'StatefulSet') as unknown as {
      spec: {
        template: {
          spec: {
            initContainers: {
              name: string;
              args: string[];
              readinessProbe: { httpGet: { scheme: string } };
            }[];
            containers: { name: string; startupProbe: { httpGet: { scheme: string } } }[];
            volumes: { name: string; secret?: { secretName: string } }[];
          };
        };
      };
    };
    const proxy = sts.spec.template.spec.initContainers.find((c) => c.name === 'kube-rbac-proxy');
    expect(proxy?.args).toContain('--secure-listen-address=0.0.0.0:8443');
    expect(proxy?.args).not.toContain('--insecure-listen-address=0.0.0.0:8443');
    expect(proxy?.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(
      sts.spec.template.spec.containers.find((c) => c.name === 'seid')?.startupProbe.httpGet.scheme,
    ).toBe('HTTPS');
    expect(sts.spec.template.spec.volumes.find((v) => v.name === 'sidecar-tls')?.secret?.secretName).toBe(
      'atlantic-2-statesync-0-sidecar-tls',
    );
    const chart = Testing.chart();
    new SeiNodeSidecarCertificate(chart, 'cert', { node: n });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});
