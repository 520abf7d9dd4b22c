import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ControllerDeployment } from '../../../constructs/install/controller-deployment';
import { ControllerRbac } from '../../../constructs/install/controller-rbac';
import { MetricsService } from '../../../constructs/install/metrics-service';
import { CONTROLLER_PERMISSIONS, policyRules } from '../../../constructs/install/permissions';
import {
  EXAMPLE_PLATFORM_CONFIG as platform,
  platformConfigToEnv,
} from '../../../constructs/platform-config';

describe('install constructs', () => {
  it('ControllerRbac grants exactly the permission table', () => {
    const chart = Testing.chart();
    new ControllerRbac(chart, 'rbac', { namespace: 'sei-system' });
    const objs = Testing.synth(chart);
    expect(objs).toMatchSnapshot();
    const clusterRole = objs.find(
      (o) => o.kind === 'ClusterRole' && o.metadata.name === 'sei-k8s-controller',
    );
    const granted = new Set<string>();
    for (const r of clusterRole.rules)
      for (const g of r.apiGroups)
        for (const res of r.resources) for (const v of r.verbs) granted.add(`${g}/${res}:${v}`);
    const wanted = new Set<string>();
    for (const p of CONTROLLER_PERMISSIONS.filter((p) => p.scope !== 'leader-election'))
      for (const v of p.verbs) wanted.add(`${p.apiGroup}/${p.resource}:${v}`);
    expect([...granted].sort()).toEqual([...wanted].sort());
    const role = objs.find((o) => o.kind === 'Role');
    expect(role.metadata.namespace).toBe('sei-system');
    expect(role.rules).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      },
    ]);
  });

  it('policyRules groups by api group and verb set', () => {
    expect(
      policyRules([
        { apiGroup: '', resource: 'pods', verbs: ['get', 'list'], why: '' },
        { apiGroup: '', resource: 'configmaps', verbs: ['list', 'get'], why: '' },
        { apiGroup: 'apps', resource: 'statefulsets', verbs: ['get'], why: '' },
      ]),
    ).toEqual([
      { apiGroups: [''], resources: ['configmaps', 'pods'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get'] },
    ]);
  });

  it('ControllerDeployment renders the platform env and downward-API POD_IP', () => {
    const chart = Testing.chart();
    new ControllerDeployment(chart, 'ctl', {
      namespace: 'sei-system',
      image: 'ctl:1',
      serviceAccountName: 'sei-k8s-controller',
      platform,
    });
    const [deploy] = Testing.synth(chart);
    expect(deploy).toMatchSnapshot();
    const c = deploy.spec.template.spec.containers[0];
    const env = Object.fromEntries(
      c.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [
        e.name,
        e.value ?? e.valueFrom,
      ]),
    );
    for (const [k, v] of Object.entries(platformConfigToEnv(platform))) expect(env[k]).toBe(v);
    expect(env.POD_IP).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      runAsUser: 65532,
    });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8081 });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 8081 });
    expect(deploy.spec.selector.matchLabels).toEqual(deploy.spec.template.metadata.labels);
  });

  it('MetricsService', () => {
    const chart = Testing.chart();
    new MetricsService(chart, 'm', { namespace: 'sei-system' });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});

describe('ControllerPrometheusRule', () => {
  it('alerts on series the controller exports (snapshot)', async () => {
    const { ControllerPrometheusRule } = await import('../../../constructs/install/prometheus-rule');
    const chart = Testing.chart();
    new ControllerPrometheusRule(chart, 'rule', { namespace: 'sei-system' });
    const [rule] = Testing.synth(chart);
    expect(rule).toMatchSnapshot();
    const alerts = rule.spec.groups[0].rules.map((r: { alert: string }) => r.alert);
    expect(alerts).toEqual([
      'SeiNodeFailed',
      'SeiPlanStuck',
      'SeiSidecarUnreachable',
      'SeiControllerReconcileErrors',
      'SeiControllerNoLeader',
    ]);
  });
});
