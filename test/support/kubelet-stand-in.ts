import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StatefulSet,
  type V1Volume,
  Watch,
} from '@kubernetes/client-node';

/** Options of {@link startKubeletStandIn}. */
export interface KubeletStandInOptions {
  /** Only act in this namespace. Default: all namespaces. */
  namespace?: string;
  /** Returns the podIP for a new Pod. Default {@link sequentialPodIps}`('10.1')`. */
  allocatePodIp?: (pod: V1Pod) => string;
  /** `spec.nodeName` for created Pods. Default `sei-test-node`. */
  nodeName?: string;
  /** Full re-list period, a safety net next to the watches. Default 2000 ms. */
  resyncIntervalMs?: number;
  /** Debug sink; default silent. */
  log?: (line: string) => void;
}

/** Label the StatefulSet controller puts on each Pod: the name of the Pod's revision. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** Label carrying the Pod's own name (used by per-Pod Services). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** Label carrying the Pod's ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const FIELD_MANAGER = 'kubelet-stand-in';
const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Returns an allocator that hands out `<prefix>.<x>.<y>` addresses in order, starting at
 * `<prefix>.0.1` and skipping `.0` and `.255` host parts.
 *
 * @param prefix - the first two octets, default `10.1`.
 * @throws Error when the /16 is exhausted (65 024 addresses).
 */
export function sequentialPodIps(prefix = '10.1'): () => string {
  let next = 0;
  return () => {
    const x = Math.floor(next / 254);
    const y = (next % 254) + 1;
    next++;
    if (x > 255) throw new Error(`pod IP range ${prefix}.0.0/16 exhausted`);
    return `${prefix}.${x}.${y}`;
  };
}

/**
 * The update revision the stand-in assigns to a StatefulSet: `<name>-<10 hex chars>` of a SHA-256
 * over the canonical JSON of `spec.template` (keys sorted). Equal templates give equal revisions, so
 * reverting a template returns to the old revision, as upstream.
 */
export function statefulSetRevision(sts: V1StatefulSet): string {
  const hash = createHash('sha256')
    .update(canonicalJson(sts.spec?.template ?? {}))
    .digest('hex');
  return `${sts.metadata?.name ?? 'unknown'}-${hash.slice(0, 10)}`;
}

/**
 * Starts a {@link KubeletStandIn} (watches + periodic resync) and waits for its first full pass.
 *
 * @param kubeConfig - needs get/list/watch on statefulsets and pods, create/delete/patch on pods,
 *   pods/status, statefulsets/status, create on persistentvolumeclaims (the admin config is fine).
 * @throws Error when the first pass fails (e.g. the API server is unreachable).
 */
export async function startKubeletStandIn(
  kubeConfig: KubeConfig,
  opts: KubeletStandInOptions = {},
): Promise<KubeletStandIn> {
  const standIn = new KubeletStandIn(kubeConfig, opts);
  await standIn.start();
  return standIn;
}

/**
 * Kubelet stand-in for integration tests.
 *
 * The test control plane is only kube-apiserver + etcd: nothing turns a StatefulSet into Pods or
 * makes a Pod Running. This helper plays, for StatefulSets only, the parts of the StatefulSet
 * controller, the kubelet and the garbage collector that the operator depends on — explicitly and
 * observably, through the real API:
 *
 * - creates Pods `<sts>-<ordinal>` for ordinals `[start, start + spec.replicas)` from the pod
 *   template, with the template's labels plus `controller-revision-hash`,
 *   `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`, a controller
 *   ownerReference to the StatefulSet, `hostname`/`subdomain`, `nodeName` (default
 *   `sei-test-node`), and one PVC per `volumeClaimTemplates` entry (`<claim>-<sts>-<ordinal>`);
 * - revisions: `updateRevision` is `<sts>-<hash of spec.template>` (stable, no
 *   ControllerRevision objects). New Pods get the update revision (RollingUpdate partitions get the
 *   current one below the partition, like upstream). `OnDelete`: an existing Pod is never
 *   replaced; once it is deleted it comes back at the update revision. `RollingUpdate`: when all
 *   Pods are Ready, the highest-ordinal stale Pod is deleted, one per pass;
 * - deletes Pods whose ordinal is ≥ the replica count (highest first);
 * - kubelet: marks Pods Running and Ready (conditions, container statuses, a podIP from the
 *   allocator, default 10.1.x.y) and finishes graceful deletion of terminating Pods (Pods carry a
 *   `nodeName`, so the API server keeps them Terminating until "the kubelet" confirms);
 * - garbage collector: deletes Pods whose StatefulSet is gone, and completes `foregroundDeletion`;
 * - writes StatefulSet status like upstream: observedGeneration, replicas, readyReplicas,
 *   availableReplicas, currentReplicas, updatedReplicas, currentRevision, updateRevision.
 *   As upstream, `currentRevision` only advances for `RollingUpdate` (on completion); with
 *   `OnDelete` it stays at the first revision seen and `currentReplicas` counts Pods still on it.
 *
 * Not simulated: readiness probes, container failures, `OrderedReady` ordering (all missing Pods
 * are created in one pass), `minReadySeconds`, PVC binding, `orphan` deletion propagation. Pods
 * deleted while the stand-in is paused or stopped stay Terminating until it runs again.
 *
 * Create with {@link startKubeletStandIn}; {@link KubeletStandIn.pause} / {@link KubeletStandIn.resume}
 * hold a rollout mid-flight; {@link KubeletStandIn.stop} ends it.
 */
export class KubeletStandIn {
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly watch: Watch;
  private readonly allocatePodIp: (pod: V1Pod) => string;
  private readonly nodeName: string;
  private readonly resyncIntervalMs: number;
  private readonly log: (line: string) => void;
  private readonly queue = new Set<string>();
  private readonly watches = new Map<string, AbortController>();
  private wake: (() => void) | undefined;
  private worker: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private isPaused = false;
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly opts: KubeletStandInOptions = {},
  ) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.watch = new Watch(kubeConfig);
    this.allocatePodIp = opts.allocatePodIp ?? sequentialPodIps('10.1');
    this.nodeName = opts.nodeName ?? 'sei-test-node';
    this.resyncIntervalMs = opts.resyncIntervalMs ?? 2000;
    this.log = opts.log ?? (() => {});
  }

  /** True between {@link pause} and {@link resume}. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** Starts watching and reconciling; resolves after one full pass. Called by {@link startKubeletStandIn}. */
  async start(): Promise<void> {
    if (this.worker) return;
    await this.syncAll();
    this.startWatch('statefulsets');
    this.startWatch('pods');
    this.resyncTimer = setInterval(() => {
      void this.enqueueAll().catch((err) => this.log(`resync failed: ${String(err)}`));
    }, this.resyncIntervalMs);
    this.resyncTimer.unref();
    this.worker = this.work();
  }

  /**
   * Stops all progress: no Pod is created, deleted or updated and no status is written until
   * {@link resume}. Events keep being queued. Resolves once an in-flight reconcile has finished,
   * so nothing changes after the returned promise settles.
   */
  async pause(): Promise<void> {
    this.isPaused = true;
    await this.running;
  }

  /** Undoes {@link pause} and reconciles every StatefulSet in scope. */
  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    void this.enqueueAll().catch((err) => this.log(`resume resync failed: ${String(err)}`));
    this.wake?.();
  }

  /**
   * Runs one full pass over every StatefulSet in scope now and resolves when it is done (useful to
   * make a test deterministic). Does nothing while paused.
   */
  async syncAll(): Promise<void> {
    const stsList = await this.listStatefulSets();
    const keys = new Set(stsList.map((s) => key(s.metadata?.namespace, s.metadata?.name)));
    for (const pod of await this.listStatefulSetPods()) {
      const owner = ownerStatefulSet(pod);
      if (owner) keys.add(key(pod.metadata?.namespace, owner));
    }
    for (const k of keys) await this.exclusive(() => this.reconcile(k));
  }

  /** Stops watches, the resync timer and the worker. Pods and statuses are left as they are. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const controller of this.watches.values()) controller.abort();
    this.wake?.();
    await this.worker;
    await this.running;
  }

  // ---------------------------------------------------------------------------------------------

  private async work(): Promise<void> {
    while (!this.stopped) {
      const next = this.isPaused ? undefined : this.queue.values().next().value;
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.resyncIntervalMs).unref();
        });
        this.wake = undefined;
        continue;
      }
      this.queue.delete(next);
      try {
        await this.exclusive(() => this.reconcile(next));
      } catch (err) {
        this.log(`reconcile ${next} failed, retrying: ${describe(err)}`);
        await sleep(200);
        this.enqueue(next);
      }
    }
  }

  /** Serialises reconciles (worker, {@link syncAll}) and lets {@link pause} wait for the current one. */
  private async exclusive(fn: () => Promise<void>): Promise<void> {
    while (this.running) await this.running;
    const run = fn();
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      await run;
    } finally {
      this.running = undefined;
    }
  }

  private enqueue(k: string): void {
    if (this.stopped) return;
    this.queue.add(k);
    this.wake?.();
  }

  private async enqueueAll(): Promise<void> {
    for (const sts of await this.listStatefulSets())
      this.enqueue(key(sts.metadata?.namespace, sts.metadata?.name));
    for (const pod of await this.listStatefulSetPods()) {
      const owner = ownerStatefulSet(pod);
      if (owner) this.enqueue(key(pod.metadata?.namespace, owner));
    }
  }

  private startWatch(resource: 'statefulsets' | 'pods'): void {
    if (this.stopped) return;
    const ns = this.opts.namespace;
    const base = resource === 'statefulsets' ? '/apis/apps/v1' : '/api/v1';
    const path = ns ? `${base}/namespaces/${ns}/${resource}` : `${base}/${resource}`;
    const query = resource === 'pods' ? { labelSelector: CONTROLLER_REVISION_HASH_LABEL } : {};
    const restart = (why: unknown) => {
      if (this.stopped) return;
      this.log(`watch ${path} ended (${why ? describe(why) : 'closed'}), restarting`);
      // Events may have been missed; a watch without resourceVersion replays everything as ADDED.
      setTimeout(() => this.startWatch(resource), 200).unref();
    };
    this.watch
      .watch(
        path,
        query,
        (_phase, obj: { metadata?: { namespace?: string; name?: string; ownerReferences?: OwnerRef[] } }) => {
          if (resource === 'statefulsets') {
            this.enqueue(key(obj.metadata?.namespace, obj.metadata?.name));
          } else {
            const owner = obj.metadata?.ownerReferences?.find(
              (r) => r.controller && r.kind === 'StatefulSet',
            );
            if (owner) this.enqueue(key(obj.metadata?.namespace, owner.name));
          }
        },
        restart,
      )
      .then((controller) => {
        if (this.stopped) controller.abort();
        else this.watches.set(resource, controller);
      }, restart);
  }

  private async listStatefulSets(): Promise<V1StatefulSet[]> {
    const ns = this.opts.namespace;
    const list = ns
      ? await this.apps.listNamespacedStatefulSet({ namespace: ns })
      : await this.apps.listStatefulSetForAllNamespaces();
    return list.items;
  }

  private async listStatefulSetPods(): Promise<V1Pod[]> {
    const ns = this.opts.namespace;
    const labelSelector = CONTROLLER_REVISION_HASH_LABEL;
    const list = ns
      ? await this.core.listNamespacedPod({ namespace: ns, labelSelector })
      : await this.core.listPodForAllNamespaces({ labelSelector });
    return list.items;
  }

  /** One StatefulSet (by `namespace/name`): converge its Pods, then write its status. */
  private async reconcile(k: string): Promise<void> {
    if (this.isPaused || this.stopped) {
      if (this.isPaused) this.queue.add(k);
      return;
    }
    const [namespace, name] = splitKey(k);
    const sts = await this.apps.readNamespacedStatefulSet({ name, namespace }).catch(notFoundAsUndefined);

    // The StatefulSet's own selector when it has one of plain labels (what the real controller
    // matches, from its informer cache): listing every Pod of the namespace per StatefulSet made
    // the stand-in O(n²) and, at 1000 nodes, most of the API server's load in the benchmarks.
    const matchLabels = sts?.spec?.selector?.matchLabels;
    const ownSelector =
      matchLabels && !sts?.spec?.selector?.matchExpressions?.length
        ? Object.entries(matchLabels)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')
        : '';
    const labelSelector = ownSelector
      ? `${CONTROLLER_REVISION_HASH_LABEL},${ownSelector}`
      : CONTROLLER_REVISION_HASH_LABEL;
    const allPods = (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
    if (!sts) {
      // Garbage collector: the owner is gone.
      for (const pod of allPods.filter((p) => ownerStatefulSet(p) === name)) await this.deletePod(pod, 0);
      return;
    }
    const uid = sts.metadata?.uid;
    let pods = allPods.filter((p) => p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === uid));

    if (sts.metadata?.deletionTimestamp) {
      for (const pod of pods) await this.deletePod(pod, 0);
      const finalizers = sts.metadata.finalizers ?? [];
      if (pods.length === 0 && finalizers.includes('foregroundDeletion')) {
        await this.apps
          .patchNamespacedStatefulSet(
            {
              name,
              namespace,
              body: { metadata: { finalizers: finalizers.filter((f) => f !== 'foregroundDeletion') } },
            },
            mergePatch(),
          )
          .catch(notFoundAsUndefined);
      }
      return;
    }

    // Kubelet: confirm graceful deletions so terminating Pods actually go away.
    for (const pod of pods.filter((p) => p.metadata?.deletionTimestamp)) await this.deletePod(pod, 0);
    pods = pods.filter((p) => !p.metadata?.deletionTimestamp);

    const replicas = sts.spec?.replicas ?? 1;
    const start = sts.spec?.ordinals?.start ?? 0;
    const updateRevision = statefulSetRevision(sts);
    const currentRevision = sts.status?.currentRevision || updateRevision;
    const strategy = sts.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;

    // Scale down: ordinals outside [start, start + replicas), highest first.
    const outside = pods
      .filter((p) => {
        const ord = ordinalOf(p, name);
        return ord === undefined || ord < start || ord >= start + replicas;
      })
      .sort((a, b) => (ordinalOf(b, name) ?? 0) - (ordinalOf(a, name) ?? 0));
    for (const pod of outside) await this.terminatePod(pod);
    pods = pods.filter((p) => !outside.includes(p));

    // Create missing Pods.
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(p, name) ?? -1, p]));
    for (let ord = start; ord < start + replicas; ord++) {
      if (byOrdinal.has(ord)) continue;
      const useCurrent =
        strategy === 'RollingUpdate' &&
        (sts.spec?.updateStrategy?.rollingUpdate
          ? ord < start + partition
          : ord < start + (sts.status?.currentReplicas ?? 0));
      const revision = useCurrent ? currentRevision : updateRevision;
      const created = await this.createPod(
        sts,
        ord,
        revision,
        useCurrent && currentRevision !== updateRevision,
      );
      if (created) byOrdinal.set(ord, created);
    }

    // Kubelet: run every Pod.
    for (const [ord, pod] of byOrdinal) {
      if (!isRunningAndReady(pod)) {
        const updated = await this.markRunning(pod);
        if (updated) byOrdinal.set(ord, updated);
      }
    }

    // RollingUpdate: replace one stale Pod at a time, highest ordinal first, once all are Ready.
    if (strategy === 'RollingUpdate') {
      const all = [...byOrdinal.entries()].sort((a, b) => b[0] - a[0]);
      const allReady = all.length === replicas && all.every(([, p]) => isRunningAndReady(p));
      const stale = all.find(([ord, p]) => ord >= start + partition && revisionOf(p) !== updateRevision);
      if (allReady && stale) {
        await this.terminatePod(stale[1]);
        byOrdinal.delete(stale[0]);
      }
    }

    await this.writeStatus(sts, [...byOrdinal.values()], currentRevision, updateRevision);
  }

  private async createPod(
    sts: V1StatefulSet,
    ordinal: number,
    revision: string,
    fromCurrentRevision: boolean,
  ): Promise<V1Pod | undefined> {
    const name = sts.metadata?.name ?? '';
    const namespace = sts.metadata?.namespace ?? 'default';
    const podName = `${name}-${ordinal}`;
    // Upstream rebuilds older revisions from ControllerRevisions; without them the stand-in can
    // only label such a Pod with the old revision while using the present template.
    if (fromCurrentRevision)
      this.log(`${namespace}/${podName}: created at ${revision} from the present template`);
    const template = structuredClone(sts.spec?.template ?? {});
    const spec = template.spec ?? { containers: [] };
    const volumes: V1Volume[] = (spec.volumes ?? []).slice();
    for (const claim of sts.spec?.volumeClaimTemplates ?? []) {
      const claimName = `${claim.metadata?.name}-${podName}`;
      await this.ensurePvc(sts, claim, claimName);
      const volume: V1Volume = { name: claim.metadata?.name ?? '', persistentVolumeClaim: { claimName } };
      const existing = volumes.findIndex((v) => v.name === volume.name);
      if (existing >= 0) volumes[existing] = volume;
      else volumes.push(volume);
    }
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace,
        labels: {
          ...(template.metadata?.labels ?? {}),
          [CONTROLLER_REVISION_HASH_LABEL]: revision,
          [POD_NAME_LABEL]: podName,
          [POD_INDEX_LABEL]: String(ordinal),
        },
        annotations: template.metadata?.annotations,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name,
            uid: sts.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        ...spec,
        volumes: volumes.length > 0 ? volumes : undefined,
        hostname: podName,
        subdomain: sts.spec?.serviceName || undefined,
        nodeName: this.nodeName,
      },
    };
    try {
      const created = await this.core.createNamespacedPod({
        namespace,
        body: pod,
        fieldManager: FIELD_MANAGER,
      });
      this.log(`created pod ${namespace}/${podName} at ${revision}`);
      return created;
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return undefined; // next pass sees it
      throw err;
    }
  }

  private async ensurePvc(
    sts: V1StatefulSet,
    claim: V1PersistentVolumeClaim,
    claimName: string,
  ): Promise<void> {
    const namespace = sts.metadata?.namespace ?? 'default';
    const body: V1PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName,
        namespace,
        labels: { ...(claim.metadata?.labels ?? {}), ...(sts.spec?.selector?.matchLabels ?? {}) },
        annotations: claim.metadata?.annotations,
      },
      spec: claim.spec,
    };
    try {
      await this.core.createNamespacedPersistentVolumeClaim({ namespace, body, fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw err;
    }
  }

  private async markRunning(pod: V1Pod): Promise<V1Pod | undefined> {
    const now = rfc3339(new Date());
    const podIP = pod.status?.podIP || this.allocatePodIp(pod);
    const started = pod.status?.startTime ? rfc3339(new Date(pod.status.startTime)) : now;
    const condition = (type: string) => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: now,
    });
    const status = {
      phase: 'Running',
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: started,
      conditions: [
        'PodReadyToStartContainers',
        'Initialized',
        'Ready',
        'ContainersReady',
        'PodScheduled',
      ].map(condition),
      initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: `stand-in://${c.image ?? ''}`,
        containerID: `stand-in://${pod.metadata?.uid}/${c.name}`,
        ready: true,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } },
      })),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: `stand-in://${c.image ?? ''}`,
        containerID: `stand-in://${pod.metadata?.uid}/${c.name}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: started } },
      })),
    };
    try {
      return await this.core.patchNamespacedPodStatus(
        {
          name: pod.metadata?.name ?? '',
          namespace: pod.metadata?.namespace ?? '',
          body: { status },
          fieldManager: FIELD_MANAGER,
        },
        mergePatch(),
      );
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  /**
   * What the StatefulSet controller + a fast kubelet do: a graceful delete (watchers see the Pod
   * Terminating), then the kubelet's confirmation (grace period 0).
   */
  private async terminatePod(pod: V1Pod): Promise<void> {
    await this.deletePod(pod);
    await this.deletePod(pod, 0);
  }

  private async deletePod(pod: V1Pod, gracePeriodSeconds?: number): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        gracePeriodSeconds,
      });
      this.log(`deleted pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }

  private async writeStatus(
    sts: V1StatefulSet,
    pods: V1Pod[],
    currentRevision: string,
    updateRevision: string,
  ): Promise<void> {
    const replicas = sts.spec?.replicas ?? 1;
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    const ready = live.filter(isRunningAndReady).length;
    const status = {
      observedGeneration: sts.metadata?.generation ?? 0,
      replicas: live.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: live.filter((p) => revisionOf(p) === currentRevision).length,
      updatedReplicas: live.filter((p) => revisionOf(p) === updateRevision).length,
      currentRevision,
      updateRevision,
      collisionCount: sts.status?.collisionCount ?? 0,
    };
    // Upstream completeRollingUpdate: only RollingUpdate ever advances currentRevision.
    if (
      (sts.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
      status.updatedReplicas === replicas &&
      status.readyReplicas === replicas &&
      status.replicas === replicas
    ) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = updateRevision;
    }
    // The API server omits zero counts (omitempty), so a missing number reads as 0.
    const old = (sts.status ?? {}) as unknown as Record<string, unknown>;
    const unchanged = (Object.keys(status) as (keyof typeof status)[]).every(
      (field) => (old[field] ?? (typeof status[field] === 'number' ? 0 : undefined)) === status[field],
    );
    if (unchanged) return;
    await this.apps
      .patchNamespacedStatefulSetStatus(
        {
          name: sts.metadata?.name ?? '',
          namespace: sts.metadata?.namespace ?? '',
          body: { status },
          fieldManager: FIELD_MANAGER,
        },
        mergePatch(),
      )
      .catch(notFoundAsUndefined);
  }
}

interface OwnerRef {
  kind?: string;
  name?: string;
  controller?: boolean;
}

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? 'default'}/${name ?? ''}`;
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}

function ownerStatefulSet(pod: V1Pod): string | undefined {
  return pod.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet')?.name;
}

function ordinalOf(pod: V1Pod, stsName: string): number | undefined {
  const podName = pod.metadata?.name ?? '';
  const prefix = `${stsName}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

function revisionOf(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

function isRunningAndReady(pod: V1Pod): boolean {
  return (
    pod.status?.phase === 'Running' &&
    !!pod.status.podIP &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

function notFoundAsUndefined(err: unknown): undefined {
  if (err instanceof ApiException && err.code === 404) return undefined;
  throw err;
}

function describe(err: unknown): string {
  if (err instanceof ApiException)
    return `HTTP ${err.code}: ${typeof err.body === 'string' ? err.body : JSON.stringify(err.body)}`;
  return String(err);
}

/** RFC 3339 without fractional seconds, the format metav1.Time serialises to. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** JSON with object keys sorted recursively; `undefined` members dropped, Dates as ISO strings. */
function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
