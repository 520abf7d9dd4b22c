import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SeiNode, SeiNodeDeployment, TaskPlan } from '../constructs/api/types';
import { planMetricLabel } from './seinode/planner';

const NODE_PHASES = ['Pending', 'Initializing', 'Running', 'Failed', 'Terminating'] as const;
const DEPLOYMENT_PHASES = [
  'Pending',
  'Initializing',
  'Ready',
  'Upgrading',
  'Degraded',
  'Failed',
  'Paused',
  'Terminating',
] as const;

/** Sources the scrape-time gauges read (the informer caches): never a stored counter that can drift. */
export interface SeiMetricsSources {
  nodes(): readonly SeiNode[];
  deployments(): readonly SeiNodeDeployment[];
  isLeader(): boolean;
}

/**
 * The Sei-specific Prometheus metrics, named after the reference's OTel instruments with the
 * Prometheus exporter's rules (reference-seinode.md §7; mapping in docs/operations.md), with its two
 * bugs fixed: phase duration measures the time spent in the phase being left (it recorded ~0), and
 * active plans are counted from the caches at scrape time (the UpDownCounter drifted).
 */
export class SeiMetrics {
  readonly planDuration: Histogram<'controller' | 'namespace' | 'plan_type' | 'outcome'>;
  readonly phaseTransitions: Counter<'controller' | 'namespace' | 'from_phase' | 'to_phase'>;
  readonly phaseDuration: Histogram<'namespace' | 'chain_id' | 'phase'>;
  readonly sidecarProbes: Counter<'controller' | 'namespace' | 'outcome'>;

  constructor(registry: Registry, sources: SeiMetricsSources) {
    this.planDuration = new Histogram({
      name: 'sei_controller_plan_duration_seconds',
      help: 'Duration of finished plans, from creation to completion or failure, by plan type and outcome.',
      labelNames: ['controller', 'namespace', 'plan_type', 'outcome'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    });
    this.phaseTransitions = new Counter({
      name: 'sei_controller_seinode_phase_transitions_total',
      help: 'SeiNode phase transitions.',
      labelNames: ['controller', 'namespace', 'from_phase', 'to_phase'],
      registers: [registry],
    });
    this.phaseDuration = new Histogram({
      name: 'sei_controller_seinode_phase_duration_seconds',
      help: 'Time a SeiNode spent in the phase it just left.',
      labelNames: ['namespace', 'chain_id', 'phase'],
      buckets: [10, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 21600],
      registers: [registry],
    });
    this.sidecarProbes = new Counter({
      name: 'sei_controller_seinode_sidecar_health_probes_total',
      help: 'Sidecar /v0/healthz probes of Running nodes by outcome (ready, not_ready, unreachable, tls_error).',
      labelNames: ['controller', 'namespace', 'outcome'],
      registers: [registry],
    });
    new Gauge({
      name: 'sei_controller_plan_active',
      help: 'Plans currently Active, by controller and namespace (counted from the caches at scrape).',
      labelNames: ['controller', 'namespace'],
      registers: [registry],
      collect() {
        this.reset();
        for (const n of sources.nodes())
          if (n.status?.plan?.phase === 'Active')
            this.inc({ controller: 'seinode', namespace: n.metadata.namespace ?? '' });
        for (const d of sources.deployments())
          if (d.status?.plan?.phase === 'Active')
            this.inc({ controller: 'seinodedeployment', namespace: d.metadata.namespace ?? '' });
      },
    });
    new Gauge({
      name: 'sei_controller_plan_age_seconds',
      help: 'Age of each Active plan (alert on plans that do not finish).',
      labelNames: ['controller', 'namespace', 'name', 'plan_type'],
      registers: [registry],
      collect() {
        this.reset();
        const now = Date.now();
        const observe = (controller: string, o: SeiNode | SeiNodeDeployment) => {
          const plan = o.status?.plan;
          if (plan?.phase !== 'Active' || !plan.startedAt) return;
          this.set(
            {
              controller,
              namespace: o.metadata.namespace ?? '',
              name: o.metadata.name ?? '',
              plan_type: planMetricLabel(plan),
            },
            Math.max(0, (now - Date.parse(plan.startedAt)) / 1000),
          );
        };
        for (const n of sources.nodes()) observe('seinode', n);
        for (const d of sources.deployments()) observe('seinodedeployment', d);
      },
    });
    new Gauge({
      name: 'sei_controller_seinode_phase',
      help: '1 for the current phase of each SeiNode, 0 for the others.',
      labelNames: ['namespace', 'name', 'phase'],
      registers: [registry],
      collect() {
        this.reset();
        for (const n of sources.nodes()) {
          const cur = n.status?.phase || 'Pending';
          for (const p of NODE_PHASES)
            this.set(
              { namespace: n.metadata.namespace ?? '', name: n.metadata.name ?? '', phase: p },
              p === cur ? 1 : 0,
            );
        }
      },
    });
    new Gauge({
      name: 'sei_controller_seinodedeployment_phase',
      help: '1 for the current phase of each SeiNodeDeployment, 0 for the others.',
      labelNames: ['namespace', 'name', 'phase'],
      registers: [registry],
      collect() {
        this.reset();
        for (const d of sources.deployments()) {
          const cur = d.status?.phase || 'Pending';
          for (const p of DEPLOYMENT_PHASES)
            this.set(
              { namespace: d.metadata.namespace ?? '', name: d.metadata.name ?? '', phase: p },
              p === cur ? 1 : 0,
            );
        }
      },
    });
    new Gauge({
      name: 'sei_controller_seinodedeployment_replicas',
      help: 'Desired and ready replicas of each SeiNodeDeployment.',
      labelNames: ['namespace', 'name', 'replica_state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const d of sources.deployments()) {
          const labels = { namespace: d.metadata.namespace ?? '', name: d.metadata.name ?? '' };
          this.set({ ...labels, replica_state: 'desired' }, d.spec.replicas ?? 1);
          this.set({ ...labels, replica_state: 'ready' }, d.status?.readyReplicas ?? 0);
        }
      },
    });
    new Gauge({
      name: 'sei_controller_seinode_sidecar_ready',
      help: '1 when the SeiNode SidecarReady condition is True, else 0 (Running nodes).',
      labelNames: ['namespace', 'name'],
      registers: [registry],
      collect() {
        this.reset();
        for (const n of sources.nodes()) {
          if (n.status?.phase !== 'Running') continue;
          const ready = n.status.conditions?.find((c) => c.type === 'SidecarReady')?.status === 'True';
          this.set({ namespace: n.metadata.namespace ?? '', name: n.metadata.name ?? '' }, ready ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'sei_controller_leader',
      help: '1 while this controller instance holds the leader Lease (or runs without election).',
      registers: [registry],
      collect() {
        this.set(sources.isLeader() ? 1 : 0);
      },
    });
  }

  /** Records a finished plan of a SeiNode or SeiNodeDeployment. */
  planFinished(
    controller: 'seinode' | 'seinodedeployment',
    plan: TaskPlan,
    namespace: string,
    now: Date,
  ): void {
    if (!plan.startedAt || (plan.phase !== 'Complete' && plan.phase !== 'Failed')) return;
    const seconds = Math.max(0, (now.getTime() - Date.parse(plan.startedAt)) / 1000);
    this.planDuration.observe(
      {
        controller,
        namespace,
        plan_type: planMetricLabel(plan),
        outcome: plan.phase === 'Complete' ? 'complete' : 'failed',
      },
      seconds,
    );
  }

  /** Records a phase transition and how long the node was in the phase it left. */
  phaseChanged(node: SeiNode, from: string, to: string, enteredFromAt: string | undefined, now: Date): void {
    const namespace = node.metadata.namespace ?? '';
    this.phaseTransitions.inc({
      controller: 'seinode',
      namespace,
      from_phase: from || 'Pending',
      to_phase: to,
    });
    if (enteredFromAt) {
      this.phaseDuration.observe(
        { namespace, chain_id: node.spec.chainId, phase: from || 'Pending' },
        Math.max(0, (now.getTime() - Date.parse(enteredFromAt)) / 1000),
      );
    }
  }
}
