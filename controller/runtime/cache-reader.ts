import type { ResourceDescriptor } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { CacheReader } from '../planner/task';
import type { Informer } from './informer';

/** A {@link CacheReader} over the shared informers of the kinds a controller reads. */
export function cacheReaderOf(informers: ReadonlyMap<ResourceDescriptor, Informer<KubeObject>>): CacheReader {
  return {
    get: <T extends KubeObject>(resource: ResourceDescriptor, namespace: string, name: string) =>
      informers.get(resource)?.cache.get(namespace, name) as T | undefined,
    list: <T extends KubeObject>(
      resource: ResourceDescriptor,
      namespace: string | undefined,
      labelSelector?: Record<string, string>,
    ) => (informers.get(resource)?.cache.list({ namespace, labelSelector }) ?? []) as T[],
  };
}
