import { startBenchCluster, startFleetHarness } from '../lib/fleet';
import { buildControllerBundle, startControllerProcess } from '../lib/controller-process';
const bundle = buildControllerBundle();
const cluster = await startBenchCluster();
const h = await startFleetHarness(cluster, ['x']);
for (const sm of [true, false]) {
  const ctl = await startControllerProcess({ bundle, kubeconfigPath: cluster.kubeconfigPath, sidecarUrlTemplate: h.sidecar.urlTemplate, sourceMaps: sm, nodeArgs: ['--heapsnapshot-signal=SIGUSR2'] });
  await new Promise(r => setTimeout(r, 5000));
  const s = await ctl.sample();
  console.log(sm, 'rss', (s.rssBytes/2**20).toFixed(0), 'heapUsed', (s.heapUsedBytes/2**20).toFixed(0), 'heapTotal', (s.heapTotalBytes/2**20).toFixed(0), ctl.logFile);
  if (!sm) { process.kill(ctl.pid, 'SIGUSR2'); await new Promise(r => setTimeout(r, 8000)); }
  await ctl.stop();
}
await h.stop(); await cluster.stop();
