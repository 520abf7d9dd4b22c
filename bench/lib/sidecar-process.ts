/**
 * The instant sidecar simulator in a process of its own. In the benchmark process it would share an
 * event loop with the kubelet stand-ins (which deserialize whole Pod lists) and answer the
 * controller tens of milliseconds late (measured: loop delay p50 11 ms, p99 70 ms at N=300), which
 * is harness latency, not the controller's.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A running simulator process. */
export interface SidecarProcess {
  /** URL template for the controller's `--sidecar-url-template`. */
  readonly urlTemplate: string;
  stop(): Promise<void>;
}

/** Starts the simulator child and waits for its URL. */
export async function startSidecarProcess(): Promise<SidecarProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'sidecar-child.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`sidecar simulator exited (${code}) before starting`)));
  });
  const { urlTemplate } = JSON.parse(line) as { urlTemplate: string };
  return {
    urlTemplate,
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
