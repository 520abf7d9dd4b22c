/**
 * A thin typed client over `@kubernetes/client-node`: CRUD, server-side apply, status
 * subresource writes with optimistic locking, paginated lists and streaming watches, for any
 * {@link ResourceDescriptor}. Objects are plain JSON (`KubeObject`), exactly as the API server
 * sends them.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { GoneError, NotFoundError } from './errors.js';
import { Selector, type SelectorInput } from './label-selector.js';
import type { RequestObserver } from './request-counter.js';
import { type ObjectRef, type ResourceDescriptor, resourcePath } from './resources.js';
import { type HttpRequest, type Impersonation, KubeTransport, type TransportOptions } from './transport.js';
import type { KubeObject, ObjectList, WatchEvent } from './types.js';
import { watchEvents } from './watch.js';

/** Options of {@link KubeClient}. */
export interface KubeClientOptions extends TransportOptions {
  /** Field manager for server-side apply and other writes. @default 'sei-k8s-controller' */
  fieldManager?: string;
}

/**
 * `Accept` headers of metadata-only lists and watches (what controller-runtime's metadata informers
 * and `builder.OnlyMetadata` use): the API server answers with `meta.k8s.io/v1`
 * `PartialObjectMetadataList` / `PartialObjectMetadata` — `metadata` only, no spec or status. For
 * owned objects the controller reads only metadata of (ownership, generation, resourceVersion) this
 * saves the API server the encoding and the controller the decoding and caching of whole objects.
 * The client sets each object's `apiVersion` and `kind` back to the listed resource's. A server
 * that cannot answer so sends whole objects (the `application/json` fallback).
 */
export const METADATA_ONLY_ACCEPT = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
} as const;

/** Options of {@link KubeClient.list}. */
export interface ListOptions {
  /** Namespace to list; omit (or `''`) for all namespaces. Ignored for cluster-scoped kinds. */
  namespace?: string | undefined;
  labelSelector?: SelectorInput;
  fieldSelector?: string | undefined;
  /** Page size; pages are fetched until the list is complete. @default 500 */
  pageSize?: number;
  /** Fetch only `metadata` of each object (see {@link METADATA_ONLY_ACCEPT}). @default false */
  metadataOnly?: boolean;
  signal?: AbortSignal | undefined;
}

/** Options of {@link KubeClient.watch}. */
export interface WatchOptions {
  /** Namespace to watch; omit for all namespaces. */
  namespace?: string | undefined;
  labelSelector?: SelectorInput;
  fieldSelector?: string | undefined;
  /** Start after this resourceVersion (normally a list's or the last event's). Omit for "now". */
  resourceVersion?: string | undefined;
  /** Ask for `BOOKMARK` events. @default true */
  allowWatchBookmarks?: boolean;
  /** Server-side watch duration in seconds; the server ends the stream cleanly after it. */
  timeoutSeconds?: number | undefined;
  /** Client-side inactivity timeout in ms (see `WatchIdleTimeoutError`); `0` disables. @default 0 */
  idleTimeoutMs?: number;
  /** Receive only `metadata` of each object (see {@link METADATA_ONLY_ACCEPT}). @default false */
  metadataOnly?: boolean;
  /** Aborting closes the connection. */
  signal?: AbortSignal | undefined;
}

/** Options shared by writes. */
export interface WriteOptions {
  /** Override the client's field manager. */
  fieldManager?: string;
  /** `'All'` for a server-side dry run (nothing is persisted). */
  dryRun?: 'All';
  signal?: AbortSignal | undefined;
}

/** Options of {@link KubeClient.apply}. */
export interface ApplyOptions extends WriteOptions {
  /** Take ownership of fields managed by others. @default true */
  force?: boolean;
  /** Apply to a subresource (e.g. `status`). */
  subresource?: 'status';
}

/** Options of {@link KubeClient.patch}. */
export interface PatchOptions extends WriteOptions {
  /**
   * `merge` = JSON merge patch (RFC 7386, body is a partial object); `json` = JSON patch
   * (RFC 6902, body is an array of operations).
   * @default 'merge'
   */
  type?: 'merge' | 'json';
  /**
   * Optimistic lock (merge patches only): sent as `metadata.resourceVersion`, so the patch fails
   * with `ConflictError` if the object changed since it was read.
   */
  resourceVersion?: string | undefined;
  subresource?: 'status';
}

/** Options of {@link KubeClient.delete}. */
export interface DeleteOptions {
  /** @default the kind's default (Background for most) */
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only if the object still has this uid / resourceVersion; otherwise `ConflictError`. */
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: 'All';
  signal?: AbortSignal | undefined;
}

/** The minimal view of an object needed to address it and lock on its version. */
export interface VersionedRef {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string } | undefined;
}

const APPLY_PATCH = 'application/apply-patch+yaml';
const MERGE_PATCH = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

/** Typed, resource-generic API client. Cheap to create; share one per identity. */
export class KubeClient {
  /** The request layer (exposed for tests and for callers that need a raw request). */
  readonly transport: KubeTransport;
  /** Default field manager of writes. */
  readonly fieldManager: string;

  /**
   * @param kubeConfig A loaded `KubeConfig` (current context selects cluster and user).
   * @param options See {@link KubeClientOptions}.
   * @throws Error when the config has no current cluster.
   */
  constructor(
    readonly kubeConfig: KubeConfig,
    readonly options: KubeClientOptions = {},
  ) {
    this.transport = new KubeTransport(kubeConfig, options);
    this.fieldManager = options.fieldManager ?? 'sei-k8s-controller';
  }

  /**
   * Client from a kubeconfig file, or from the default chain (`$KUBECONFIG`, `~/.kube/config`,
   * in-cluster service account) when `path` is omitted.
   */
  static fromKubeconfig(path?: string, options: KubeClientOptions = {}): KubeClient {
    const kc = new KubeConfig();
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    return new KubeClient(kc, options);
  }

  /**
   * A client with the same config, options and observers that acts as another user.
   * @throws Error when more than one group is requested (see {@link Impersonation.groups}).
   */
  impersonating(impersonate: Impersonation): KubeClient {
    return new KubeClient(this.kubeConfig, { ...this.options, impersonate });
  }

  /** A client with the same config and options plus one more request observer. */
  withObserver(observer: RequestObserver): KubeClient {
    return new KubeClient(this.kubeConfig, {
      ...this.options,
      observers: [...(this.options.observers ?? []), observer],
    });
  }

  /**
   * Reads one object.
   * @returns The object, or `null` when it does not exist (404).
   * @throws KubeApiError for any other failure (e.g. ForbiddenError).
   */
  async get<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    ref: ObjectRef,
    signal?: AbortSignal,
  ): Promise<T | null> {
    try {
      return await this.transport.json<T>({
        method: 'GET',
        path: resourcePath(resource, ref),
        verb: 'get',
        resource: resource.plural,
        namespace: ref.namespace,
        signal,
      });
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /**
   * Lists objects, following `continue` tokens until complete. Items get `apiVersion`/`kind`
   * filled in (core lists omit them). If a continue token expires mid-way (410), the list is
   * restarted once without pagination.
   *
   * @returns All items and the list's resourceVersion (start a watch from it).
   * @throws KubeApiError on failure.
   */
  async list<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> {
    try {
      return await this.listPages<T>(resource, opts, opts.pageSize ?? 500);
    } catch (err) {
      if (err instanceof GoneError && (opts.pageSize ?? 500) > 0) return this.listPages<T>(resource, opts, 0);
      throw err;
    }
  }

  private async listPages<T extends KubeObject>(
    resource: ResourceDescriptor,
    opts: ListOptions,
    pageSize: number,
  ): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    const labelSelector = Selector.from(opts.labelSelector).toString() || undefined;
    do {
      const page = await this.transport.json<{
        metadata?: { resourceVersion?: string; continue?: string };
        items?: T[];
      }>({
        method: 'GET',
        path: resourcePath(resource, { namespace: opts.namespace || undefined }),
        query: {
          labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: pageSize > 0 ? pageSize : undefined,
          continue: cont,
        },
        verb: 'list',
        resource: resource.plural,
        namespace: opts.namespace,
        ...(opts.metadataOnly ? { accept: METADATA_ONLY_ACCEPT.list } : {}),
        signal: opts.signal,
      });
      for (const item of page.items ?? []) {
        if (opts.metadataOnly) {
          item.apiVersion = resource.apiVersion;
          item.kind = resource.kind;
        } else {
          item.apiVersion ??= resource.apiVersion;
          item.kind ??= resource.kind;
        }
        items.push(item);
      }
      if (!cont) resourceVersion = page.metadata?.resourceVersion ?? '';
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  /**
   * Creates an object (POST). `apiVersion`/`kind` default from the descriptor.
   * @returns The created object as stored.
   * @throws AlreadyExistsError when the name is taken; InvalidError on validation failure.
   */
  async create<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    obj: NoInfer<T>,
    opts: WriteOptions = {},
  ): Promise<T> {
    const ns = obj.metadata?.namespace;
    return this.transport.json<T>({
      method: 'POST',
      path: resourcePath(resource, { namespace: ns }),
      query: { fieldManager: opts.fieldManager ?? this.fieldManager, dryRun: opts.dryRun },
      body: withTypeMeta(resource, obj),
      verb: 'create',
      resource: resource.plural,
      namespace: ns,
      signal: opts.signal,
    });
  }

  /**
   * Server-side apply (`PATCH`, `application/apply-patch+yaml`, `fieldManager`, `force=true`):
   * creates the object or makes this field manager's fields equal to `obj`. Idempotent: applying
   * the same intent again does not change `resourceVersion`. Include `metadata.resourceVersion`
   * in `obj` to make the apply conditional.
   *
   * @param obj Fully specified intent: `metadata.name` (and `namespace` for namespaced kinds) required.
   * @returns The object as stored after the apply.
   * @throws TypeError without a name/namespace; ConflictError (only with `force: false`, or on a
   *   stale `resourceVersion`); InvalidError on validation failure.
   */
  async apply<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    obj: NoInfer<T>,
    opts: ApplyOptions = {},
  ): Promise<T> {
    const ref = refOf(resource, obj);
    return this.transport.json<T>({
      method: 'PATCH',
      path: resourcePath(resource, { ...ref, subresource: opts.subresource }),
      query: {
        fieldManager: opts.fieldManager ?? this.fieldManager,
        force: opts.force ?? true,
        dryRun: opts.dryRun,
      },
      body: withTypeMeta(resource, obj),
      contentType: APPLY_PATCH,
      verb: 'apply',
      resource: subresourceLabel(resource, opts.subresource),
      namespace: ref.namespace,
      signal: opts.signal,
    });
  }

  /**
   * Patches an object (JSON merge patch by default).
   *
   * @param patch Merge patch (partial object) or, with `type: 'json'`, an array of JSON-patch operations.
   * @returns The patched object.
   * @throws NotFoundError when absent; ConflictError when `resourceVersion` is stale; TypeError when
   *   `resourceVersion` is combined with a JSON patch.
   */
  async patch<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    ref: ObjectRef,
    patch: Record<string, unknown> | unknown[],
    opts: PatchOptions = {},
  ): Promise<T> {
    const type = opts.type ?? 'merge';
    let body: unknown = patch;
    if (opts.resourceVersion !== undefined) {
      if (type !== 'merge' || Array.isArray(patch)) {
        throw new TypeError(
          'resourceVersion preconditions need a merge patch (use a "test" op in JSON patches)',
        );
      }
      const p = patch as { metadata?: Record<string, unknown> };
      body = { ...p, metadata: { ...p.metadata, resourceVersion: opts.resourceVersion } };
    }
    return this.transport.json<T>({
      method: 'PATCH',
      path: resourcePath(resource, { ...ref, subresource: opts.subresource }),
      query: { fieldManager: opts.fieldManager ?? this.fieldManager, dryRun: opts.dryRun },
      body,
      contentType: type === 'merge' ? MERGE_PATCH : JSON_PATCH,
      verb: 'patch',
      resource: subresourceLabel(resource, opts.subresource),
      namespace: ref.namespace,
      signal: opts.signal,
    });
  }

  /**
   * Deletes an object. A missing object is not an error.
   *
   * @returns `true` when the server accepted the deletion (the object may linger while finalizers
   *   run), `false` when it did not exist.
   * @throws ConflictError when a precondition fails; other KubeApiErrors.
   */
  async delete(resource: ResourceDescriptor, ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.transport.json<unknown>({
        method: 'DELETE',
        path: resourcePath(resource, ref),
        query: { dryRun: opts.dryRun },
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: opts.propagationPolicy,
          preconditions: opts.preconditions,
          gracePeriodSeconds: opts.gracePeriodSeconds,
        },
        verb: 'delete',
        resource: resource.plural,
        namespace: ref.namespace,
        signal: opts.signal,
      });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * Replaces the status subresource (`PUT …/status`) with `obj.status`, locked on
   * `obj.metadata.resourceVersion`: if the object changed since it was read the server answers
   * 409 and this throws `ConflictError` (never retried here).
   *
   * @param obj The object as read, with the new `status`; `metadata.resourceVersion` is required.
   * @returns The stored object.
   * @throws TypeError without `metadata.resourceVersion`; ConflictError; NotFoundError; InvalidError.
   */
  async replaceStatus<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    obj: NoInfer<T>,
    opts: WriteOptions = {},
  ): Promise<T> {
    const ref = refOf(resource, obj);
    if (!obj.metadata?.resourceVersion) {
      throw new TypeError(
        `replaceStatus ${ref.name}: metadata.resourceVersion is required (optimistic lock)`,
      );
    }
    return this.transport.json<T>({
      method: 'PUT',
      path: resourcePath(resource, { ...ref, subresource: 'status' }),
      query: { fieldManager: opts.fieldManager ?? this.fieldManager, dryRun: opts.dryRun },
      body: withTypeMeta(resource, obj),
      verb: 'update',
      resource: `${resource.plural}/status`,
      namespace: ref.namespace,
      signal: opts.signal,
    });
  }

  /**
   * Merge-patches the status subresource, locked on the resourceVersion of the object as read:
   * sends `{ metadata: { resourceVersion }, status }`; a stale version gives `ConflictError`.
   *
   * @param current The object as read (its name, namespace and `metadata.resourceVersion` are used).
   * @param status Merge patch for `.status` (`null` values delete fields).
   * @returns The stored object.
   * @throws TypeError without `metadata.resourceVersion`; ConflictError; NotFoundError; InvalidError.
   */
  async patchStatus<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    current: VersionedRef,
    status: Record<string, unknown>,
    opts: WriteOptions = {},
  ): Promise<T> {
    const ref = refOf(resource, current);
    const resourceVersion = current.metadata?.resourceVersion;
    if (!resourceVersion) {
      throw new TypeError(`patchStatus ${ref.name}: metadata.resourceVersion is required (optimistic lock)`);
    }
    return this.patch<T>(resource, ref, { status }, { ...opts, resourceVersion, subresource: 'status' });
  }

  /**
   * Opens a watch. Iterate the result; stop iterating (or abort `signal`) to close the connection.
   * The stream ends normally when the server's `timeoutSeconds` expires.
   *
   * @returns Async iterable of events (`ERROR` events are yielded, e.g. 410 "too old resource version").
   * @throws (from iteration) GoneError / ForbiddenError / other KubeApiError when the server refuses
   *   the watch; WatchIdleTimeoutError on inactivity; fetch errors on connection loss.
   */
  watch<T extends KubeObject = KubeObject>(
    resource: ResourceDescriptor,
    opts: WatchOptions = {},
  ): AsyncGenerator<WatchEvent<T>> {
    const req: HttpRequest = {
      method: 'GET',
      path: resourcePath(resource, { namespace: opts.namespace || undefined }),
      query: {
        labelSelector: Selector.from(opts.labelSelector).toString() || undefined,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion || undefined,
        allowWatchBookmarks: opts.allowWatchBookmarks ?? true,
        timeoutSeconds: opts.timeoutSeconds,
      },
      verb: 'watch',
      resource: resource.plural,
      namespace: opts.namespace,
      ...(opts.metadataOnly ? { accept: METADATA_ONLY_ACCEPT.watch } : {}),
      signal: opts.signal,
    };
    const events = watchEvents<T>(this.transport, req, opts.idleTimeoutMs ?? 0);
    return opts.metadataOnly ? retyped(events, resource) : events;
  }
}

/** Sets `apiVersion`/`kind` of metadata-only watch objects (PartialObjectMetadata) to the resource's. */
async function* retyped<T extends KubeObject>(
  events: AsyncGenerator<WatchEvent<T>>,
  resource: ResourceDescriptor,
): AsyncGenerator<WatchEvent<T>> {
  for await (const ev of events) {
    if (ev.type !== 'ERROR' && ev.object && (ev.object as KubeObject).kind === 'PartialObjectMetadata') {
      (ev.object as KubeObject).apiVersion = resource.apiVersion;
      (ev.object as KubeObject).kind = resource.kind;
    }
    yield ev;
  }
}

function withTypeMeta<T extends KubeObject>(resource: ResourceDescriptor, obj: T): T {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion ?? resource.apiVersion, kind: obj.kind ?? resource.kind };
}

function refOf(
  resource: ResourceDescriptor,
  obj: VersionedRef,
): { namespace: string | undefined; name: string } {
  const name = obj.metadata?.name;
  if (!name) throw new TypeError(`${resource.kind}: metadata.name is required`);
  const namespace = resource.namespaced ? obj.metadata?.namespace : undefined;
  if (resource.namespaced && !namespace)
    throw new TypeError(`${resource.kind} ${name}: metadata.namespace is required`);
  return { namespace, name };
}

function subresourceLabel(resource: ResourceDescriptor, subresource: string | undefined): string {
  return subresource ? `${resource.plural}/${subresource}` : resource.plural;
}
