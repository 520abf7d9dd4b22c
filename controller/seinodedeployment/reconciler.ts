import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import {
  FINALIZER_SEINODEDEPLOYMENT,
  LABEL_NODEDEPLOYMENT,
  type SeiNode,
  type SeiNodeDeployment,
  type SeiNodeDeploymentStatus,
  type TaskPlan,
} from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { type KubeObject as Manifest, synthInMemory } from '../../constructs/render';
import { childSeiNode, templateHash } from '../../constructs/seinodedeployment/children';
import {
  HTTPROUTE_API_VERSION,
  KIND_HTTPROUTE,
  PLURAL_HTTPROUTES,
  routeHostnames,
} from '../../constructs/seinodedeployment/http-routes';
import { externalServiceName, internalServiceName } from '../../constructs/seinodedeployment/names';
import {
  childOrdinal,
  endpointsStatus,
  httpEnabled,
  internalServiceStatus,
  networkingStatusRoutes,
  perPodServicesStatus,
} from '../../constructs/seinodedeployment/networking';
import { SeiNodeDeploymentResources } from '../../constructs/seinodedeployment/seinodedeployment-resources';
import type { Applier } from '../apply/applier';
import type { EventRecorder } from '../events/recorder';
import type { KubeClient } from '../kube/client';
import { NotFoundError } from '../kube/errors';
import { defineResource, findResource, Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import { findCondition, setCondition } from '../planner/conditions';
import type { PlanExecutor } from '../planner/executor';
import { newPlan, rfc3339 } from '../planner/plan';
import type { TaskRegistry } from '../planner/registry';
import type { CacheReader, ConditionUpdate, TaskContext } from '../planner/task';
import { ensureFinalizer, removeFinalizer } from '../runtime/finalizers';
import { OwnWrites } from '../runtime/own-writes';
import type { SeiMetrics } from '../sei-metrics';
import type { SidecarClient } from '../sidecar/client';
import { childConverged, deploymentPhase } from './phase';

/** The Gateway API HTTPRoute kind (its CRD may be missing from a cluster). */
export const HttpRouteResource = defineResource(HTTPROUTE_API_VERSION, KIND_HTTPROUTE, PLURAL_HTTPROUTES);

/** Conditions every SeiNodeDeployment always carries (SPEC §3.2). */
export const DEPLOYMENT_CONDITIONS = [
  'NodesReady',
  'NetworkingReady',
  'GenesisCeremonyComplete',
  'PlanInProgress',
  'RolloutInProgress',
  'Paused',
] as const;

/** Dependencies of {@link SeiNodeDeploymentReconciler}. */
export interface SeiNodeDeploymentReconcilerDeps {
  readonly client: KubeClient;
  readonly cache: CacheReader;
  /** Applies children, Services and routes (field manager `seinodedeployment-controller`). */
  readonly applier: Applier;
  readonly platform: PlatformConfig;
  readonly recorder: EventRecorder;
  readonly log: Logger;
  readonly registry: TaskRegistry;
  readonly executor: PlanExecutor;
  /** The sidecar client of a child. */
  readonly sidecarFor: (node: { name: string; namespace: string }) => SidecarClient;
  /**
   * Whether a route hostname resolves (reported as NetworkingReady=False/DNSPending, never blocking).
   * @default a DNS lookup
   */
  readonly resolveHost: (host: string) => Promise<boolean>;
  /**
   * A rollout that has not converged after this long is reported (RolloutInProgress reason
   * ProgressDeadlineExceeded, Warning event); it keeps going.
   * @default 1800000 (30 min)
   */
  readonly rolloutDeadlineMs?: number;
  /** Clock. @default () => new Date() */
  readonly now?: () => Date;
  /** Prometheus metrics (plan durations). */
  readonly metrics?: SeiMetrics;
}

/** Parses a Go-style duration such as `15m`, `1h30m`, `90s` into ms; undefined when malformed. */
export function parseDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    consumed += m[0].length;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}

/**
 * Reconciles one SeiNodeDeployment (SPEC §6; reference-seinodedeployment.md §2): children
 * `<snd>-<ordinal>` from the template (every template change reaches every child, rolled out by the
 * children's own NodeUpdate plans), scaling (highest ordinals first), InPlace rollout tracking by
 * template hash with supersession and a progress deadline, pause, the genesis ceremony plan, the
 * internal/external Services and HTTPRoutes, status aggregation, and the deletion policy. Status is
 * written once per reconcile, locked on resourceVersion.
 */
export class SeiNodeDeploymentReconciler {
  private readonly now: () => Date;
  /** Versions our own status writes replaced (see {@link OwnWrites}). */
  private readonly ownWrites = new OwnWrites();

  constructor(private readonly deps: SeiNodeDeploymentReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async reconcile(
    req: { namespace: string; name: string },
    signal?: AbortSignal,
  ): Promise<{ requeueAfterMs?: number } | undefined> {
    const cached = this.deps.cache.get<SeiNodeDeployment>(
      Resources.SeiNodeDeployment,
      req.namespace,
      req.name,
    );
    if (!cached) return undefined;
    const key = `${req.namespace}/${req.name}`;
    if (this.ownWrites.isStale(key, cached.metadata.resourceVersion)) return { requeueAfterMs: 25 };
    const log = this.deps.log.child({ kind: 'SeiNodeDeployment', namespace: req.namespace, name: req.name });
    const children = this.children(cached);
    if (cached.metadata.deletionTimestamp) return this.finalize(cached, children, log, signal);

    const snd: SeiNodeDeployment = await ensureFinalizer(
      this.deps.client,
      Resources.SeiNodeDeployment,
      structuredClone(cached),
      FINALIZER_SEINODEDEPLOYMENT,
      signal,
    );
    const now = this.now();
    const before = structuredClone(snd.status ?? {});
    const status: SeiNodeDeploymentStatus = structuredClone(snd.status ?? {});
    const setCond = (u: ConditionUpdate) => {
      status.conditions = setCondition(status.conditions, u, snd.metadata.generation, now);
    };
    const cond = (type: string) => findCondition(status.conditions, type);
    const seed = (u: ConditionUpdate) => {
      if (!cond(u.type)) setCond(u);
    };
    const replicas = snd.spec.replicas ?? 1;
    const paused = !!snd.spec.paused;
    const hash = templateHash(snd);
    let requeueAfterMs: number | undefined;

    seed({ type: 'PlanInProgress', status: 'False', reason: 'NotStarted', message: 'no plan has run yet' });
    seed({
      type: 'RolloutInProgress',
      status: 'False',
      reason: 'NotStarted',
      message: 'no rollout has run yet',
    });
    seed({ type: 'NodesReady', status: 'False', reason: 'NodesInitializing', message: 'no nodes yet' });
    seed({
      type: 'NetworkingReady',
      status: 'False',
      reason: 'NetworkingDisabled',
      message: 'not reconciled yet',
    });
    if (!snd.spec.genesis)
      setCond({
        type: 'GenesisCeremonyComplete',
        status: 'False',
        reason: 'NotApplicable',
        message: 'no spec.genesis',
      });
    else
      seed({
        type: 'GenesisCeremonyComplete',
        status: 'False',
        reason: 'NotStarted',
        message: 'waiting for all validators',
      });

    // Pause mirrors the spec; children get it through their spec (SeiNode scales to 0 and freezes).
    const wasPaused = cond('Paused')?.status === 'True';
    setCond(
      paused
        ? { type: 'Paused', status: 'True', reason: 'Paused', message: 'spec.paused is set' }
        : { type: 'Paused', status: 'False', reason: 'NotPaused', message: 'spec.paused is not set' },
    );
    if (cond('Paused') && wasPaused !== paused && before.conditions?.some((c) => c.type === 'Paused')) {
      this.deps.recorder.event(
        snd,
        'Normal',
        paused ? 'Paused' : 'Unpaused',
        'Pause',
        paused ? 'orchestration paused' : 'orchestration resumed',
      );
    }

    // Networking (Services, routes): never blocks the children.
    requeueAfterMs = minDefined(requeueAfterMs, await this.reconcileNetworking(snd, setCond, log, signal));

    // Children: create/update every ordinal below replicas from the template; delete the rest.
    for (let i = 0; i < replicas; i++) {
      const desired = childSeiNode(snd, i);
      const live = children.find((c) => c.metadata.name === desired.metadata.name);
      await this.deps.applier.apply(Resources.SeiNode, desired as KubeObject & SeiNode, live, signal);
      if (!live)
        this.deps.recorder.event(
          snd,
          'Normal',
          'SeiNodeCreated',
          'Scale',
          `created SeiNode ${desired.metadata.name}`,
        );
    }
    const extra = children
      .filter(
        (c) => (childOrdinal(snd, c.metadata.name ?? '') ?? -1) >= replicas && !c.metadata.deletionTimestamp,
      )
      .sort(
        (a, b) =>
          (childOrdinal(snd, b.metadata.name ?? '') ?? 0) - (childOrdinal(snd, a.metadata.name ?? '') ?? 0),
      );
    for (const c of extra) {
      await this.deps.client.delete(
        Resources.SeiNode,
        { namespace: req.namespace, name: c.metadata.name ?? '' },
        { preconditions: { uid: c.metadata.uid }, signal },
      );
      this.deps.applier.forget(Resources.SeiNode, req.namespace, c.metadata.name ?? '');
      this.deps.recorder.event(
        snd,
        'Normal',
        'SeiNodeDeleted',
        'Scale',
        `deleted SeiNode ${c.metadata.name} (scale down to ${replicas})`,
      );
    }
    const current = children.filter((c) => (childOrdinal(snd, c.metadata.name ?? '') ?? -1) < replicas);

    // InPlace rollout tracking by template hash (children roll through their NodeUpdate plans).
    if (!status.templateHash) status.templateHash = hash;
    else if (status.templateHash !== hash && !paused) {
      if (!status.rollout) {
        status.rollout = { targetHash: hash, startedAt: rfc3339(now) };
        setCond({
          type: 'RolloutInProgress',
          status: 'True',
          reason: 'TemplateChanged',
          message: `templateHash changed from ${status.templateHash} to ${hash}`,
        });
        this.deps.recorder.event(
          snd,
          'Normal',
          'RolloutStarted',
          'Rollout',
          `InPlace rollout started (target: ${hash.slice(0, 8)})`,
        );
      } else if (status.rollout.targetHash !== hash) {
        this.deps.recorder.event(
          snd,
          'Normal',
          'RolloutSuperseded',
          'Rollout',
          `spec changed during an active rollout (old target: ${status.rollout.targetHash}, new: ${hash})`,
        );
        status.rollout = { targetHash: hash, startedAt: rfc3339(now) };
        setCond({
          type: 'RolloutInProgress',
          status: 'True',
          reason: 'TemplateChanged',
          message: `rollout superseded: target ${hash}`,
        });
      }
    }
    if (status.rollout && !paused) {
      const done =
        current.length === replicas &&
        current.every(
          (c) => c.metadata.labels?.['sei.io/revision'] === status.rollout?.targetHash && childConverged(c),
        );
      if (done) {
        status.templateHash = status.rollout.targetHash;
        delete status.rollout;
        setCond({
          type: 'RolloutInProgress',
          status: 'False',
          reason: 'RolloutComplete',
          message: `all ${replicas} nodes run template ${status.templateHash}`,
        });
        this.deps.recorder.event(
          snd,
          'Normal',
          'RolloutComplete',
          'Rollout',
          `InPlace rollout complete (template: ${status.templateHash?.slice(0, 8)})`,
        );
      } else {
        const deadline = this.deps.rolloutDeadlineMs ?? 1_800_000;
        const elapsed = now.getTime() - Date.parse(status.rollout.startedAt ?? rfc3339(now));
        if (elapsed > deadline) {
          const waiting = current.filter((c) => !childConverged(c)).map((c) => c.metadata.name);
          setCond({
            type: 'RolloutInProgress',
            status: 'True',
            reason: 'ProgressDeadlineExceeded',
            message: `no progress for ${Math.round(deadline / 1000)}s; waiting for ${waiting.join(', ') || 'children'}`,
          });
          this.deps.recorder.event(
            snd,
            'Warning',
            'RolloutStuck',
            'Rollout',
            `rollout to ${status.rollout.targetHash} exceeded its ${Math.round(deadline / 1000)}s deadline; waiting for ${waiting.join(', ')}`,
          );
        } else {
          requeueAfterMs = minDefined(requeueAfterMs, deadline - elapsed + 100);
        }
      }
    }

    // Genesis ceremony plan.
    requeueAfterMs = minDefined(
      requeueAfterMs,
      await this.reconcileGenesis(snd, status, current, setCond, now, log, signal),
    );

    // Status aggregation.
    const names = current.map((c) => c.metadata.name ?? '').sort(byOrdinal(snd));
    const ready = current.filter((c) => c.status?.phase === 'Running').length;
    const failed = current.filter((c) => c.status?.phase === 'Failed').length;
    status.observedGeneration = snd.metadata.generation;
    status.replicas = replicas;
    status.readyReplicas = ready;
    status.nodes = names.map((n) => ({
      name: n,
      phase: current.find((c) => c.metadata.name === n)?.status?.phase ?? 'Pending',
    }));
    status.incumbentNodes = names;
    status.internalService = internalServiceStatus(snd);
    status.perPodServices = perPodServicesStatus(snd, names);
    status.endpoints = endpointsStatus(snd, names);
    const routes = networkingStatusRoutes(snd, this.deps.platform);
    if (routes.length) status.networkingStatus = { ...status.networkingStatus, routes };
    else delete status.networkingStatus;
    setCond(
      ready >= replicas
        ? {
            type: 'NodesReady',
            status: 'True',
            reason: 'AllNodesReady',
            message: `${ready}/${replicas} nodes ready`,
          }
        : failed > 0
          ? {
              type: 'NodesReady',
              status: 'False',
              reason: 'NodesFailed',
              message: `${ready}/${replicas} nodes ready (${failed} failed)`,
            }
          : {
              type: 'NodesReady',
              status: 'False',
              reason: 'NodesInitializing',
              message: `${ready}/${replicas} nodes ready`,
            },
    );
    status.phase = deploymentPhase({
      paused,
      rolloutInProgress: !!status.rollout,
      planInProgress: status.plan?.phase === 'Active',
      desired: replicas,
      children: current,
    });

    if (!isDeepStrictEqual(json(status), json(before))) {
      await this.deps.client.replaceStatus<SeiNodeDeployment>(
        Resources.SeiNodeDeployment,
        { ...snd, status },
        { signal },
      );
      this.ownWrites.wrote(key, cached.metadata.resourceVersion);
    }
    return requeueAfterMs ? { requeueAfterMs } : undefined;
  }

  /** The deployment's children from the cache: labelled for it and controlled by it. */
  private children(snd: SeiNodeDeployment): SeiNode[] {
    return this.deps.cache
      .list<SeiNode>(Resources.SeiNode, snd.metadata.namespace, {
        [LABEL_NODEDEPLOYMENT]: snd.metadata.name ?? '',
      })
      .filter((c) => c.metadata.ownerReferences?.some((r) => r.controller && r.uid === snd.metadata.uid));
  }

  /** Internal Service always; with HTTP networking the external Service and HTTPRoutes (orphans removed). */
  private async reconcileNetworking(
    snd: SeiNodeDeployment,
    setCond: (u: ConditionUpdate) => void,
    log: Logger,
    signal?: AbortSignal,
  ): Promise<number | undefined> {
    const ns = snd.metadata.namespace ?? 'default';
    const manifests = synthInMemory(
      (chart) =>
        new SeiNodeDeploymentResources(chart, 'snd', {
          deployment: snd,
          platform: this.deps.platform,
          children: false,
        }),
    );
    const routes: Manifest[] = [];
    for (const m of manifests) {
      if (m.kind === KIND_HTTPROUTE) {
        routes.push(m);
        continue;
      }
      const resource = findResource(m.apiVersion, m.kind);
      if (!resource) continue;
      await this.deps.applier.apply(
        resource,
        m as KubeObject,
        this.deps.cache.get(resource, ns, m.metadata.name),
        signal,
      );
    }
    const http = httpEnabled(snd.spec.networking);
    if (!http) {
      await this.deleteIfOwned(
        Resources.Service,
        ns,
        externalServiceName(snd.metadata.name ?? ''),
        snd,
        signal,
      );
    }
    // Routes: apply desired, delete orphans; a missing Gateway API CRD is a condition, not a crash.
    let crdMissing = false;
    try {
      for (const r of routes)
        await this.deps.applier.apply(HttpRouteResource, r as KubeObject, undefined, signal);
      const wanted = new Set(routes.map((r) => r.metadata.name));
      const live = await this.deps.client.list<KubeObject>(HttpRouteResource, {
        namespace: ns,
        labelSelector: { [LABEL_NODEDEPLOYMENT]: snd.metadata.name ?? '' },
        signal,
      });
      for (const r of live.items) {
        const name = r.metadata?.name ?? '';
        if (!wanted.has(name) && r.metadata?.ownerReferences?.some((o) => o.uid === snd.metadata.uid)) {
          await this.deps.client.delete(HttpRouteResource, { namespace: ns, name }, { signal });
          this.deps.applier.forget(HttpRouteResource, ns, name);
        }
      }
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      crdMissing = true;
    }
    if (!snd.spec.networking) {
      setCond({
        type: 'NetworkingReady',
        status: 'False',
        reason: 'NetworkingDisabled',
        message: 'spec.networking is not set',
      });
      return undefined;
    }
    if (!http) {
      setCond({
        type: 'NetworkingReady',
        status: 'False',
        reason: 'NetworkingDisabled',
        message: 'HTTP networking is off',
      });
      return undefined;
    }
    if (routes.length === 0) {
      setCond({
        type: 'NetworkingReady',
        status: 'False',
        reason: 'NoEffectiveRoutes',
        message: 'the template mode serves no HTTP protocols',
      });
      return undefined;
    }
    if (crdMissing) {
      setCond({
        type: 'NetworkingReady',
        status: 'False',
        reason: 'CRDNotInstalled',
        message: 'the Gateway API HTTPRoute CRD is not installed',
      });
      this.deps.recorder.event(
        snd,
        'Warning',
        'CRDNotInstalled',
        'Networking',
        'the Gateway API HTTPRoute CRD is not installed; install it to publish routes',
      );
      log.warn('HTTPRoute CRD not installed');
      return 60_000;
    }
    const host = routeHostnames(snd, this.deps.platform)[0];
    if (host && !(await this.deps.resolveHost(host))) {
      setCond({
        type: 'NetworkingReady',
        status: 'False',
        reason: 'DNSPending',
        message: `${routes.length} HTTPRoute(s) reconciled; ${host} does not resolve yet`,
      });
      return 30_000;
    }
    setCond({
      type: 'NetworkingReady',
      status: 'True',
      reason: 'HTTPRoutesPublished',
      message: `${routes.length} HTTPRoute(s) reconciled successfully`,
    });
    return undefined;
  }

  /** The genesis ceremony: build the plan once all validators exist, run it, latch completion. */
  private async reconcileGenesis(
    snd: SeiNodeDeployment,
    status: SeiNodeDeploymentStatus,
    children: readonly SeiNode[],
    setCond: (u: ConditionUpdate) => void,
    now: Date,
    log: Logger,
    signal?: AbortSignal,
  ): Promise<number | undefined> {
    const genesis = snd.spec.genesis;
    const ns = snd.metadata.namespace ?? 'default';
    const replicas = snd.spec.replicas ?? 1;
    const complete = findCondition(status.conditions, 'GenesisCeremonyComplete')?.status === 'True';
    if (!genesis || complete || snd.spec.paused) return undefined;
    const plan = status.plan;
    if (plan?.phase === 'Active') {
      const limitMs = parseDuration(genesis.maxCeremonyDuration ?? '15m') ?? 900_000;
      const elapsed = now.getTime() - Date.parse(plan.startedAt ?? rfc3339(now));
      let next: TaskPlan;
      let requeue: number | undefined;
      if (elapsed > limitMs) {
        next = structuredClone(plan);
        const idx = next.tasks.findIndex((t) => t.status !== 'Complete');
        const task = next.tasks[Math.max(0, idx)];
        const error = `genesis ceremony exceeded maxCeremonyDuration ${genesis.maxCeremonyDuration ?? '15m'}`;
        if (task) {
          task.status = 'Failed';
          task.error = error;
          next.phase = 'Failed';
          next.failedTaskIndex = Math.max(0, idx);
          next.failedTaskDetail = {
            type: task.type,
            id: task.id,
            error,
            retryCount: task.retryCount ?? 0,
            maxRetries: task.maxRetries ?? 0,
          };
        }
      } else {
        const assembler = [...children].sort((a, b) =>
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
        )[0];
        if (!assembler) return 5_000;
        const res = await this.deps.executor.execute(plan, (task) =>
          this.genesisContext(snd, assembler, task, log, signal),
        );
        next = res.plan;
        requeue = res.requeueAfterMs ?? (next.phase === 'Active' ? undefined : 1);
        if (res.transientError) {
          log.warn(
            { err: (res.transientError as Error).message, plan: plan.id },
            'genesis task error; will retry',
          );
          requeue = 2_000;
        }
        if (next.phase === 'Active')
          requeue = Math.min(requeue ?? limitMs - elapsed, limitMs - elapsed + 100);
      }
      status.plan = next;
      if (next.phase === 'Complete') {
        setCond({
          type: 'GenesisCeremonyComplete',
          status: 'True',
          reason: 'Complete',
          message: `genesis ceremony plan ${next.id} completed`,
        });
        setCond({
          type: 'PlanInProgress',
          status: 'False',
          reason: 'PlanComplete',
          message: `plan ${next.id} completed`,
        });
        this.deps.recorder.event(snd, 'Normal', 'PlanComplete', 'Plan', `genesis plan ${next.id} completed`);
        this.deps.metrics?.planFinished('seinodedeployment', next, ns, now);
      } else if (next.phase === 'Failed') {
        const d = next.failedTaskDetail;
        const message = `plan ${next.id} failed: task ${d?.type}: ${d?.error}`;
        setCond({ type: 'GenesisCeremonyComplete', status: 'False', reason: 'Failed', message });
        setCond({ type: 'PlanInProgress', status: 'False', reason: 'PlanFailed', message });
        this.deps.recorder.event(snd, 'Warning', 'PlanFailed', 'Plan', message);
        this.deps.metrics?.planFinished('seinodedeployment', next, ns, now);
      }
      return requeue;
    }
    // A failed ceremony is retried only when the spec changes.
    if (plan?.phase === 'Failed' && status.observedGeneration === snd.metadata.generation) return undefined;
    const names = children.map((c) => c.metadata.name ?? '').sort(byOrdinal(snd));
    if (names.length < replicas) {
      setCond({
        type: 'GenesisCeremonyComplete',
        status: 'False',
        reason: 'NotStarted',
        message: `${names.length}/${replicas} validators created`,
      });
      return undefined;
    }
    const created = newPlan({
      type: 'Genesis',
      tasks: [
        {
          type: 'assemble-and-upload-genesis',
          params: {
            accountBalance:
              genesis.accountBalance ??
              '1000000000000000000000usei,1000000000000000000000uusdc,1000000000000000000000uatom',
            namespace: ns,
            nodes: names.map((name) => ({ name })),
            ...(genesis.accounts?.length ? { accounts: genesis.accounts } : {}),
            ...(genesis.overrides && Object.keys(genesis.overrides).length
              ? { overrides: genesis.overrides }
              : {}),
          },
        },
        {
          type: 'collect-and-set-peers',
          params: { groupName: snd.metadata.name, namespace: ns, nodeNames: names },
        },
        {
          type: 'await-nodes-running',
          params: { groupName: snd.metadata.name, namespace: ns, expected: replicas, nodeNames: names },
        },
      ],
      maxRetries: this.deps.registry.maxRetries,
      now,
    });
    status.plan = created;
    setCond({
      type: 'PlanInProgress',
      status: 'True',
      reason: 'PlanStarted',
      message: `genesis plan ${created.id} started`,
    });
    setCond({
      type: 'GenesisCeremonyComplete',
      status: 'False',
      reason: 'InProgress',
      message: `genesis plan ${created.id} running`,
    });
    this.deps.recorder.event(
      snd,
      'Normal',
      'PlanStarted',
      'Plan',
      `genesis plan ${created.id} started: ${created.tasks.map((t) => t.type).join(', ')}`,
    );
    return 1;
  }

  private genesisContext(
    snd: SeiNodeDeployment,
    assembler: SeiNode,
    task: TaskContext['task'],
    log: Logger,
    signal?: AbortSignal,
  ): TaskContext {
    const ns = snd.metadata.namespace ?? 'default';
    return {
      node: assembler,
      deployment: snd,
      task,
      params: (task.params ?? {}) as Record<string, unknown>,
      client: this.deps.client,
      cache: this.deps.cache,
      applier: this.deps.applier,
      platform: this.deps.platform,
      sidecar: () => this.deps.sidecarFor({ name: assembler.metadata.name ?? '', namespace: ns }),
      sidecarOf: (name: string) => this.deps.sidecarFor({ name, namespace: ns }),
      log: log.child({ plan: snd.status?.plan?.id, task: task.type }),
      now: this.now,
      signal,
    };
  }

  private async deleteIfOwned(
    resource: typeof Resources.Service,
    ns: string,
    name: string,
    snd: SeiNodeDeployment,
    signal?: AbortSignal,
  ): Promise<void> {
    const live = this.deps.cache.get<KubeObject>(resource, ns, name);
    if (live?.metadata?.ownerReferences?.some((o) => o.uid === snd.metadata.uid)) {
      await this.deps.client.delete(resource, { namespace: ns, name }, { signal });
      this.deps.applier.forget(resource, ns, name);
    }
  }

  /** Deletion: Retain strips owner references so everything survives; Delete removes everything. */
  private async finalize(
    snd: SeiNodeDeployment,
    children: readonly SeiNode[],
    log: Logger,
    signal?: AbortSignal,
  ): Promise<undefined> {
    if (!(snd.metadata.finalizers ?? []).includes(FINALIZER_SEINODEDEPLOYMENT)) return undefined;
    const ns = snd.metadata.namespace ?? 'default';
    let current = structuredClone(snd);
    if (current.status?.phase !== 'Terminating') {
      current = await this.deps.client.replaceStatus<SeiNodeDeployment>(
        Resources.SeiNodeDeployment,
        { ...current, status: { ...current.status, phase: 'Terminating' } },
        { signal },
      );
    }
    const name = snd.metadata.name ?? '';
    const services = [internalServiceName(name), externalServiceName(name)];
    let routes: KubeObject[] = [];
    try {
      routes = (
        await this.deps.client.list<KubeObject>(HttpRouteResource, {
          namespace: ns,
          labelSelector: { [LABEL_NODEDEPLOYMENT]: name },
          signal,
        })
      ).items;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const owned = (o: KubeObject | undefined | null) =>
      o?.metadata?.ownerReferences?.some((r) => r.uid === snd.metadata.uid);
    if (snd.spec.deletionPolicy === 'Retain') {
      const strip = async (
        resource: typeof Resources.Service,
        objName: string,
        obj: KubeObject | undefined | null,
      ) => {
        if (!obj || !owned(obj)) return;
        await this.deps.client.patch(
          resource,
          { namespace: ns, name: objName },
          {
            metadata: {
              ownerReferences: (obj.metadata?.ownerReferences ?? []).filter(
                (r) => r.uid !== snd.metadata.uid,
              ),
            },
          },
          { resourceVersion: obj.metadata?.resourceVersion, signal },
        );
      };
      for (const c of children) await strip(Resources.SeiNode, c.metadata.name ?? '', c);
      for (const s of services)
        await strip(
          Resources.Service,
          s,
          await this.deps.client.get<KubeObject>(Resources.Service, { namespace: ns, name: s }, signal),
        );
      for (const r of routes) await strip(HttpRouteResource, r.metadata?.name ?? '', r);
      this.deps.recorder.event(
        current,
        'Normal',
        'RetainResources',
        'Delete',
        `deletionPolicy Retain: ${children.length} SeiNode(s), Services and routes kept without owner`,
      );
    } else {
      for (const c of children)
        await this.deps.client.delete(
          Resources.SeiNode,
          { namespace: ns, name: c.metadata.name ?? '' },
          { signal },
        );
      for (const s of services) {
        if (
          owned(await this.deps.client.get<KubeObject>(Resources.Service, { namespace: ns, name: s }, signal))
        )
          await this.deps.client.delete(Resources.Service, { namespace: ns, name: s }, { signal });
      }
      for (const r of routes)
        if (owned(r))
          await this.deps.client.delete(
            HttpRouteResource,
            { namespace: ns, name: r.metadata?.name ?? '' },
            { signal },
          );
    }
    await removeFinalizer(
      this.deps.client,
      Resources.SeiNodeDeployment,
      current,
      FINALIZER_SEINODEDEPLOYMENT,
      signal,
    );
    log.info({ policy: snd.spec.deletionPolicy ?? 'Delete' }, 'finalized');
    return undefined;
  }
}

function byOrdinal(snd: SeiNodeDeployment) {
  return (a: string, b: string) => (childOrdinal(snd, a) ?? 0) - (childOrdinal(snd, b) ?? 0);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function json(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? {}));
}
