import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONTROLLER_METRICS_PORT, CONTROLLER_SELECTOR } from './controller-deployment';

/** Props of {@link MetricsService}. */
export interface MetricsServiceProps {
  /** Namespace the controller runs in. */
  readonly namespace: string;
  /**
   * Service name.
   * @default 'sei-k8s-controller-metrics'
   */
  readonly name?: string;
}

/**
 * ClusterIP Service in front of the controller's Prometheus endpoint (port `metrics` 8080), and a
 * NetworkPolicy that admits scrapes only from namespaces labelled `metrics: enabled` (the
 * kubebuilder convention the reference uses).
 */
export class MetricsService extends Construct {
  constructor(scope: Construct, id: string, props: MetricsServiceProps) {
    super(scope, id);
    const name = props.name ?? 'sei-k8s-controller-metrics';
    new k8s.KubeService(this, 'Resource', {
      metadata: { name, namespace: props.namespace, labels: CONTROLLER_SELECTOR },
      spec: {
        type: 'ClusterIP',
        selector: CONTROLLER_SELECTOR,
        ports: [
          {
            name: 'metrics',
            port: CONTROLLER_METRICS_PORT,
            targetPort: k8s.IntOrString.fromString('metrics'),
            protocol: 'TCP',
          },
        ],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: `${name}-allow-scrape`, namespace: props.namespace, labels: CONTROLLER_SELECTOR },
      spec: {
        podSelector: { matchLabels: CONTROLLER_SELECTOR },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { metrics: 'enabled' } } }],
            ports: [{ port: k8s.IntOrString.fromNumber(CONTROLLER_METRICS_PORT), protocol: 'TCP' }],
          },
        ],
      },
    });
  }
}
