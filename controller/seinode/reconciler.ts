import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { FINALIZER_SEINODE, nodeMode, type SeiNode, type SeiNodeStatus } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { type KubeObject as Manifest, renderSeiNodeWorkload } from '../../constructs/render';
import { dataPvcName, SEINODE_FIELD_MANAGER } from '../../constructs/seinode/names';
import type { Applier } from '../apply/applier';
import type { EventRecorder } from '../events/recorder';
import type { KubeClient } from '../kube/client';
import { AlreadyExistsError, InvalidError } from '../kube/errors';
import { findResource, type ResourceDescriptor, Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';

/** Read access to the shared informer caches (SeiNodes and the kinds a SeiNode owns). */
export interface CacheReader {
  get<T extends KubeObject>(resource: ResourceDescriptor, namespace: string, name: string): T | undefined;
}

/** Dependencies of {@link SeiNodeReconciler}. */
export interface SeiNodeReconcilerDeps {
  readonly client: KubeClient;
  readonly cache: CacheReader;
  /** Applies rendered objects (skipping provably unchanged ones). */
  readonly applier: Applier;
  readonly platform: PlatformConfig;
  readonly recorder: EventRecorder;
  readonly log: Logger;
  /** Clock for status timestamps. @default () => new Date() */
  readonly now?: () => Date;
}

/** Result of one reconcile. */
export interface ReconcileResult {
  /** Reconcile again after this many milliseconds. */
  readonly requeueAfterMs?: number;
}

/**
 * Reconciles one SeiNode (SPEC §5, §10): read from cache → compute desired (in-memory synth of the
 * same constructs `cdk8s synth` previews) → server-side apply → write status once with an
 * optimistic lock. Level-triggered and idempotent: running it twice in a row changes nothing the
 * second time, and a converged node causes no status write.
 *
 * Deletion: phase `Terminating`, the data PVC this node created is deleted (never an imported PVC,
 * never a PVC another object controls), then the finalizer is removed. Other owned objects are
 * garbage-collected through their owner references.
 */
export class SeiNodeReconciler {
  private readonly now: () => Date;

  constructor(private readonly deps: SeiNodeReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * @throws ConflictError when the SeiNode changed during the reconcile (the work queue retries);
   *   other API errors (retried with backoff). Never throws for invalid specs: those become a
   *   Warning Event and a `Failed`-free status with the reason.
   */
  async reconcile(
    req: { namespace: string; name: string },
    signal?: AbortSignal,
  ): Promise<ReconcileResult | undefined> {
    const cached = this.deps.cache.get<SeiNode>(Resources.SeiNode, req.namespace, req.name);
    if (!cached) return undefined;
    const log = this.deps.log.child({ kind: 'SeiNode', namespace: req.namespace, name: req.name });

    if (cached.metadata.deletionTimestamp) return this.finalize(cached, log, signal);

    let node = cached;
    if (!(node.metadata.finalizers ?? []).includes(FINALIZER_SEINODE)) {
      node = await this.deps.client.patch<SeiNode>(
        Resources.SeiNode,
        { namespace: req.namespace, name: req.name },
        { metadata: { finalizers: [...(node.metadata.finalizers ?? []), FINALIZER_SEINODE] } },
        { resourceVersion: node.metadata.resourceVersion, signal },
      );
      log.debug('added finalizer');
    }

    let manifests: Manifest[];
    try {
      manifests = renderSeiNodeWorkload(node, this.deps.platform);
    } catch (err) {
      // The spec cannot be rendered (a guard or an invariant the schema could not express); only a
      // spec edit can fix it, so report and wait for one instead of retrying.
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ err: message }, 'cannot render workload');
      this.deps.recorder.event(node as KubeObject, 'Warning', 'RenderFailed', 'Render', message);
      return undefined;
    }

    let statefulSet: KubeObject | undefined;
    for (const manifest of manifests) {
      const applied = await this.applyOne(node, manifest, log, signal);
      if (manifest.kind === 'StatefulSet') statefulSet = applied;
    }

    const status = this.desiredStatus(node, statefulSet);
    if (!isDeepStrictEqual(stripUndefined(status), stripUndefined(node.status ?? {}))) {
      await this.writeStatus(node, status, signal);
      if (status.phase !== node.status?.phase) {
        this.deps.recorder.event(
          node as KubeObject,
          'Normal',
          'PhaseTransition',
          'Reconcile',
          `Phase changed from ${node.status?.phase || 'Pending'} to ${status.phase}`,
        );
        log.info({ from: node.status?.phase ?? '', to: status.phase }, 'phase transition');
      }
    }
    return undefined;
  }

  /** Applies one rendered object; the data PVC is created once and never updated. */
  private async applyOne(
    node: SeiNode,
    manifest: Manifest,
    log: Logger,
    signal?: AbortSignal,
  ): Promise<KubeObject | undefined> {
    const resource = findResource(manifest.apiVersion, manifest.kind);
    if (!resource) throw new Error(`no resource descriptor for ${manifest.apiVersion} ${manifest.kind}`);
    const namespace = node.metadata.namespace ?? 'default';
    try {
      if (manifest.kind === 'PersistentVolumeClaim') {
        if (this.deps.cache.get(resource, namespace, manifest.metadata.name)) return undefined;
        try {
          return await this.deps.client.create(resource, manifest as KubeObject, {
            fieldManager: SEINODE_FIELD_MANAGER,
            signal,
          });
        } catch (err) {
          if (err instanceof AlreadyExistsError) return undefined;
          throw err;
        }
      }
      const live = this.deps.cache.get(resource, namespace, manifest.metadata.name);
      return (await this.deps.applier.apply(resource, manifest as KubeObject, live, signal)).object;
    } catch (err) {
      if (err instanceof InvalidError) {
        this.deps.recorder.event(
          node as KubeObject,
          'Warning',
          'ApplyFailed',
          'Apply',
          `${manifest.kind} ${manifest.metadata.name}: ${err.message}`,
        );
      }
      log.warn(
        { err: (err as Error).message, object: `${manifest.kind}/${manifest.metadata.name}` },
        'apply failed',
      );
      throw err;
    }
  }

  private desiredStatus(node: SeiNode, statefulSet: KubeObject | undefined): SeiNodeStatus {
    const prev = node.status ?? {};
    const phase = prev.phase && prev.phase !== 'Pending' ? prev.phase : 'Initializing';
    const sts = statefulSet?.metadata;
    return {
      ...prev,
      phase,
      mode: nodeMode(node.spec),
      observedGeneration: node.metadata.generation,
      phaseTransitionTime:
        phase !== prev.phase
          ? this.now()
              .toISOString()
              .replace(/\.\d+Z$/, 'Z')
          : prev.phaseTransitionTime,
      statefulSet: sts?.name && sts.uid ? { name: sts.name, uid: sts.uid } : prev.statefulSet,
    };
  }

  private async writeStatus(node: SeiNode, status: SeiNodeStatus, signal?: AbortSignal): Promise<SeiNode> {
    return this.deps.client.replaceStatus<SeiNode>(Resources.SeiNode, { ...node, status }, { signal });
  }

  private async finalize(
    node: SeiNode,
    log: Logger,
    signal?: AbortSignal,
  ): Promise<ReconcileResult | undefined> {
    if (!(node.metadata.finalizers ?? []).includes(FINALIZER_SEINODE)) return undefined;
    const namespace = node.metadata.namespace ?? 'default';
    let current = node;
    if (current.status?.phase !== 'Terminating') {
      current = await this.writeStatus(
        current,
        {
          ...current.status,
          phase: 'Terminating',
          phaseTransitionTime: this.now()
            .toISOString()
            .replace(/\.\d+Z$/, 'Z'),
        },
        signal,
      );
      this.deps.recorder.event(
        current as KubeObject,
        'Normal',
        'PhaseTransition',
        'Delete',
        `Phase changed from ${node.status?.phase || 'Pending'} to Terminating`,
      );
    }
    if (!current.spec.dataVolume?.import?.pvcName) {
      const name = dataPvcName(node.metadata.name ?? '');
      const pvc =
        this.deps.cache.get(Resources.PersistentVolumeClaim, namespace, name) ??
        (await this.deps.client.get(Resources.PersistentVolumeClaim, { namespace, name }, signal));
      const ownedByThisNode = pvc?.metadata?.ownerReferences?.some(
        (r) => r.controller && r.uid === node.metadata.uid,
      );
      if (pvc && ownedByThisNode) {
        await this.deps.client.delete(
          Resources.PersistentVolumeClaim,
          { namespace, name },
          { preconditions: { uid: pvc.metadata?.uid }, signal },
        );
        log.info({ pvc: name }, 'deleted data PVC');
      } else if (pvc) {
        log.warn({ pvc: name }, 'data PVC is not controlled by this SeiNode; leaving it');
      }
    }
    // Locked on resourceVersion: a concurrent finalizer change conflicts and is retried.
    await this.deps.client.patch(
      Resources.SeiNode,
      { namespace, name: node.metadata.name ?? '' },
      {
        metadata: { finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== FINALIZER_SEINODE) },
      },
      { resourceVersion: current.metadata.resourceVersion, signal },
    );
    log.info('finalized');
    return undefined;
  }
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
