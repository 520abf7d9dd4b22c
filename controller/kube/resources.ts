/**
 * Resource descriptors: how the client finds a kind on the API server without discovery.
 *
 * A descriptor is the static identity of a REST resource (`apiVersion`, `kind`, `plural`, and
 * whether it lives in a namespace). The registry below lists every kind the controller touches;
 * the client, informers and RBAC tables all key on these objects.
 */

/** Static identity of one Kubernetes REST resource. */
export interface ResourceDescriptor {
  /** `group/version`, or just `version` for the core group (e.g. `v1`, `apps/v1`, `sei.io/v1alpha1`). */
  readonly apiVersion: string;
  /** The object kind, e.g. `StatefulSet`. */
  readonly kind: string;
  /** The lower-case plural used in URLs, e.g. `statefulsets`. */
  readonly plural: string;
  /** `true` when objects live in a namespace; `false` for cluster-scoped kinds (e.g. PersistentVolume). */
  readonly namespaced: boolean;
}

/** Reference to one object: `namespace` is ignored (and may be omitted) for cluster-scoped kinds. */
export interface ObjectRef {
  readonly namespace?: string | undefined;
  readonly name: string;
}

/**
 * Defines a descriptor (a frozen object, so descriptors can be compared by identity or by value).
 *
 * @param apiVersion `group/version`, or `v1` for the core group.
 * @param kind The object kind.
 * @param plural The URL plural.
 * @param namespaced Whether the kind is namespaced.
 * @default namespaced `true`
 */
export function defineResource(
  apiVersion: string,
  kind: string,
  plural: string,
  namespaced = true,
): ResourceDescriptor {
  return Object.freeze({ apiVersion, kind, plural, namespaced });
}

/** The kinds the controller reads or writes. */
export const Resources = Object.freeze({
  SeiNode: defineResource('sei.io/v1alpha1', 'SeiNode', 'seinodes'),
  SeiNodeDeployment: defineResource('sei.io/v1alpha1', 'SeiNodeDeployment', 'seinodedeployments'),
  StatefulSet: defineResource('apps/v1', 'StatefulSet', 'statefulsets'),
  Service: defineResource('v1', 'Service', 'services'),
  PersistentVolumeClaim: defineResource('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  PersistentVolume: defineResource('v1', 'PersistentVolume', 'persistentvolumes', false),
  ConfigMap: defineResource('v1', 'ConfigMap', 'configmaps'),
  Pod: defineResource('v1', 'Pod', 'pods'),
  Secret: defineResource('v1', 'Secret', 'secrets'),
  ServiceAccount: defineResource('v1', 'ServiceAccount', 'serviceaccounts'),
  Namespace: defineResource('v1', 'Namespace', 'namespaces', false),
  /** `events.k8s.io/v1` Event: what the controller records. */
  Event: defineResource('events.k8s.io/v1', 'Event', 'events'),
  /** Core `v1` Event: what `kubectl describe` has historically read; same storage as `Event`. */
  CoreEvent: defineResource('v1', 'Event', 'events'),
  Lease: defineResource('coordination.k8s.io/v1', 'Lease', 'leases'),
  Job: defineResource('batch/v1', 'Job', 'jobs'),
  CustomResourceDefinition: defineResource(
    'apiextensions.k8s.io/v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
  ),
});

/** Name of a registered resource (a key of {@link Resources}). */
export type ResourceName = keyof typeof Resources;

/**
 * Finds a registered descriptor by `apiVersion` and `kind`.
 *
 * @returns The descriptor, or `undefined` when the kind is not in {@link Resources}.
 */
export function findResource(apiVersion: string, kind: string): ResourceDescriptor | undefined {
  for (const r of Object.values(Resources)) {
    if (r.apiVersion === apiVersion && r.kind === kind) return r;
  }
  return undefined;
}

/** The API group of a descriptor or apiVersion: `''` for the core group. */
export function apiGroup(resourceOrApiVersion: ResourceDescriptor | string): string {
  const v = typeof resourceOrApiVersion === 'string' ? resourceOrApiVersion : resourceOrApiVersion.apiVersion;
  const slash = v.indexOf('/');
  return slash < 0 ? '' : v.slice(0, slash);
}

/**
 * Builds the URL path (no query string) of a resource, an object, or one of its subresources.
 *
 * - namespaced kind + namespace → `/apis/g/v/namespaces/<ns>/<plural>[/<name>[/<sub>]]`
 * - namespaced kind, no namespace (all namespaces; only valid for list/watch) → `/apis/g/v/<plural>`
 * - core group (`v1`) uses the `/api/v1` prefix.
 *
 * @throws TypeError when a name is given for a namespaced kind without a namespace, or a
 *   subresource is given without a name.
 */
export function resourcePath(
  resource: ResourceDescriptor,
  opts: { namespace?: string | undefined; name?: string | undefined; subresource?: string | undefined } = {},
): string {
  const prefix = resource.apiVersion.includes('/')
    ? `/apis/${resource.apiVersion}`
    : `/api/${resource.apiVersion}`;
  const { namespace, name, subresource } = opts;
  if (resource.namespaced && name !== undefined && !namespace) {
    throw new TypeError(`${resource.kind} ${name}: a namespace is required for a namespaced kind`);
  }
  if (subresource !== undefined && name === undefined) {
    throw new TypeError(`${resource.kind}: subresource ${subresource} needs an object name`);
  }
  let path = prefix;
  if (resource.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}
