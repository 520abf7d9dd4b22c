import { Chart, type ChartProps } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { SeiCrds } from '../constructs/crds/sei-crds';
import { ControllerDeployment } from '../constructs/install/controller-deployment';
import { ControllerRbac } from '../constructs/install/controller-rbac';
import { MetricsService } from '../constructs/install/metrics-service';
import { ControllerPrometheusRule } from '../constructs/install/prometheus-rule';
import type { PlatformConfig } from '../constructs/platform-config';

/** Props of {@link InstallChart}. */
export interface InstallChartProps extends ChartProps {
  /**
   * Namespace the controller is installed into (created by the chart).
   * @default 'sei-k8s-controller-system'
   */
  readonly controllerNamespace?: string;
  /**
   * Controller image.
   * @default 'ghcr.io/sei-protocol/sei-k8s-controller-ts:v0.1.0'
   */
  readonly image?: string;
  /** Platform configuration rendered into the Deployment's `SEI_*` env. */
  readonly platform: PlatformConfig;
}

/**
 * Everything needed to run the controller in a cluster (SPEC §11): the CRDs, the Namespace, the
 * ServiceAccount and RBAC generated from the permission table, the Deployment (2 replicas with leader
 * election), the metrics Service with its NetworkPolicy, and the PrometheusRule with the alerts.
 */
export class InstallChart extends Chart {
  constructor(scope: Construct, id: string, props: InstallChartProps) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    const namespace = props.controllerNamespace ?? 'sei-k8s-controller-system';
    new SeiCrds(this, 'Crds');
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: namespace, labels: { 'app.kubernetes.io/name': 'sei-k8s-controller' } },
    });
    const rbac = new ControllerRbac(this, 'Rbac', { namespace });
    new ControllerDeployment(this, 'Controller', {
      namespace,
      image: props.image ?? 'ghcr.io/sei-protocol/sei-k8s-controller-ts:v0.1.0',
      serviceAccountName: rbac.serviceAccountName,
      platform: props.platform,
      replicas: 2,
      args: ['--leader-elect'],
    });
    new MetricsService(this, 'Metrics', { namespace });
    new ControllerPrometheusRule(this, 'Alerts', { namespace });
  }
}
