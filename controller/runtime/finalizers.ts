import type { KubeClient } from '../kube/client';
import type { ResourceDescriptor } from '../kube/resources';
import type { KubeObject } from '../kube/types';

/**
 * Adds `finalizer` to `obj` unless present, with a merge patch locked on its resourceVersion (a
 * concurrent change conflicts and the reconcile is retried).
 *
 * @returns the object as stored after the patch, or `obj` itself when nothing was needed
 */
export async function ensureFinalizer<T extends KubeObject>(
  client: KubeClient,
  resource: ResourceDescriptor,
  obj: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  const finalizers = obj.metadata?.finalizers ?? [];
  if (finalizers.includes(finalizer)) return obj;
  return client.patch<T>(
    resource,
    { namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' },
    { metadata: { finalizers: [...finalizers, finalizer] } },
    { resourceVersion: obj.metadata?.resourceVersion, signal },
  );
}

/** Removes `finalizer`, locked on the resourceVersion of `obj`. */
export async function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  resource: ResourceDescriptor,
  obj: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<void> {
  await client.patch(
    resource,
    { namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' },
    { metadata: { finalizers: (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer) } },
    { resourceVersion: obj.metadata?.resourceVersion, signal },
  );
}
