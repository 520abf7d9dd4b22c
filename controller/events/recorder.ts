import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/client';
import { Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';

/** Event severity (Kubernetes `type`). */
export type EventType = 'Normal' | 'Warning';

/** Records Kubernetes Events about objects the controller reconciles. */
export interface EventRecorder {
  /**
   * Records an Event about `regarding`. Never throws: a failure to record is logged, not raised.
   * @param reason - stable CamelCase reason, e.g. `PhaseTransition`
   * @param note - human-readable message (≤ 1 KiB; longer is truncated)
   */
  event(regarding: KubeObject, type: EventType, reason: string, action: string, note: string): void;
}

/**
 * Writes `events.k8s.io/v1` Events (what `kubectl describe` and `kubectl events` show), with
 * `reportingController` set to the controller name. Identical events (same object, reason and note)
 * within `dedupeMs` are dropped so a flapping condition cannot flood the API server.
 */
export class KubeEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, number>();

  /**
   * @param client - API client (needs create on events.k8s.io events)
   * @param reportingController - e.g. `sei.io/seinode-controller`
   * @param reportingInstance - the controller pod name
   * @param onError - called when an Event cannot be written
   * @param dedupeMs - suppression window for identical events @default 300000 (5 min)
   * @param now - clock (tests) @default Date.now
   */
  constructor(
    private readonly client: KubeClient,
    private readonly reportingController: string,
    private readonly reportingInstance: string,
    private readonly onError: (err: unknown) => void,
    private readonly dedupeMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  event(regarding: KubeObject, type: EventType, reason: string, action: string, note: string): void {
    const meta = regarding.metadata ?? {};
    const key = `${meta.uid}|${reason}|${note}`;
    const t = this.now();
    const last = this.recent.get(key);
    if (last !== undefined && t - last < this.dedupeMs) return;
    this.recent.set(key, t);
    if (this.recent.size > 10_000) this.prune(t);
    const namespace = meta.namespace ?? 'default';
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${meta.name}.${t.toString(16)}${randomBytes(2).toString('hex')}`, namespace },
      eventTime: new Date(t).toISOString().replace('Z', '000Z'),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      action,
      reason,
      type,
      note: note.length > 1024 ? `${note.slice(0, 1021)}...` : note,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
    };
    this.client.create(Resources.Event, body).catch(this.onError);
  }

  private prune(t: number): void {
    for (const [k, at] of this.recent) if (t - at >= this.dedupeMs) this.recent.delete(k);
  }
}
