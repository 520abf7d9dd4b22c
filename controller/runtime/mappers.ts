/**
 * Mappers: turn an event on a watched object into the primary-object requests to reconcile.
 */
import { apiGroup, type ResourceDescriptor } from '../kube/resources.js';
import { controllerOf, type KubeObject } from '../kube/types.js';
import type { Request } from './reconciler.js';

/** Maps a watched object to zero or more requests of the controller's primary kind. */
export type MapFunc<S extends KubeObject = KubeObject> = (obj: S) => Iterable<Request>;

/** The object itself (how the primary kind is mapped). */
export const self: MapFunc = (obj) => {
  const name = obj.metadata?.name;
  return name ? [{ namespace: obj.metadata?.namespace ?? '', name }] : [];
};

/**
 * Maps an owned object to its controller: the `ownerReferences` entry with `controller: true`
 * whose kind and API group (any version) match `owner`. The owner is assumed to live in the
 * owned object's namespace (owner references cannot cross namespaces).
 *
 * @param owner Descriptor (or `{ apiVersion, kind }`) of the owning kind.
 */
export function ownedBy(owner: Pick<ResourceDescriptor, 'apiVersion' | 'kind'>): MapFunc {
  const group = apiGroup(owner.apiVersion);
  return (obj) => {
    const ref = controllerOf(obj);
    if (!ref || ref.kind !== owner.kind || apiGroup(ref.apiVersion) !== group) return [];
    return [{ namespace: obj.metadata?.namespace ?? '', name: ref.name }];
  };
}
