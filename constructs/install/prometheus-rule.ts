import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Props of {@link ControllerPrometheusRule}. */
export interface ControllerPrometheusRuleProps {
  /** Namespace the controller runs in. */
  readonly namespace: string;
  /**
   * Rule name.
   * @default 'sei-k8s-controller'
   */
  readonly name?: string;
  /**
   * How long an Active plan may run before it is reported as stuck (seconds).
   * @default 3600
   */
  readonly stuckPlanSeconds?: number;
}

/** One alerting rule. */
interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
  readonly description: string;
}

/**
 * Prometheus Operator `PrometheusRule` (monitoring.coreos.com/v1) with the alerts an operator of Sei
 * nodes needs, on the controller's own metrics (docs/operations.md): failed nodes, stuck plans,
 * unreachable sidecars, reconcile errors, no leader. (The reference alerted on two metrics that no
 * longer existed; every expression here is on a series this controller exports.)
 */
export class ControllerPrometheusRule extends Construct {
  constructor(scope: Construct, id: string, props: ControllerPrometheusRuleProps) {
    super(scope, id);
    const stuck = props.stuckPlanSeconds ?? 3600;
    const rules: AlertRule[] = [
      {
        alert: 'SeiNodeFailed',
        expr: 'max by (namespace, name) (sei_controller_seinode_phase{phase="Failed"}) == 1',
        for: '5m',
        severity: 'critical',
        summary: 'SeiNode {{ $labels.namespace }}/{{ $labels.name }} is Failed',
        description: 'Its init plan failed. See status.plan.failedTaskDetail; edit the spec to retry.',
      },
      {
        alert: 'SeiPlanStuck',
        expr: `max by (controller, namespace, name, plan_type) (sei_controller_plan_age_seconds) > ${stuck}`,
        for: '10m',
        severity: 'warning',
        summary:
          '{{ $labels.plan_type }} plan of {{ $labels.namespace }}/{{ $labels.name }} has run for over ' +
          `${Math.round(stuck / 60)}m`,
        description: 'The current task has not finished; check status.plan and the task error.',
      },
      {
        alert: 'SeiSidecarUnreachable',
        expr: 'max by (namespace, name) (sei_controller_seinode_sidecar_ready) == 0',
        for: '10m',
        severity: 'warning',
        summary: 'Sidecar of {{ $labels.namespace }}/{{ $labels.name }} is not ready',
        description:
          'SidecarReady is not True on a Running node (unreachable, TLS refused, or not marked ready).',
      },
      {
        alert: 'SeiControllerReconcileErrors',
        expr: 'sum by (controller) (rate(controller_runtime_reconcile_errors_total[10m])) > 0.1',
        for: '15m',
        severity: 'warning',
        summary: '{{ $labels.controller }} reconciles keep failing',
        description: 'More than one reconcile error every 10 s for 15 minutes; see the controller logs.',
      },
      {
        alert: 'SeiControllerNoLeader',
        expr: '(sum(sei_controller_leader) or vector(0)) < 1',
        for: '5m',
        severity: 'critical',
        summary: 'No sei-k8s-controller instance holds the leader Lease',
        description: 'Nothing reconciles SeiNodes; check the controller pods and the Lease.',
      },
    ];
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: props.name ?? 'sei-k8s-controller',
        namespace: props.namespace,
        labels: { 'app.kubernetes.io/name': 'sei-k8s-controller' },
      },
      spec: {
        groups: [
          {
            name: 'sei-k8s-controller',
            rules: rules.map((r) => ({
              alert: r.alert,
              expr: r.expr,
              for: r.for,
              labels: { severity: r.severity },
              annotations: { summary: r.summary, description: r.description },
            })),
          },
        ],
      },
    });
  }
}
