/**
 * A SeiNode fleet on the local control plane: the control plane itself (fresh per run, or the
 * shared one of the integration tests), the kubelet stand-in, the instant sidecar simulator, the
 * SeiNodes, and a watcher that sees when they are Running.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { SeiNode } from '../../constructs/api/types';
import { KubeClient } from '../../controller/kube/client';
import { AlreadyExistsError } from '../../controller/kube/errors';
import { Resources } from '../../controller/kube/resources';
import { Informer } from '../../controller/runtime/informer';
import { installCrds, startControlPlane } from '../../test/support/control-plane/index';
import { ensureNamespace } from '../../test/support/controller-process';
import { exampleNode } from '../../test/support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../../test/support/kubelet-stand-in';
import { type SidecarProcess, startSidecarProcess } from './sidecar-process';

const CRD_DIR = join(import.meta.dirname, '..', '..', 'imports', 'crds');

/** A control plane the benchmark can use. */
export interface BenchCluster {
  readonly kubeconfigPath: string;
  readonly admin: KubeClient;
  /** Stops the control plane when the benchmark started it; no-op for a shared one. */
  stop(): Promise<void>;
}

/** Starts a fresh kube-apiserver + etcd with the CRDs installed. */
export async function startBenchCluster(log: (line: string) => void = () => {}): Promise<BenchCluster> {
  const cp = await startControlPlane({ log });
  try {
    const crds = readdirSync(CRD_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readFileSync(join(CRD_DIR, f), 'utf8'));
    await installCrds(cp.kubeConfig, crds);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  return {
    kubeconfigPath: cp.kubeconfigPath,
    admin: new KubeClient(cp.kubeConfig, { fieldManager: 'sei-bench' }),
    stop: () => cp.stop(),
  };
}

/** Uses an existing control plane (CRDs already installed), e.g. the integration tests' shared one. */
export function attachBenchCluster(kubeconfigPath: string): BenchCluster {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    kubeconfigPath,
    admin: new KubeClient(kc, { fieldManager: 'sei-bench' }),
    stop: async () => {},
  };
}

/**
 * The node templates of a fleet, round-robin: the four example SeiNodes that need no Secrets —
 * an S3-snapshot RPC full node, an archive node, a state-sync full node and a shadow replayer.
 */
export const FLEET_TEMPLATES = [
  'pacific-1-rpc-node.yaml',
  'archive-node.yaml',
  'state-sync-full-node.yaml',
  'shadow-replayer.yaml',
] as const;

/** SeiNode number `i` of a fleet in `namespace` (`bench-<i>`, template `i mod 4`). */
export function fleetNode(namespace: string, i: number): SeiNode {
  const node = exampleNode(FLEET_TEMPLATES[i % FLEET_TEMPLATES.length] as string);
  return {
    apiVersion: node.apiVersion,
    kind: node.kind,
    metadata: { name: `bench-${String(i).padStart(4, '0')}`, namespace },
    spec: node.spec,
  };
}

/** The environment the controller runs against: stand-ins plus a watcher of SeiNode phases. */
export interface FleetHarness {
  /** The instant sidecar simulator (its own process). */
  readonly sidecar: SidecarProcess;
  /** The benchmark's own SeiNode watch (admin client; not counted as controller requests). */
  readonly nodes: Informer<SeiNode>;
  /** Resolves when `count` SeiNodes of `namespaces` are Running with a Complete plan. */
  allRunning(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a node finished its plan and is Running. */
export function isRunning(n: SeiNode | undefined): boolean {
  return n?.status?.phase === 'Running' && n.status.plan?.phase === 'Complete';
}

/**
 * Starts one kubelet stand-in per namespace, the sidecar simulator (instant tasks, no request
 * recording, in a process of its own) and a SeiNode informer over all namespaces.
 *
 * @param kubeletResyncMs - the stand-in's safety-net re-list period: each pass reconciles every
 *   StatefulSet of its namespace, listing the namespace's Pods for each (O(n²)); its watches do
 *   the actual work, so the benchmark keeps this harness load rare
 */
export async function startFleetHarness(
  cluster: BenchCluster,
  namespaces: readonly string[],
  kubeletResyncMs = 60_000,
): Promise<FleetHarness> {
  for (const ns of namespaces) await ensureNamespace(cluster.admin, ns);
  const kubelets: KubeletStandIn[] = [];
  const kubeletConfig = pooled(cluster.admin.kubeConfig);
  for (const namespace of namespaces)
    kubelets.push(await startKubeletStandIn(kubeletConfig, { namespace, resyncIntervalMs: kubeletResyncMs }));
  const sidecar = await startSidecarProcess();
  const nodes = new Informer<SeiNode>(cluster.admin, Resources.SeiNode, {});
  nodes.start();
  await nodes.waitForSync({ timeoutMs: 60_000 });
  const inScope = new Set(namespaces);
  return {
    sidecar,
    nodes,
    allRunning(count, timeoutMs) {
      const running = () =>
        nodes.cache.list().filter((n) => inScope.has(n.metadata.namespace ?? '') && isRunning(n)).length;
      return new Promise<void>((resolve, reject) => {
        let off = () => {};
        const check = () => {
          if (running() >= count) {
            off();
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          off();
          reject(new Error(`only ${running()} of ${count} SeiNodes Running after ${timeoutMs} ms`));
        }, timeoutMs);
        // Counting all nodes on every event is O(N²) over a convergence; count transitions instead
        // (the synced informer replays every cached node as an add first).
        let seen = 0;
        off = nodes.addEventHandler({
          onAdd: (n) => {
            if (inScope.has(n.metadata.namespace ?? '') && isRunning(n)) seen++;
            if (seen >= count) check();
          },
          onUpdate: (o, n) => {
            if (!inScope.has(n.metadata.namespace ?? '')) return;
            seen += Number(isRunning(n)) - Number(isRunning(o));
            if (seen >= count) check();
          },
          onDelete: (n) => {
            if (inScope.has(n.metadata.namespace ?? '') && isRunning(n)) seen--;
          },
        });
        check();
      });
    },
    async stop() {
      await nodes.stop();
      for (const k of kubelets) await k.stop();
      await sidecar.stop();
    },
  };
}

/**
 * A copy of `kc` whose requests share one connection pool. client-node's generated APIs and `Watch`
 * (what the kubelet stand-in uses) get a new undici Agent — a new TLS connection — per request from
 * `applySecurityAuthentication`; on a 2-core machine those handshakes are API-server CPU the
 * controller under test would pay for in latency. (The controller's own transport pools its
 * connections: controller/kube/transport.ts.)
 */
export function pooled(kc: KubeConfig): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromString(kc.exportConfig());
  const apply = copy.applySecurityAuthentication.bind(copy);
  let shared: ReturnType<Parameters<typeof apply>[0]['getDispatcher']>;
  copy.applySecurityAuthentication = async (ctx) => {
    await apply(ctx);
    const fresh = ctx.getDispatcher();
    if (!fresh) return;
    shared ??= fresh;
    ctx.setDispatcher(shared);
  };
  return copy;
}

/**
 * Creates SeiNodes `[from, to)` spread round-robin over `namespaces`, `parallel` requests at a
 * time (all "at once" from the controller's point of view).
 */
export async function createFleet(
  admin: KubeClient,
  namespaces: readonly string[],
  from: number,
  to: number,
  parallel = 8,
): Promise<void> {
  let next = from;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= to) return;
      const ns = namespaces[i % namespaces.length] as string;
      try {
        await admin.create(Resources.SeiNode, fleetNode(ns, i));
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
