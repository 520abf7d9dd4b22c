/**
 * The shared object store an informer fills and reconcilers read: objects keyed
 * `namespace/name`, listable by namespace and label selector, with secondary indexes (one
 * built in: owner UID).
 *
 * Objects in the cache are shared by every reader. By default they are deep-frozen on insert,
 * so an accidental mutation throws (ESM code is strict) instead of silently corrupting the
 * cache; copy (`structuredClone`) before editing.
 */
import { Selector, type SelectorInput } from '../kube/label-selector.js';
import { joinKey, type KubeObject, objectKey } from '../kube/types.js';

/** Maps an object to the index values it is filed under (may be empty). */
export type IndexFunc<T extends KubeObject> = (obj: T) => readonly string[];

/** Name of the built-in index of objects by the UIDs of their owner references. */
export const OWNER_UID_INDEX = 'ownerUid';

/** Built-in index: every `metadata.ownerReferences[].uid`. */
export const ownerUidIndex: IndexFunc<KubeObject> = (obj) =>
  obj.metadata?.ownerReferences?.map((r) => r.uid) ?? [];

/** Options of {@link ObjectCache}. */
export interface ObjectCacheOptions<T extends KubeObject> {
  /** Extra indexes by name (the owner-UID index is always present). */
  indexers?: Record<string, IndexFunc<T>>;
  /** Deep-freeze objects on insert. @default true */
  freeze?: boolean;
}

/** Options of {@link ObjectCache.list}. */
export interface CacheListOptions {
  /** Only this namespace (`undefined` / `''` = all). */
  namespace?: string | undefined;
  /** Only objects whose labels match. */
  labelSelector?: SelectorInput;
}

/** Changes that {@link ObjectCache.replace} made, in the shape handlers need. */
export interface CacheDiff<T> {
  added: T[];
  updated: { old: T; new: T }[];
  deleted: T[];
}

/** An in-memory, indexed store of objects of one kind. */
export class ObjectCache<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly indexers: Map<string, IndexFunc<T>>;
  /** index name → index value → keys */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly freeze: boolean;

  /** @param options See {@link ObjectCacheOptions}. */
  constructor(options: ObjectCacheOptions<T> = {}) {
    this.freeze = options.freeze ?? true;
    this.indexers = new Map<string, IndexFunc<T>>([[OWNER_UID_INDEX, ownerUidIndex as IndexFunc<T>]]);
    for (const [name, fn] of Object.entries(options.indexers ?? {})) this.indexers.set(name, fn);
    for (const name of this.indexers.keys()) this.indexes.set(name, new Map());
  }

  /**
   * Adds an index (and files the current content under it). No-op if an index of that name exists.
   * @returns `true` when added, `false` when the name was taken.
   */
  addIndex(name: string, fn: IndexFunc<T>): boolean {
    if (this.indexers.has(name)) return false;
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indexes.set(name, idx);
    for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(idx, v, key);
    return true;
  }

  /** Number of objects. */
  get size(): number {
    return this.items.size;
  }

  /** The object `namespace/name` (`namespace` ignored when empty: cluster-scoped), or `undefined`. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(joinKey(namespace, name));
  }

  /** The object with this `namespace/name` key, or `undefined`. */
  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /** Whether the key is present. */
  has(key: string): boolean {
    return this.items.has(key);
  }

  /** All keys (insertion order). */
  keys(): string[] {
    return [...this.items.keys()];
  }

  /**
   * Objects in a namespace and/or matching a label selector (insertion order, unsorted).
   * @throws SyntaxError on a malformed string selector.
   */
  list(opts: CacheListOptions = {}): T[] {
    const selector = Selector.from(opts.labelSelector);
    let candidates: Iterable<T>;
    if (opts.namespace) {
      const keys = this.byNamespace.get(opts.namespace);
      candidates = keys ? [...keys].map((k) => this.items.get(k) as T) : [];
    } else {
      candidates = this.items.values();
    }
    const out: T[] = [];
    for (const obj of candidates) if (selector.empty || selector.matches(obj.metadata?.labels)) out.push(obj);
    return out;
  }

  /**
   * Objects filed under `value` in index `index`.
   * @throws Error when the index does not exist.
   */
  byIndex(index: string, value: string): T[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`cache has no index ${index}`);
    const keys = idx.get(value);
    return keys ? [...keys].map((k) => this.items.get(k) as T) : [];
  }

  /** Objects that have an owner reference with this UID (controller or not). */
  byOwnerUid(uid: string): T[] {
    return this.byIndex(OWNER_UID_INDEX, uid);
  }

  /**
   * Inserts or replaces an object (frozen first unless disabled).
   * @returns The previous object under the same key, if any.
   * @throws TypeError when the object has no name.
   */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const stored = this.freeze ? deepFreeze(obj) : obj;
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, stored);
    this.index(key, stored);
    return old;
  }

  /**
   * Removes an object by key.
   * @returns The removed object, or `undefined` when absent.
   */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /**
   * Replaces the whole content with `objs` (a fresh list) and reports the difference: objects
   * new to the cache, objects whose `resourceVersion` changed, and objects that disappeared.
   * Objects with an unchanged `resourceVersion` keep their cached instance and are not reported.
   */
  replace(objs: Iterable<T>): CacheDiff<T> {
    const diff: CacheDiff<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const obj of objs) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.items.get(key);
      if (!old) {
        this.set(obj);
        diff.added.push(this.items.get(key) as T);
      } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.set(obj);
        diff.updated.push({ old, new: this.items.get(key) as T });
      }
    }
    for (const key of [...this.items.keys()]) {
      if (!seen.has(key)) diff.deleted.push(this.delete(key) as T);
    }
    return diff;
  }

  private index(key: string, obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    addTo(this.byNamespace, ns, key);
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) addTo(idx, v, key);
    }
  }

  private unindex(key: string, obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    const nsKeys = this.byNamespace.get(ns);
    nsKeys?.delete(key);
    if (nsKeys?.size === 0) this.byNamespace.delete(ns);
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const keys = idx.get(v);
        keys?.delete(key);
        if (keys?.size === 0) idx.delete(v);
      }
    }
  }
}

function addTo(map: Map<string, Set<string>>, value: string, key: string): void {
  const keys = map.get(value);
  if (keys) keys.add(key);
  else map.set(value, new Set([key]));
}

/** Freezes an object graph in place (plain objects and arrays) and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as object)) deepFreeze(v);
  return value;
}
