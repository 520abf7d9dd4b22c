/**
 * Fleet scenarios against the local control plane, with the controller as a separate process (the
 * production bundle, see ../lib/controller-process.ts), instant simulated sidecars and the kubelet
 * stand-in:
 * - convergence: N SeiNodes created at once → all Running; API requests by verb; the write floor;
 * - at rest: API writes per idle Running node per hour; controller memory while idle;
 * - edit latency: image edit on one node of the idle fleet → its NodeUpdate plan persisted.
 */
import type { SeiNode, SeiNodeStatus } from '../../constructs/api/types';
import { Resources } from '../../controller/kube/resources';
import {
  byVerb,
  type ControllerProcess,
  type ControllerSample,
  requestDelta,
  startControllerProcess,
  tail,
  writeCount,
} from '../lib/controller-process';
import {
  attachBenchCluster,
  type BenchCluster,
  createFleet,
  type FleetHarness,
  isRunning,
  startBenchCluster,
  startFleetHarness,
} from '../lib/fleet';
import { percentile, type Summary, summarize } from '../lib/stats';
import { type WriteFloorResult, writeFloor } from './write-floor';

/** The controller's default `--concurrency` (the floor uses the same). */
export const CONTROLLER_CONCURRENCY = 4;

/** Where fleet runs happen. */
export interface FleetEnv {
  /** Path of the bundled controller. */
  bundle: string;
  /** Node flags of the controller process. @default production's (`productionNodeFlags`) */
  nodeFlags?: string[];
  /**
   * Use this control plane (the integration tests' shared one) instead of starting a fresh one per
   * run; the fleet then lives in one namespace and the controller watches only that one.
   */
  sharedKubeconfig?: string;
  /** Namespace prefix (unique per run on a shared control plane). */
  prefix: string;
  log: (line: string) => void;
}

/** One convergence run. */
export interface ConvergenceRun {
  readonly n: number;
  /** First create sent → last SeiNode Running with a Complete plan (ms). */
  readonly convergeMs: number;
  /** Controller API requests during convergence, by verb. */
  readonly requestsByVerb: Record<string, number>;
  /** … by `"<verb> <resource> <code>"`. */
  readonly requests: Record<string, number>;
  readonly writes: number;
  readonly floor: WriteFloorResult;
  /** convergeMs / floor.ms. */
  readonly ratio: number;
}

/** At-rest and memory measurements on an idle converged fleet. */
export interface AtRestResult {
  readonly nodes: number;
  readonly windowMs: number;
  readonly writes: number;
  readonly requests: Record<string, number>;
  /** writes / nodes / hours. */
  readonly writesPerNodeHour: number;
  /** Controller RSS and V8 heap used (MiB), sampled through the window. */
  readonly rssMiB: Summary;
  readonly heapUsedMiB: Summary;
  /** At the end of the window, right after a forced full GC: what is live, and the RSS V8 keeps. */
  readonly afterGc: { readonly rssMiB: number; readonly heapUsedMiB: number };
}

/** Controller memory of one converged, idle fleet (one controller process). */
export interface IdleMemorySample {
  /** Median of the samples (MiB). */
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
}

/**
 * Samples the idle controller's RSS and V8 heap `samples` times, `everyMs` apart (call after
 * {@link settle}); returns the medians.
 */
export async function idleMemory(
  controller: ControllerProcess,
  opts: { samples: number; everyMs: number },
): Promise<IdleMemorySample> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, opts.everyMs));
    const s = await controller.sample();
    rss.push(s.rssBytes / 2 ** 20);
    heap.push(s.heapUsedBytes / 2 ** 20);
  }
  return { rssMiB: summarize(rss).median, heapUsedMiB: summarize(heap).median };
}

/** Edit → NodeUpdate plan persisted. */
export interface EditLatencyResult {
  readonly nodes: number;
  readonly edits: number;
  readonly ms: Summary;
  readonly p50: number;
  readonly p99: number;
  /** Edited nodes running their new image by the end (the rollouts work at scale). */
  readonly completed: number;
}

/** A converged fleet, for the at-rest, memory and edit-latency scenarios. */
export interface LiveFleet {
  readonly cluster: BenchCluster;
  readonly harness: FleetHarness;
  readonly controller: ControllerProcess;
  readonly namespaces: readonly string[];
  readonly n: number;
}

/** Namespaces of a fleet of `n`: the kubelet stand-in lists a namespace's Pods on every pass, so ≤ 100 per namespace. */
function fleetNamespaces(env: FleetEnv, n: number): string[] {
  if (env.sharedKubeconfig) return [`${env.prefix}-fleet`];
  return Array.from(
    { length: Math.max(1, Math.ceil(n / 100)) },
    (_, i) => `${env.prefix}-${String(i).padStart(2, '0')}`,
  );
}

/**
 * Creates `n` SeiNodes at once on a fresh control plane (or a fresh namespace of the shared one) and
 * measures convergence. Then `whileLive` (if given) runs against the converged fleet and the same
 * controller process (at-rest, memory, edit latency). Last, with the controller and the stand-ins
 * stopped, the write floor runs in the same control plane.
 */
export async function convergence(
  env: FleetEnv,
  n: number,
  opts: { timeoutMs: number; whileLive?: (fleet: LiveFleet) => Promise<void> },
): Promise<ConvergenceRun> {
  const cluster = env.sharedKubeconfig ? attachBenchCluster(env.sharedKubeconfig) : await startBenchCluster();
  const namespaces = fleetNamespaces(env, n);
  let harness: FleetHarness | undefined;
  let controller: ControllerProcess | undefined;
  try {
    harness = await startFleetHarness(cluster, namespaces);
    controller = await startControllerProcess({
      bundle: env.bundle,
      nodeFlags: env.nodeFlags,
      kubeconfigPath: cluster.kubeconfigPath,
      sidecarUrlTemplate: harness.sidecar.urlTemplate,
      namespace: env.sharedKubeconfig ? namespaces[0] : undefined,
    });
    const ctl = controller;
    const before = await ctl.sample();
    const started = performance.now();
    const done = harness.allRunning(n, opts.timeoutMs);
    await createFleet(cluster.admin, namespaces, 0, n);
    await done.catch((err: Error) => {
      throw new Error(`${err.message}\ncontroller log:\n${tail(ctl.logFile)}`);
    });
    const convergeMs = performance.now() - started;
    const after = await ctl.sample();
    const requests = requestDelta(before, after);
    const writes = writeCount(requests);
    env.log(`  N=${n}: converged in ${(convergeMs / 1000).toFixed(1)} s, ${writes} writes`);
    const statusTemplate = converged(harness, namespaces);

    await opts.whileLive?.({ cluster, harness, controller: ctl, namespaces, n });

    // The floor runs alone: controller and stand-ins stopped, its namespace watched by nobody.
    await ctl.stop();
    controller = undefined;
    await harness.stop();
    harness = undefined;
    const floor = await writeFloor(cluster.admin, {
      namespace: `${env.prefix}-floor`,
      nodeCount: n,
      writes: requests,
      statusTemplate,
      concurrency: CONTROLLER_CONCURRENCY,
    });
    env.log(`  N=${n}: write floor ${(floor.ms / 1000).toFixed(1)} s for ${floor.writes} writes`);
    return {
      n,
      convergeMs,
      requestsByVerb: byVerb(requests),
      requests,
      writes,
      floor,
      ratio: convergeMs / floor.ms,
    };
  } finally {
    await controller?.stop().catch(() => {});
    await harness?.stop().catch(() => {});
    await cluster.stop();
  }
}

/** A converged node's status (the body of the floor's status writes). */
function converged(harness: FleetHarness, namespaces: readonly string[]): SeiNodeStatus {
  const node = harness.nodes.cache
    .list()
    .find((x) => namespaces.includes(x.metadata.namespace ?? '') && isRunning(x));
  if (!node?.status) throw new Error('no converged SeiNode to copy a status from');
  return structuredClone(node.status);
}

/**
 * Waits until the controller is idle: queue empty and no API write for `quietMs` (a restarted
 * controller re-applies each node's workload once: its skip-unchanged memory is per process).
 */
export async function settle(
  controller: ControllerProcess,
  quietMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ControllerSample = await controller.sample();
  let quietSince = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, Math.min(1_000, quietMs)));
    const s = await controller.sample();
    if (s.queueDepth > 0 || writeCount(requestDelta(last, s)) > 0) quietSince = Date.now();
    last = s;
    if (Date.now() - quietSince >= quietMs) return;
    if (Date.now() > deadline) throw new Error(`controller not idle after ${timeoutMs} ms`);
  }
}

/** Counts controller API writes over `windowMs` on the idle fleet, sampling memory throughout. */
export async function atRest(
  fleet: LiveFleet,
  opts: { windowMs: number; sampleEveryMs: number },
): Promise<AtRestResult> {
  const before = await fleet.controller.sample();
  const rss: number[] = [];
  const heap: number[] = [];
  const started = Date.now();
  let last = before;
  while (Date.now() - started < opts.windowMs) {
    await new Promise((r) =>
      setTimeout(r, Math.min(opts.sampleEveryMs, opts.windowMs - (Date.now() - started))),
    );
    last = await fleet.controller.sample();
    rss.push(last.rssBytes / 2 ** 20);
    heap.push(last.heapUsedBytes / 2 ** 20);
  }
  const windowMs = Date.now() - started;
  const requests = requestDelta(before, last);
  const gc = await fleet.controller.sampleAfterGc();
  const writes = writeCount(requests);
  return {
    nodes: fleet.n,
    windowMs,
    writes,
    requests,
    writesPerNodeHour: writes / fleet.n / (windowMs / 3_600_000),
    rssMiB: summarize(rss),
    heapUsedMiB: summarize(heap),
    afterGc: { rssMiB: gc.rssBytes / 2 ** 20, heapUsedMiB: gc.heapUsedBytes / 2 ** 20 },
  };
}

/**
 * Edits `spec.image` of `edits` nodes of the idle fleet, one after the other (`gapMs` apart), and
 * measures the time from sending the edit to seeing (on a watch) the node's new NodeUpdate plan
 * persisted in its status. The rollouts go on in the background; at the end the scenario waits (at
 * most `completeTimeoutMs`) for every edited node to run its new image.
 */
export async function editLatency(
  fleet: LiveFleet,
  opts: { edits: number; gapMs: number; completeTimeoutMs: number },
): Promise<EditLatencyResult> {
  const { nodes } = fleet.harness;
  const all = nodes.cache
    .list()
    .filter((x) => fleet.namespaces.includes(x.metadata.namespace ?? ''))
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const samples: number[] = [];
  const edited: { namespace: string; name: string; image: string }[] = [];
  for (let e = 0; e < opts.edits; e++) {
    const target = all[Math.floor(((e + 0.5) * all.length) / opts.edits)] as SeiNode;
    const ref = { namespace: target.metadata.namespace as string, name: target.metadata.name as string };
    const previous = nodes.cache.get(ref.namespace, ref.name)?.status?.plan?.id;
    const image = `ghcr.io/sei-protocol/sei:v6.2.${e}`;
    let off = () => {};
    const planned = new Promise<number>((resolve) => {
      off = nodes.addEventHandler({
        onUpdate: (_o, x) => {
          if (x.metadata.name !== ref.name || x.metadata.namespace !== ref.namespace) return;
          const plan = x.status?.plan;
          if (plan?.type === 'NodeUpdate' && plan.id !== previous && plan.target?.image === image)
            resolve(performance.now());
        },
      });
    });
    const sent = performance.now();
    await fleet.cluster.admin.patch(Resources.SeiNode, ref, { spec: { image } });
    try {
      samples.push((await withTimeout(planned, 60_000, `the NodeUpdate plan of ${ref.name}`)) - sent);
    } finally {
      off();
    }
    edited.push({ ...ref, image });
    await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  const rolledOut = () =>
    edited.filter((x) => {
      const n = nodes.cache.get(x.namespace, x.name);
      return n?.status?.currentImage === x.image && isRunning(n);
    }).length;
  await waitFor(() => rolledOut() === edited.length, opts.completeTimeoutMs);
  return {
    nodes: fleet.n,
    edits: opts.edits,
    ms: summarize(samples),
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    completed: rolledOut(),
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}
