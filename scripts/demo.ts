/**
 * `npm run demo [-- --once]`: a local Sei fleet with nothing but this repo and a Go toolchain.
 *
 * 1. starts a real kube-apiserver + etcd on 127.0.0.1 (built from pinned Go modules on first run);
 * 2. installs the CRDs and the controller's RBAC exactly as `npm run synth` emits them;
 * 3. runs the controller in-process, authenticated as its ServiceAccount, plus the kubelet stand-in
 *    (StatefulSet pods and status; no real containers run);
 * 4. applies `examples/` and prints what the controller created and each SeiNode's status changes;
 * 5. runs until Ctrl-C, or with `--once` exits 0 as soon as every applied SeiNode has converged
 *    (exit 1 after `--timeout` seconds, default 300).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { SeiNode, SeiNodeDeployment } from '../constructs/api/types';
import { KubeClient } from '../controller/kube/client';
import { findResource, Resources } from '../controller/kube/resources';
import type { KubeObject } from '../controller/kube/types';
import { installCrds, startControlPlane } from '../test/support/control-plane/index';
import { ensureNamespace, startControllerAsServiceAccount } from '../test/support/controller-process';
import { HTTPROUTE_CRD } from '../test/support/gateway-api-crd';
import { startKubeletStandIn } from '../test/support/kubelet-stand-in';
import { LoadBalancerStandIn } from '../test/support/load-balancer-stand-in';
import { SidecarSimulator } from '../test/support/sidecar-simulator';

const { values: args } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '300' },
    namespace: { type: 'string', default: 'sei-demo' },
  },
});
const root = join(import.meta.dirname, '..');
const say = (msg: string) => process.stdout.write(`${msg}\n`);

const cp = await startControlPlane({ log: (line) => process.stderr.write(`[control-plane] ${line}\n`) });
let exitCode = 0;
const cleanups: (() => Promise<unknown>)[] = [() => cp.stop()];
const shutdown = async (code: number) => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  say(`control plane: ${cp.url} (kubeconfig ${cp.kubeconfigPath})`);
  const crdDir = join(root, 'imports', 'crds');
  const crds = readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(crdDir, f), 'utf8'));
  say(`installed CRDs: ${(await installCrds(cp.kubeConfig, [...crds, HTTPROUTE_CRD])).join(', ')}`);

  const admin = new KubeClient(cp.kubeConfig, { fieldManager: 'sei-demo' });
  const ns = args.namespace as string;
  await ensureNamespace(admin, ns);
  const kubelet = await startKubeletStandIn(cp.kubeConfig, { namespace: ns });
  cleanups.push(() => kubelet.stop());
  const loadBalancers = new LoadBalancerStandIn(admin, { namespace: ns, delayMs: 2_000 }).start();
  cleanups.push(async () => loadBalancers.stop());
  const simulator = new SidecarSimulator();
  const sim = await simulator.start();
  cleanups.push(() => simulator.stop());
  say(`seictl sidecar simulator: ${sim.urlTemplate}`);
  const controller = await startControllerAsServiceAccount(admin, {
    namespace: ns,
    logLevel: process.env.SEI_LOG_LEVEL ?? 'warn',
    sidecarUrlTemplate: sim.urlTemplate,
  });
  cleanups.push(() => controller.stop(5_000));
  say(
    `controller running as system:serviceaccount:sei-k8s-controller-system:sei-k8s-controller, watching ${ns}`,
  );

  // Print each SeiNode's phase as it changes, from the controller's own cache.
  const nodes = controller.manager.informer<SeiNode>(Resources.SeiNode, { namespace: ns });
  const lastSeen = new Map<string, string>();
  const report = (n: SeiNode) => {
    const s = n.status ?? {};
    const plan = s.plan;
    const done = plan?.tasks.filter((t) => t.status === 'Complete').length ?? 0;
    const current = plan?.tasks.find((t) => t.status !== 'Complete');
    const progress = plan
      ? `${plan.type} plan ${plan.phase} ${done}/${plan.tasks.length}${current ? ` (${current.type}: ${current.status}${current.error ? `, ${current.error}` : ''})` : ''}`
      : 'no plan';
    const line = `phase=${s.phase ?? 'Pending'} mode=${s.mode ?? '-'} ${progress}`;
    if (lastSeen.get(n.metadata.name ?? '') !== line) {
      lastSeen.set(n.metadata.name ?? '', line);
      say(`  seinode/${n.metadata.name}: ${line}`);
    }
  };
  nodes.onAdd(report);
  const deployments = controller.manager.informer<SeiNodeDeployment>(Resources.SeiNodeDeployment, {
    namespace: ns,
  });
  const reportDeployment = (d: SeiNodeDeployment) => {
    const s = d.status ?? {};
    const line = `phase=${s.phase ?? 'Pending'} ready=${s.readyReplicas ?? 0}/${d.spec.replicas ?? 1}${s.plan ? ` ${s.plan.type} plan ${s.plan.phase}` : ''}`;
    if (lastSeen.get(`snd/${d.metadata.name}`) !== line) {
      lastSeen.set(`snd/${d.metadata.name}`, line);
      say(`  seinodedeployment/${d.metadata.name}: ${line}`);
    }
  };
  deployments.onAdd(reportDeployment);
  deployments.onUpdate((_, d) => reportDeployment(d));
  nodes.onUpdate((_, n) => report(n));

  const applied: string[] = [];
  const skipped: string[] = [];
  for (const file of readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(root, 'examples', file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject;
      const resource = findResource(obj.apiVersion ?? '', obj.kind ?? '');
      if (!resource) {
        skipped.push(`${obj.kind}/${obj.metadata?.name} (${file}: no controller for it in this build)`);
        continue;
      }
      await admin.apply(resource, { ...obj, metadata: { ...obj.metadata, namespace: ns } }, { force: true });
      applied.push(`${obj.kind}/${obj.metadata?.name}`);
      if (obj.kind === 'SeiNode') say(`applied ${file}: seinode/${obj.metadata?.name}`);
    }
  }
  for (const s of skipped) say(`skipped ${s}`);

  const expectedNodes = applied
    .filter((a) => a.startsWith('SeiNode/'))
    .map((a) => a.slice('SeiNode/'.length));
  const expectedDeployments = applied
    .filter((a) => a.startsWith('SeiNodeDeployment/'))
    .map((a) => a.slice('SeiNodeDeployment/'.length));
  const isConverged = (n: SeiNode | undefined) =>
    !!n &&
    n.status?.phase === 'Running' &&
    n.status.plan?.phase === 'Complete' &&
    n.status.observedGeneration === n.metadata.generation;
  const isReady = (d: SeiNodeDeployment | undefined) =>
    !!d && d.status?.phase === 'Ready' && d.status.observedGeneration === d.metadata.generation;
  const pending = () => [
    ...expectedNodes.filter((n) => !isConverged(nodes.cache.get(ns, n))),
    ...expectedDeployments.filter((d) => !isReady(deployments.cache.get(ns, d))),
  ];
  const deadline = Date.now() + Number(args.timeout) * 1000;
  while (pending().length) {
    if (Date.now() > deadline) {
      say(`not converged after ${args.timeout}s: ${pending().join(', ')}`);
      exitCode = 1;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (exitCode === 0) {
    say(
      `\nall ${expectedNodes.length} SeiNodes Running and ${expectedDeployments.length} SeiNodeDeployments Ready; what the controllers created:`,
    );
    for (const kind of [
      Resources.StatefulSet,
      Resources.Service,
      Resources.ConfigMap,
      Resources.PersistentVolumeClaim,
      Resources.Pod,
    ]) {
      const list = await admin.list<KubeObject>(kind, { namespace: ns, labelSelector: 'sei.io/node' });
      say(
        `  ${kind.kind}: ${list.items
          .map((o) => o.metadata?.name)
          .sort()
          .join(', ')}`,
      );
    }
    const published = nodes.cache.list().filter((n) => n.status?.externalAddress);
    say(`  published P2P addresses (networking.tcp):`);
    for (const n of published) say(`    ${n.metadata.name}: ${n.status?.externalAddress}`);
  }
  if (args.once || exitCode !== 0) await shutdown(exitCode);
  say(
    '\nrunning; edit a SeiNode with the kubeconfig above (e.g. kubectl --kubeconfig … -n sei-demo edit snode …). Ctrl-C to stop.',
  );
} catch (err) {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
  await shutdown(1);
}
