/**
 * Child-process entry of the benchmark's sidecar simulator (see sidecar-process.ts): starts an
 * instant {@link SidecarSimulator} without request recording, prints `{"urlTemplate": …}` on one
 * stdout line, and exits when stdin closes (its parent went away) or on SIGTERM.
 */
import { SidecarSimulator } from '../../test/support/sidecar-simulator';

const simulator = new SidecarSimulator({ maxRecordedRequests: 0 });
const handle = await simulator.start();
process.stdout.write(`${JSON.stringify({ urlTemplate: handle.urlTemplate })}\n`);
const stop = () => {
  void handle.stop().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
