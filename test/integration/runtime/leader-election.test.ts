import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import type { RunningController } from '../../../controller/app';
import type { KubeClient } from '../../../controller/kube/client';
import { type Verb, WRITE_VERBS } from '../../../controller/kube/request-counter';
import { Resources } from '../../../controller/kube/resources';
import type { Lease } from '../../../controller/runtime/leader-election';
import {
  adminClient,
  ensureNamespace,
  eventually,
  startTestController,
} from '../../support/controller-harness';
import { CONTROLLER_NAMESPACE } from '../../support/controller-process';
import { exampleNode } from '../../support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { SidecarSimulator } from '../../support/sidecar-simulator';

const NS = 'leader-election-it';
const LEASE_MS = 3_000;
const RENEW_DEADLINE_MS = 2_000;
const RETRY_MS = 500;

let admin: KubeClient;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;
let urlTemplate: string;
let running: RunningController[] = [];

beforeAll(async () => {
  admin = adminClient();
  await ensureNamespace(admin, NS);
  kubelet = await startKubeletStandIn(admin.kubeConfig, { namespace: NS });
  simulator = new SidecarSimulator();
  urlTemplate = (await simulator.start()).urlTemplate;
});

afterEach(async () => {
  await Promise.all(running.map((c) => c.stop(0)));
  running = [];
});

afterAll(async () => {
  await kubelet?.stop();
  await simulator?.stop();
});

/** Starts an in-process controller (as the chart's ServiceAccount) campaigning on `lease`. */
async function candidate(lease: string, identity: string): Promise<RunningController> {
  const c = await startTestController({
    namespace: NS,
    sidecarUrlTemplate: urlTemplate,
    leaderElection: {
      namespace: CONTROLLER_NAMESPACE,
      name: lease,
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
    },
  });
  running.push(c);
  return c;
}

/** Starts two candidates at once and waits until one leads: `[leader, standby]`. */
async function pair(lease: string): Promise<[RunningController, RunningController]> {
  const [a, b] = await Promise.all([candidate(lease, `${lease}-a`), candidate(lease, `${lease}-b`)]);
  return eventually('a leader', async () => {
    if (a.isLeader() && !b.isLeader()) return [a, b] as [RunningController, RunningController];
    if (b.isLeader() && !a.isLeader()) return [b, a] as [RunningController, RunningController];
    expect(a.isLeader() && b.isLeader()).toBe(false);
    return undefined;
  });
}

/** State-changing API requests of a controller, Lease traffic excluded. */
function workWrites(c: RunningController): number {
  let n = 0;
  for (const [key, count] of Object.entries(c.requests.byVerbResourceCode())) {
    const [verb, resource] = key.split(' ');
    if (WRITE_VERBS.has(verb as Verb) && resource !== 'leases') n += count;
  }
  return n;
}

const getLease = (name: string) =>
  admin.get<Lease>(Resources.Lease, { namespace: CONTROLLER_NAMESPACE, name });

async function createNode(name: string): Promise<void> {
  const node = exampleNode('pacific-1-rpc-node.yaml');
  node.metadata.name = name;
  node.metadata.namespace = NS;
  await admin.create<SeiNode>(Resources.SeiNode, node);
}

const getNode = (name: string) => admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name });

function waitRunning(name: string, timeoutMs = 60_000): Promise<SeiNode> {
  return eventually(
    `SeiNode ${name} Running`,
    async () => {
      const n = await getNode(name);
      return n?.status?.phase === 'Running' && n.status.plan?.phase === 'Complete' ? n : undefined;
    },
    timeoutMs,
  );
}

/** Waits until `name`'s plan is Active with `task` running (a plan in flight). */
function waitTaskInFlight(name: string, task: string): Promise<SeiNode> {
  return eventually(`SeiNode ${name} running ${task}`, async () => {
    const n = await getNode(name);
    const plan = n?.status?.plan;
    const t = plan?.tasks.find((x) => x.type === task);
    const inFlight = plan?.phase === 'Active' && t?.status === 'Running';
    return inFlight && n ? n : undefined;
  });
}

/** Polls `standby.isLeader()` every 20 ms; returns the ms from `since` until it leads. */
async function takeoverMs(standby: RunningController, since: number, timeoutMs: number): Promise<number> {
  while (!standby.isLeader()) {
    if (Date.now() - since > timeoutMs) throw new Error(`no takeover within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - since;
}

describe('leader election (two controllers, one API server)', () => {
  it('exactly one instance leads, and only it reconciles', async () => {
    const [leader, standby] = await pair('le-one');
    const lease = await getLease('le-one');
    expect(lease?.spec?.holderIdentity).toBe(leader.elector?.identity);
    expect(lease?.spec?.leaseDurationSeconds).toBe(3);
    leader.requests.reset();
    standby.requests.reset();

    await createNode('le-one-node');
    // Sample leadership while the node converges: never two leaders.
    let sampling = true;
    const samples = (async () => {
      while (sampling) {
        expect([leader.isLeader(), standby.isLeader()]).toEqual([true, false]);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitRunning('le-one-node');
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS)); // a few renewals, a few standby polls
    sampling = false;
    await samples;

    expect(workWrites(leader)).toBeGreaterThan(0);
    expect(workWrites(standby)).toBe(0);
    // The standby only reads the Lease; the leader renews it.
    expect(standby.requests.writes()).toBe(0);
    expect(standby.requests.count('get')).toBeGreaterThan(0);
    expect(leader.requests.byVerbResourceCode()['patch leases 200']).toBeGreaterThan(5);
    // Both report ready (caches synced), only one leads.
    expect(standby.manager.informers().every((i) => i.hasSynced())).toBe(true);
    const metrics = async (c: RunningController) =>
      (await c.registry.metrics()).match(/^leader_election_master_status\{name="le-one"\} (\d)$/m)?.[1];
    expect(await metrics(leader)).toBe('1');
    expect(await metrics(standby)).toBe('0');
  });

  it('stop() releases the Lease: the standby takes over at once and finishes an in-flight plan', async () => {
    const [leader, standby] = await pair('le-release');
    simulator.script({ namespace: NS, name: 'le-release-node' }, 'snapshot-restore', { delayMs: 2_000 });
    await createNode('le-release-node');
    await waitTaskInFlight('le-release-node', 'snapshot-restore');

    const t0 = Date.now();
    await leader.stop(5_000);
    const released = await getLease('le-release');
    const ms = await takeoverMs(standby, t0, 2_000);
    expect(ms).toBeLessThan(2_000);
    expect(leader.isLeader()).toBe(false);
    // Released (no holder), or already taken by the standby: never still the old leader.
    expect(['', standby.elector?.identity]).toContain(released?.spec?.holderIdentity ?? '');
    const lease = await getLease('le-release');
    expect(lease?.spec?.holderIdentity).toBe(standby.elector?.identity);
    expect(lease?.spec?.leaseTransitions).toBe(1);

    standby.requests.reset();
    const node = await waitRunning('le-release-node');
    expect(node.status?.plan?.type).toBe('Init');
    expect(workWrites(standby)).toBeGreaterThan(0);
  });

  it('a leader that dies without releasing is replaced within one lease duration; its plan completes', async () => {
    const [leader, standby] = await pair('le-crash');
    simulator.script({ namespace: NS, name: 'le-crash-node' }, 'snapshot-restore', { delayMs: 2_000 });
    await createNode('le-crash-node');
    await waitTaskInFlight('le-crash-node', 'snapshot-restore');

    // The leader's renewals stop abruptly (no release): as if the process had been killed.
    const t0 = Date.now();
    await leader.elector?.stop();
    await leader.leadershipLost; // its controllers are stopped, in-flight reconciles aborted
    expect(leader.isLeader()).toBe(false);
    const held = await getLease('le-crash');
    expect(held?.spec?.holderIdentity).toBe(leader.elector?.identity);

    const ms = await takeoverMs(standby, t0, LEASE_MS + 3 * RETRY_MS);
    // It waited for the Lease to expire (no release)…
    expect(ms).toBeGreaterThan(LEASE_MS - 2 * RETRY_MS);
    // …and no longer than one lease duration past the last renewal it saw (+ one poll, + latency).
    expect(ms).toBeLessThan(LEASE_MS + 2 * RETRY_MS);
    const lease = await getLease('le-crash');
    expect(lease?.spec).toMatchObject({ holderIdentity: standby.elector?.identity, leaseTransitions: 1 });

    standby.requests.reset();
    const node = await waitRunning('le-crash-node');
    expect(node.status?.plan?.type).toBe('Init');
    expect(workWrites(standby)).toBeGreaterThan(0);
    expect(leader.isLeader()).toBe(false);
  });

  it('without leaderElection an instance always reconciles (unchanged behaviour)', async () => {
    const c = await startTestController({ namespace: NS, sidecarUrlTemplate: urlTemplate });
    running.push(c);
    expect(c.isLeader()).toBe(true);
    expect(c.elector).toBeUndefined();
    expect(await c.registry.metrics()).not.toContain('leader_election_master_status');
  });
});
