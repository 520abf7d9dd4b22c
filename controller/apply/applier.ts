import { createHash } from 'node:crypto';
import type { KubeClient } from '../kube/client';
import type { ResourceDescriptor } from '../kube/resources';
import type { KubeObject } from '../kube/types';

/** What {@link Applier.apply} did. */
export type ApplyOutcome = 'applied' | 'unchanged';

interface Remembered {
  readonly hash: string;
  /** `metadata.generation` after our apply (objects with a spec generation), else resourceVersion. */
  readonly version: string;
}

/**
 * Server-side apply that skips requests which cannot change anything, so an idle fleet issues no
 * API writes (SPEC §13) even while owned objects' status changes wake the reconciler.
 *
 * An apply is skipped only when (a) this process applied the very same manifest (by content hash)
 * and (b) the live object in the cache has not been changed since — same `generation` for kinds
 * with one (StatefulSet: status updates do not count, spec edits by anyone do), same
 * `resourceVersion` otherwise. Any drift, a restart of the controller, or a new desired manifest
 * therefore re-applies (with `force`), and the API server stays the judge of what changed.
 */
export class Applier {
  private readonly remembered = new Map<string, Remembered>();

  /**
   * @param client - the API client
   * @param fieldManager - SSA field manager, e.g. `seinode-controller`
   */
  constructor(
    private readonly client: KubeClient,
    private readonly fieldManager: string,
  ) {}

  /**
   * Applies `desired` unless provably unchanged.
   *
   * @param live - the object as currently cached (undefined when absent)
   * @returns the outcome and the live object after the call
   * @throws KubeApiError from the server (InvalidError for a rejected manifest)
   */
  async apply<T extends KubeObject>(
    resource: ResourceDescriptor,
    desired: T,
    live: T | undefined,
    signal?: AbortSignal,
  ): Promise<{ outcome: ApplyOutcome; object: T }> {
    const key = `${resource.plural}/${desired.metadata?.namespace ?? ''}/${desired.metadata?.name ?? ''}`;
    const hash = createHash('sha256').update(JSON.stringify(desired)).digest('hex');
    const prev = this.remembered.get(key);
    if (live && prev && prev.hash === hash && prev.version === versionOf(live)) {
      return { outcome: 'unchanged', object: live };
    }
    const object = await this.client.apply<T>(resource, desired, {
      fieldManager: this.fieldManager,
      force: true,
      signal,
    });
    this.remembered.set(key, { hash, version: versionOf(object) });
    return { outcome: 'applied', object };
  }

  /** Forgets everything about objects under `namespace/name`-prefixed keys (after a delete). */
  forget(resource: ResourceDescriptor, namespace: string, name: string): void {
    this.remembered.delete(`${resource.plural}/${namespace}/${name}`);
  }
}

function versionOf(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.generation !== undefined ? `g${m.generation}` : `rv${m.resourceVersion ?? ''}`;
}
