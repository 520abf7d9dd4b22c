import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeClient } from '../../controller/kube/client';
import { defineResource, findResource } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';
import { installCrds } from '../support/control-plane/index';
import { adminClient, ensureNamespace } from '../support/controller-harness';
import { exampleFiles } from '../support/examples';
import { HTTPROUTE_CRD } from '../support/gateway-api-crd';
import { PROMETHEUS_RULE_CRD } from '../support/prometheus-rule-crd';

const RBAC = 'rbac.authorization.k8s.io/v1';
const extra = [
  defineResource(RBAC, 'ClusterRole', 'clusterroles', false),
  defineResource(RBAC, 'ClusterRoleBinding', 'clusterrolebindings', false),
  defineResource(RBAC, 'Role', 'roles'),
  defineResource(RBAC, 'RoleBinding', 'rolebindings'),
  defineResource('apps/v1', 'Deployment', 'deployments'),
  defineResource('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
  defineResource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'httproutes'),
  defineResource('monitoring.coreos.com/v1', 'PrometheusRule', 'prometheusrules'),
];
const resourceOf = (o: KubeObject) =>
  findResource(o.apiVersion ?? '', o.kind ?? '') ??
  extra.find((r) => r.apiVersion === o.apiVersion && r.kind === o.kind);

function docs(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubeObject)
    .filter(Boolean);
}

let out: string;
let admin: KubeClient;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'sei-synth-'));
  // The real `npm run synth` command line, into a temp output directory.
  execFileSync('npx', ['cdk8s', 'synth', '--check-upgrade=false', '--output', out], {
    stdio: 'pipe',
    env: process.env,
  });
  admin = adminClient();
  // The Gateway API is not part of Kubernetes: install the HTTPRoute CRD the previews need.
  await installCrds(admin.kubeConfig, [HTTPROUTE_CRD, PROMETHEUS_RULE_CRD]);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run synth output', () => {
  it('writes the install manifests, a kustomize base and a preview per example', () => {
    expect(readdirSync(out).sort()).toEqual(['Kustomization', 'install.k8s.yaml', 'previews']);
    expect(readdirSync(join(out, 'previews')).sort()).toEqual(
      exampleFiles().map((f) => f.replace(/\.yaml$/, '.k8s.yaml')),
    );
    expect(readFileSync(join(out, 'Kustomization'), 'utf8')).toContain('- install.k8s.yaml');
  });

  it('install manifests pass a server-side dry-run apply on the real API server', async () => {
    const objs = docs(join(out, 'install.k8s.yaml'));
    expect(objs.map((o) => o.kind)).toEqual(
      expect.arrayContaining([
        'CustomResourceDefinition',
        'Namespace',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'Role',
        'RoleBinding',
        'Deployment',
        'Service',
        'NetworkPolicy',
        'PrometheusRule',
      ]),
    );
    // A dry-run Namespace is not persisted, so create it for real before dry-running what lives in it.
    const ns = objs.find((o) => o.kind === 'Namespace')?.metadata?.name as string;
    await ensureNamespace(admin, ns);
    for (const o of objs) {
      const resource = resourceOf(o);
      expect(resource, `${o.apiVersion} ${o.kind}`).toBeDefined();
      if (!resource) continue;
      await expect(
        admin.apply(resource, o, { dryRun: 'All', fieldManager: 'kubectl' }),
        `${o.kind}/${o.metadata?.name}`,
      ).resolves.toBeDefined();
    }
  });

  it('preview manifests are valid for the real API server (server-side dry run)', async () => {
    for (const file of readdirSync(join(out, 'previews'))) {
      for (const o of docs(join(out, 'previews', file))) {
        const resource = resourceOf(o);
        if (!resource) throw new Error(`${file}: no resource for ${o.apiVersion} ${o.kind}`);
        await expect(
          admin.apply(resource, o, { dryRun: 'All', fieldManager: 'preview' }),
          `${file}: ${o.kind}/${o.metadata?.name}`,
        ).resolves.toBeDefined();
      }
    }
  });
});
