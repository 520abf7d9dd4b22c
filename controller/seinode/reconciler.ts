import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import {
  FINALIZER_SEINODE,
  nodeMode,
  type SeiNode,
  type SeiNodeStatus,
  type TaskPlan,
} from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { type KubeObject as Manifest, synthInMemory } from '../../constructs/render';
import { peerSources } from '../../constructs/seinode/config-intent';
import { dataPvcName } from '../../constructs/seinode/names';
import { p2pServiceName, SeiNodeP2pService } from '../../constructs/seinode/p2p-service';
import { tcpEnabled } from '../../constructs/seinodedeployment/networking';
import type { Applier } from '../apply/applier';
import type { EventRecorder } from '../events/recorder';
import type { KubeClient } from '../kube/client';
import { findResource, Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import { setCondition } from '../planner/conditions';
import type { PlanExecutor } from '../planner/executor';
import { isActive, rfc3339 } from '../planner/plan';
import type { TaskRegistry } from '../planner/registry';
import type { CacheReader, ConditionUpdate, TaskContext } from '../planner/task';
import { ensureFinalizer, removeFinalizer } from '../runtime/finalizers';
import { OwnWrites } from '../runtime/own-writes';
import type { SeiMetrics } from '../sei-metrics';
import { type SidecarClient, SidecarError } from '../sidecar/client';
import { desiredState } from './desired-state';
import { externalAddressOf, judgeRoutability } from './p2p';
import { resolvePeers } from './peers';
import {
  buildInitPlan,
  buildMarkReadyPlan,
  buildNodeUpdatePlan,
  type DesiredState,
  detectDrift,
  nodeUpdateReason,
  type PlanInputs,
} from './planner';
import { renderWorkload } from './workload-render-cache';

/** Dependencies of {@link SeiNodeReconciler}. */
export interface SeiNodeReconcilerDeps {
  readonly client: KubeClient;
  readonly cache: CacheReader;
  /** Applies rendered objects (skipping provably unchanged ones). */
  readonly applier: Applier;
  readonly platform: PlatformConfig;
  readonly recorder: EventRecorder;
  readonly log: Logger;
  readonly registry: TaskRegistry;
  readonly executor: PlanExecutor;
  /** The sidecar client of a node. */
  readonly sidecarFor: (node: SeiNode) => SidecarClient;
  /** Clock. @default () => new Date() */
  readonly now?: () => Date;
  /** Sidecar health probe timeout (ms). @default 2000 */
  readonly probeTimeoutMs?: number;
  /** How often a Running node's sidecar is probed (ms). @default 30000 */
  readonly probeIntervalMs?: number;
  /**
   * The controller's own pod IP (downward API `POD_IP`), judged by the VPC-CIDR gate before a node's
   * pod exists (same CNI).
   * @default process.env.POD_IP
   */
  readonly controllerPodIp?: string;
  /** Called when a plan reaches a terminal phase (metrics). */
  readonly onPlanFinished?: (plan: TaskPlan, node: SeiNode) => void;
  /** Prometheus metrics (phase transitions and durations, sidecar probes). */
  readonly metrics?: SeiMetrics;
}

/** Result of one reconcile. */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

/**
 * Reconciles one SeiNode (SPEC §4–§5, §10): read from the cache → resolve peers and the desired
 * state (in-memory synth of the same constructs `cdk8s synth` previews) → run or build the plan →
 * write status once, locked on resourceVersion. Level-triggered and idempotent; a converged node
 * writes nothing.
 *
 * Plans: Init (Pending → Initializing → Running | Failed); NodeUpdate on any drift (one pod cycle);
 * MarkReady when a Running node's sidecar lost its ready flag. A new plan is persisted before any of
 * its tasks run. A Failed node, or a NodeUpdate that failed, is retried when the spec changes.
 */
export class SeiNodeReconciler {
  private readonly now: () => Date;
  /** Versions our own status writes replaced (see {@link OwnWrites}). */
  private readonly ownWrites = new OwnWrites();

  constructor(private readonly deps: SeiNodeReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * @throws ConflictError when the SeiNode changed during the reconcile (retried by the queue);
   *   transient task and API errors after progress has been persisted (retried with backoff)
   */
  async reconcile(
    req: { namespace: string; name: string },
    signal?: AbortSignal,
  ): Promise<ReconcileResult | undefined> {
    const cached = this.deps.cache.get<SeiNode>(Resources.SeiNode, req.namespace, req.name);
    if (!cached) return undefined;
    const log = this.deps.log.child({ kind: 'SeiNode', namespace: req.namespace, name: req.name });
    const key = `${req.namespace}/${req.name}`;
    if (this.ownWrites.isStale(key, cached.metadata.resourceVersion)) return { requeueAfterMs: 25 };
    if (cached.metadata.deletionTimestamp) return this.finalize(cached, log, signal);

    const node: SeiNode = await ensureFinalizer(
      this.deps.client,
      Resources.SeiNode,
      structuredClone(cached),
      FINALIZER_SEINODE,
      signal,
    );
    const before: SeiNodeStatus = structuredClone(node.status ?? {});
    const step = new ReconcileStep(node, this.now());
    const status = step.status;
    const gen = node.metadata.generation;
    status.mode = nodeMode(node.spec);

    // Peers: label and seinodeDeployment sources resolved from the cache; a source that matches
    // nothing is a condition, never a wedged plan.
    const resolvable = (node.spec.peers ?? []).filter((p) => p.label || p.seinodeDeployment).length;
    const resolved = resolvePeers(node, this.deps.cache);
    if (resolvable) {
      status.resolvedPeers = [...resolved.label, ...resolved.deployment];
      step.condition(
        resolved.emptySources.length
          ? {
              type: 'PeersResolved',
              status: 'False',
              reason: 'NoPeersMatched',
              message: `nothing resolved for ${resolved.emptySources.join('; ')}`,
            }
          : {
              type: 'PeersResolved',
              status: 'True',
              reason: 'PeersResolved',
              message: `${status.resolvedPeers.length} peer(s) resolved`,
            },
      );
    } else {
      delete status.resolvedPeers;
    }
    const view = (): SeiNode => ({ ...node, status });

    // Publishable P2P (seed #360): the VPC-CIDR gate, the `<node>-p2p` Service and the address.
    const p2p = await this.reconcileP2p(node, status, step, log, signal);
    const peers = peerSources(view());

    let rendered: readonly Manifest[];
    let desired: DesiredState;
    try {
      rendered = renderWorkload(view(), this.deps.platform);
      desired = desiredState(view(), rendered);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ err: message }, 'cannot render workload');
      this.deps.recorder.event(node, 'Warning', 'RenderFailed', 'Render', message);
      return undefined;
    }
    const inputs: PlanInputs = {
      node: view(),
      platform: this.deps.platform,
      peers,
      desired,
      maxRetries: this.deps.registry.maxRetries,
      now: step.now,
      publishP2p: p2p.publish,
    };

    let requeueAfterMs: number | undefined;
    let transient: unknown;
    const paused = !!node.spec.paused;
    if (paused) {
      // Frozen: no plan runs or starts; the StatefulSet is held at 0 replicas.
      if (status.statefulSet) await this.applyRendered(rendered, signal);
    } else if (status.plan && isActive(status.plan)) {
      const res = await this.deps.executor.execute(status.plan, (task, partial) =>
        this.taskContext(view, partial, task, log, signal),
      );
      for (const c of res.conditions) step.condition(c);
      Object.assign(status, res.status);
      status.plan = res.plan;
      for (const t of res.completed) log.info({ plan: res.plan.id, task: t.type }, 'task complete');
      if (res.plan.phase === 'Complete') this.onPlanComplete(step, res.plan, node, log);
      else if (res.plan.phase === 'Failed') this.onPlanFailed(step, res.plan, node, log);
      requeueAfterMs = res.plan.phase === 'Active' ? res.requeueAfterMs : 1;
      transient = res.transientError;
      if (transient)
        log.warn(
          {
            plan: res.plan.id,
            task: res.plan.tasks.find((t) => t.status !== 'Complete')?.type,
            err: errMessage(transient),
          },
          'task error; will retry',
        );
    } else {
      const phase = status.phase ?? '';
      let plan: TaskPlan | undefined;
      if ((phase === '' || phase === 'Pending') && p2p.publish && !status.externalAddress) {
        // Service-ready gate: no StatefulSet (no plan) until the load balancer has an address, so the
        // first config render already carries p2p.external_address.
        step.setPhase('Pending');
        requeueAfterMs = 5_000;
      } else if (phase === '' || phase === 'Pending' || phase === 'Initializing') {
        plan = buildInitPlan(inputs);
        step.setPhase('Initializing');
      } else if (phase === 'Failed') {
        if (status.observedGeneration !== gen) {
          plan = buildInitPlan(inputs);
          step.setPhase('Initializing');
          this.deps.recorder.event(
            node,
            'Normal',
            'RecoveryStarted',
            'Plan',
            'spec changed on a Failed node: building a fresh init plan',
          );
        } else {
          this.deps.recorder.event(
            node,
            'Warning',
            'NodeFailed',
            'Reconcile',
            failureMessage(status.plan) ?? 'node failed; edit the spec to retry',
          );
        }
      } else if (phase === 'Running') {
        const drift = detectDrift(view(), desired);
        const updateFailedForThisSpec =
          status.plan?.type === 'NodeUpdate' &&
          status.plan.phase === 'Failed' &&
          status.observedGeneration === gen;
        if (drift.length && !updateFailedForThisSpec) {
          plan = buildNodeUpdatePlan(inputs, drift);
          step.condition({
            type: 'NodeUpdateInProgress',
            status: 'True',
            reason: nodeUpdateReason(drift, !!node.spec.sidecar?.tls),
            message: driftMessage(view(), desired, drift),
          });
        } else if (!drift.length) {
          status.observedGeneration = gen;
          await this.applyRendered(rendered, signal);
          if (await this.probeSidecar(step, view(), log)) plan = buildMarkReadyPlan(inputs);
          requeueAfterMs = this.deps.probeIntervalMs ?? 30_000;
        }
      }
      if (plan) {
        status.plan = plan;
        status.observedGeneration = gen;
        requeueAfterMs = 1; // persist first, execute on the next reconcile
        this.deps.recorder.event(
          node,
          'Normal',
          'PlanStarted',
          'Plan',
          `${plan.type} plan ${plan.id} started: ${plan.tasks.map((t) => t.type).join(', ')}`,
        );
        log.info({ plan: plan.id, type: plan.type, drift: plan.drift }, 'plan created');
      }
    }

    if (!isDeepStrictEqual(json(status), json(before))) {
      await this.deps.client.replaceStatus<SeiNode>(Resources.SeiNode, { ...node, status }, { signal });
      this.ownWrites.wrote(key, cached.metadata.resourceVersion);
      if (step.phaseChangedFrom !== undefined) {
        this.deps.recorder.event(
          node,
          'Normal',
          'PhaseTransition',
          'Reconcile',
          `Phase changed from ${step.phaseChangedFrom || 'Pending'} to ${status.phase}`,
        );
        log.info({ from: step.phaseChangedFrom, to: status.phase }, 'phase transition');
        this.deps.metrics?.phaseChanged(
          node,
          step.phaseChangedFrom,
          status.phase ?? '',
          before.phaseTransitionTime,
          step.now,
        );
      }
    }
    if (transient) throw transient;
    return requeueAfterMs ? { requeueAfterMs } : undefined;
  }

  private taskContext(
    view: () => SeiNode,
    partial: Partial<SeiNodeStatus>,
    task: TaskContext['task'],
    log: Logger,
    signal?: AbortSignal,
  ): TaskContext {
    const node = view();
    const withStatus: SeiNode = { ...node, status: { ...node.status, ...partial } };
    return {
      node: withStatus,
      task,
      params: (task.params ?? {}) as Record<string, unknown>,
      client: this.deps.client,
      cache: this.deps.cache,
      applier: this.deps.applier,
      platform: this.deps.platform,
      sidecar: () => this.deps.sidecarFor(withStatus),
      log: log.child({ plan: node.status?.plan?.id, task: task.type }),
      now: this.now,
      signal,
    };
  }

  private onPlanComplete(step: ReconcileStep, plan: TaskPlan, node: SeiNode, log: Logger): void {
    const status = step.status;
    if (plan.targetPhase) step.setPhase(plan.targetPhase as NonNullable<SeiNodeStatus['phase']>);
    if (plan.target?.image) status.currentImage = plan.target.image;
    if (plan.target?.podTemplateHash) status.currentPodTemplateHash = plan.target.podTemplateHash;
    if (plan.target?.configHash) status.currentConfigHash = plan.target.configHash;
    if (plan.type === 'NodeUpdate') {
      step.condition({
        type: 'NodeUpdateInProgress',
        status: 'False',
        reason: 'UpdateComplete',
        message: `plan ${plan.id} completed`,
      });
    }
    this.deps.recorder.event(
      node,
      'Normal',
      'PlanCompleted',
      'Plan',
      `${plan.type} plan ${plan.id} completed`,
    );
    log.info({ plan: plan.id, type: plan.type }, 'plan complete');
    this.deps.onPlanFinished?.(plan, node);
  }

  private onPlanFailed(step: ReconcileStep, plan: TaskPlan, node: SeiNode, log: Logger): void {
    if (plan.failedPhase) step.setPhase(plan.failedPhase as NonNullable<SeiNodeStatus['phase']>);
    const message = failureMessage(plan) ?? 'plan failed';
    if (plan.type === 'NodeUpdate') {
      step.condition({ type: 'NodeUpdateInProgress', status: 'False', reason: 'UpdateFailed', message });
    }
    this.deps.recorder.event(node, 'Warning', 'PlanFailed', 'Plan', message);
    log.warn(
      {
        plan: plan.id,
        type: plan.type,
        task: plan.failedTaskDetail?.type,
        err: plan.failedTaskDetail?.error,
      },
      'plan failed',
    );
    this.deps.onPlanFinished?.(plan, node);
  }

  /**
   * Publishable P2P (SPEC §7): with `networking.tcp` and a routable pod IP, apply `<node>-p2p` and
   * copy its load balancer address into `status.externalAddress` (a transiently empty ingress never
   * clears a known address). Not requested, or not routable: no Service (deleted inline when it
   * exists) and no address. An address change is config drift, rolled out by a NodeUpdate.
   */
  private async reconcileP2p(
    node: SeiNode,
    status: SeiNodeStatus,
    step: ReconcileStep,
    log: Logger,
    signal?: AbortSignal,
  ): Promise<{ publish: boolean }> {
    const name = node.metadata.name ?? '';
    const ns = node.metadata.namespace ?? 'default';
    const svcName = p2pServiceName(name);
    const live = this.deps.cache.get<KubeObject>(Resources.Service, ns, svcName);
    const owned = live?.metadata?.ownerReferences?.some((r) => r.uid === node.metadata.uid);
    const unpublish = async () => {
      if (live && owned) {
        await this.deps.client.delete(
          Resources.Service,
          { namespace: ns, name: svcName },
          { preconditions: { uid: live.metadata?.uid }, signal },
        );
        this.deps.applier.forget(Resources.Service, ns, svcName);
        log.info({ service: svcName }, 'deleted P2P Service');
      }
      delete status.externalAddress;
    };
    if (!tcpEnabled(node.spec.networking)) {
      await unpublish();
      if (status.conditions?.some((c) => c.type === 'P2PPublishable')) {
        step.condition({
          type: 'P2PPublishable',
          status: 'False',
          reason: 'NotRequested',
          message: 'spec.networking.tcp is not set',
        });
      }
      return { publish: false };
    }
    const pod = await this.deps.client.get<KubeObject>(
      Resources.Pod,
      { namespace: ns, name: `${name}-0` },
      signal,
    );
    const podIp = (pod?.status as { podIP?: string } | undefined)?.podIP;
    const verdict = podIp
      ? judgeRoutability(this.deps.platform.vpcCidrs, podIp, 'pod')
      : judgeRoutability(
          this.deps.platform.vpcCidrs,
          this.deps.controllerPodIp ?? process.env.POD_IP,
          'controller',
        );
    if (!verdict.routable) {
      await unpublish();
      step.condition({
        type: 'P2PPublishable',
        status: 'False',
        reason: verdict.reason,
        message: `${verdict.message}; the node runs unpublished`,
      });
      return { publish: false };
    }
    const [svc] = synthInMemory(
      (chart) => new SeiNodeP2pService(chart, 'p2p', { node, platform: this.deps.platform }),
    );
    if (svc) await this.deps.applier.apply(Resources.Service, svc as KubeObject, live, signal);
    const address = externalAddressOf(live);
    if (address) status.externalAddress = address;
    step.condition(
      status.externalAddress
        ? {
            type: 'P2PPublishable',
            status: 'True',
            reason: 'Published',
            message: `published at ${status.externalAddress}`,
          }
        : {
            type: 'P2PPublishable',
            status: 'False',
            reason: 'AwaitingLoadBalancer',
            message: `waiting for the load balancer of ${svcName}`,
          },
    );
    return { publish: true };
  }

  /** Re-applies the rendered workload (the Applier skips unchanged objects; drift is reverted). */
  private async applyRendered(rendered: readonly Manifest[], signal?: AbortSignal): Promise<void> {
    for (const m of rendered) {
      if (m.kind === 'PersistentVolumeClaim') continue;
      const resource = findResource(m.apiVersion, m.kind);
      if (!resource) continue;
      const live = this.deps.cache.get<KubeObject>(resource, m.metadata.namespace ?? '', m.metadata.name);
      await this.deps.applier.apply(resource, m as KubeObject, live, signal);
    }
  }

  /**
   * Probes the sidecar of a Running node (reference §2.8 probe): 200 → SidecarReady True; 503 →
   * False/NotReady and `true` (a mark-ready plan is needed); unreachable → Unknown/Unreachable; a
   * TLS verification failure → Unknown/TLSVerificationFailed.
   */
  private async probeSidecar(step: ReconcileStep, node: SeiNode, log: Logger): Promise<boolean> {
    let ready: boolean;
    try {
      ready = await this.deps
        .sidecarFor(node)
        .healthz(AbortSignal.timeout(this.deps.probeTimeoutMs ?? 2_000));
    } catch (err) {
      const msg = err instanceof SidecarError ? `${err.kind}: ${err.message}` : errMessage(err);
      // A certificate from another CA is refused, never retried in plaintext; the condition says why.
      const tls = err instanceof SidecarError && err.kind === 'tls';
      this.probeOutcome(node, tls ? 'tls_error' : 'unreachable');
      step.condition({
        type: 'SidecarReady',
        status: 'Unknown',
        reason: tls ? 'TLSVerificationFailed' : 'Unreachable',
        message: tls ? `refusing the sidecar: ${msg}` : `sidecar healthz error: ${msg}`,
      });
      log.debug({ err: msg }, 'sidecar unreachable');
      return false;
    }
    this.probeOutcome(node, ready ? 'ready' : 'not_ready');
    if (ready) {
      step.condition({
        type: 'SidecarReady',
        status: 'True',
        reason: 'Ready',
        message: 'sidecar returned 200',
      });
      return false;
    }
    step.condition({
      type: 'SidecarReady',
      status: 'False',
      reason: 'NotReady',
      message: 'sidecar returned 503, re-issuing mark-ready',
    });
    return true;
  }

  private probeOutcome(node: SeiNode, outcome: string): void {
    this.deps.metrics?.sidecarProbes.inc({
      controller: 'seinode',
      namespace: node.metadata.namespace ?? '',
      outcome,
    });
  }

  private async finalize(
    node: SeiNode,
    log: Logger,
    signal?: AbortSignal,
  ): Promise<ReconcileResult | undefined> {
    if (!(node.metadata.finalizers ?? []).includes(FINALIZER_SEINODE)) return undefined;
    const namespace = node.metadata.namespace ?? 'default';
    let current = structuredClone(node);
    if (current.status?.phase !== 'Terminating') {
      const from = current.status?.phase;
      current = await this.deps.client.replaceStatus<SeiNode>(
        Resources.SeiNode,
        {
          ...current,
          status: { ...current.status, phase: 'Terminating', phaseTransitionTime: rfc3339(this.now()) },
        },
        { signal },
      );
      this.deps.recorder.event(
        current,
        'Normal',
        'PhaseTransition',
        'Delete',
        `Phase changed from ${from || 'Pending'} to Terminating`,
      );
    }
    if (!current.spec.dataVolume?.import?.pvcName) {
      const name = dataPvcName(node.metadata.name ?? '');
      const pvc =
        this.deps.cache.get<KubeObject>(Resources.PersistentVolumeClaim, namespace, name) ??
        (await this.deps.client.get<KubeObject>(
          Resources.PersistentVolumeClaim,
          { namespace, name },
          signal,
        ));
      const ownedByThisNode = pvc?.metadata?.ownerReferences?.some(
        (r) => r.controller && r.uid === node.metadata.uid,
      );
      if (pvc && ownedByThisNode && !pvc.metadata?.deletionTimestamp) {
        await this.deps.client.delete(
          Resources.PersistentVolumeClaim,
          { namespace, name },
          { preconditions: { uid: pvc.metadata?.uid }, signal },
        );
        log.info({ pvc: name }, 'deleted data PVC');
      } else if (pvc && !ownedByThisNode) {
        log.warn({ pvc: name }, 'data PVC is not controlled by this SeiNode; leaving it');
      }
    }
    // Locked on resourceVersion: a concurrent finalizer change conflicts and is retried.
    await removeFinalizer(this.deps.client, Resources.SeiNode, current, FINALIZER_SEINODE, signal);
    log.info('finalized');
    return undefined;
  }
}

/** Mutable working status of one reconcile, with phase and condition bookkeeping. */
class ReconcileStep {
  readonly status: SeiNodeStatus;
  /** Set when the phase changed in this reconcile: the previous phase ('' for none). */
  phaseChangedFrom?: string;

  constructor(
    private readonly node: SeiNode,
    readonly now: Date,
  ) {
    this.status = structuredClone(node.status ?? {});
  }

  setPhase(phase: NonNullable<SeiNodeStatus['phase']>): void {
    if (this.status.phase === phase) return;
    this.phaseChangedFrom ??= this.status.phase ?? '';
    this.status.phase = phase;
    this.status.phaseTransitionTime = rfc3339(this.now);
  }

  condition(update: ConditionUpdate): void {
    this.status.conditions = setCondition(
      this.status.conditions,
      update,
      this.node.metadata.generation,
      this.now,
    );
  }
}

function failureMessage(plan: TaskPlan | undefined): string | undefined {
  const d = plan?.failedTaskDetail;
  if (plan?.phase !== 'Failed' || !d) return undefined;
  return `plan ${plan.id} failed: task ${d.type}: ${d.error} (retries ${d.retryCount}/${d.maxRetries})`;
}

function driftMessage(node: SeiNode, desired: DesiredState, drift: readonly string[]): string {
  return drift
    .map((k) =>
      k === 'image' ? `image (spec=${desired.image} current=${node.status?.currentImage ?? ''})` : k,
    )
    .join(', ')
    .replace(/^/, 'drift detected: ');
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function json(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? {}));
}
