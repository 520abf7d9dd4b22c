/**
 * Harness of the task integration tests: tasks run against the real kube-apiserver of the global
 * setup, with a hand-built TaskContext — a KubeClient impersonating the controller's ServiceAccount
 * (exactly the synthesized RBAC, so a missing permission fails a test), a cache that is a fresh,
 * deep-frozen snapshot of direct LISTs before every step, and a real Applier.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { PlannedTask, SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG, type PlatformConfig } from '../../../constructs/platform-config';
import { SEINODE_FIELD_MANAGER } from '../../../constructs/seinode/names';
import { Applier } from '../../../controller/apply/applier';
import { KubeClient } from '../../../controller/kube/client';
import { Selector } from '../../../controller/kube/label-selector';
import { type ResourceDescriptor, Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import type { CacheReader, TaskContext, TaskDefinition, TaskOutcome } from '../../../controller/planner/task';
import { deepFreeze } from '../../../controller/runtime/cache';
import { adminClient, ensureNamespace, installControllerRbac } from '../../support/controller-harness';
import { CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT } from '../../support/controller-process';
import { exampleNode } from '../../support/examples';

/** The kinds the controller's informers cache. */
const CACHED_KINDS: readonly ResourceDescriptor[] = [
  Resources.StatefulSet,
  Resources.Service,
  Resources.ConfigMap,
  Resources.PersistentVolumeClaim,
  Resources.Job,
  Resources.Pod,
];

/** Everything a task test needs. */
export interface TaskEnv {
  /** system:masters, for arranging the world. */
  readonly admin: KubeClient;
  /** The controller's identity (impersonated ServiceAccount), used by the tasks. */
  readonly client: KubeClient;
  /** One Applier per env (it remembers what it applied, like the controller's). */
  readonly applier: Applier;
  readonly namespace: string;
}

/** Installs the controller RBAC and creates a fresh namespace (never deleted: no namespace controller runs). */
export async function taskEnv(prefix: string): Promise<TaskEnv> {
  const admin = adminClient();
  await installControllerRbac(admin);
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  await ensureNamespace(admin, namespace);
  const client = new KubeClient(admin.kubeConfig, {
    fieldManager: 'sei-k8s-controller',
    impersonate: { user: `system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SERVICE_ACCOUNT}` },
  });
  return { admin, client, applier: new Applier(client, SEINODE_FIELD_MANAGER), namespace };
}

/** Creates a SeiNode from an example file in the env's namespace (so it has a uid) and returns it as stored. */
export async function createNode(
  env: TaskEnv,
  file: string,
  mutate: (n: SeiNode) => void = () => {},
): Promise<SeiNode> {
  const node = exampleNode(file);
  node.metadata.namespace = env.namespace;
  mutate(node);
  return env.admin.create<SeiNode>(Resources.SeiNode, node);
}

/** Re-reads a SeiNode. */
export async function getNode(env: TaskEnv, name: string): Promise<SeiNode> {
  const n = await env.admin.get<SeiNode>(Resources.SeiNode, { namespace: env.namespace, name });
  if (!n) throw new Error(`SeiNode ${name} not found`);
  return n;
}

/** A cache snapshot of the namespace: one LIST per cached kind, objects deep-frozen like the real cache's. */
export async function cacheSnapshot(client: KubeClient, namespace: string): Promise<CacheReader> {
  const store = new Map<string, KubeObject>();
  const key = (r: ResourceDescriptor, ns: string | undefined, name: string | undefined) =>
    `${r.apiVersion}/${r.kind}/${ns ?? ''}/${name ?? ''}`;
  for (const r of CACHED_KINDS) {
    const { items } = await client.list(r, { namespace });
    for (const o of items) store.set(key(r, o.metadata?.namespace, o.metadata?.name), deepFreeze(o));
  }
  return {
    get: <T extends KubeObject>(r: ResourceDescriptor, ns: string, name: string) =>
      store.get(key(r, ns, name)) as T | undefined,
    list: <T extends KubeObject>(
      r: ResourceDescriptor,
      ns: string | undefined,
      labels?: Record<string, string>,
    ) => {
      const selector = Selector.from(labels);
      return [...store.values()].filter(
        (o) =>
          o.apiVersion === r.apiVersion &&
          o.kind === r.kind &&
          (!ns || o.metadata?.namespace === ns) &&
          selector.matches(o.metadata?.labels),
      ) as T[];
    },
  };
}

/** Options of {@link runTask}. */
export interface RunOptions {
  /** Defaults to the example platform config. */
  platform?: PlatformConfig;
  /** Defaults to the env's impersonated client. */
  client?: KubeClient;
}

/**
 * One execution step of `def` for `node`, as the executor would run it: `validate` must pass, then
 * `execute` with a fresh context. The node is deep-frozen (tasks must not mutate it).
 */
export async function runTask<P>(
  env: TaskEnv,
  def: TaskDefinition<P>,
  node: SeiNode,
  params: P,
  opts: RunOptions = {},
): Promise<TaskOutcome> {
  const problem = def.validate?.(params, node);
  expect(problem, `${def.type} params rejected`).toBeUndefined();
  const client = opts.client ?? env.client;
  const task: PlannedTask = {
    type: def.type,
    id: '00000000-0000-5000-8000-000000000000',
    status: 'Pending',
    params: params as Record<string, unknown>,
    maxRetries: def.maxRetries,
    retryCount: 0,
  };
  const ctx: TaskContext<P> = {
    node: deepFreeze(structuredClone(node)),
    task,
    params,
    client,
    cache: await cacheSnapshot(client, env.namespace),
    applier: env.applier,
    platform: opts.platform ?? EXAMPLE_PLATFORM_CONFIG,
    sidecar: () => {
      throw new Error('controller tasks never call the sidecar');
    },
    log: pino({ level: process.env.SEI_TEST_LOG_LEVEL ?? 'silent' }),
    now: () => new Date(),
  };
  return def.execute(ctx);
}

/** Runs `def` step by step (every `intervalMs`) until it stops reporting `running`; returns every outcome. */
export async function runUntilSettled<P>(
  env: TaskEnv,
  def: TaskDefinition<P>,
  node: SeiNode,
  params: P,
  opts: RunOptions & { timeoutMs?: number; intervalMs?: number; between?: () => Promise<void> } = {},
): Promise<TaskOutcome[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const outcomes: TaskOutcome[] = [];
  for (;;) {
    const outcome = await runTask(env, def, node, params, opts);
    outcomes.push(outcome);
    if (outcome.kind !== 'running') return outcomes;
    if (Date.now() > deadline)
      throw new Error(
        `${def.type} still running after ${opts.timeoutMs ?? 30_000} ms: ${outcome.message ?? ''}`,
      );
    await opts.between?.();
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** `{nodeName, namespace}` of a node. */
export function nodeParams(node: SeiNode): { nodeName: string; namespace: string } {
  return { nodeName: node.metadata.name ?? '', namespace: node.metadata.namespace ?? '' };
}

/** The managers that own fields of an object. */
export function fieldManagers(obj: KubeObject | null): string[] {
  return ((obj?.metadata?.managedFields ?? []) as { manager: string }[]).map((m) => m.manager);
}
