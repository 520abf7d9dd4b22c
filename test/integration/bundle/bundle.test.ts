import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { CONTROLLER_NODE_OPTIONS } from '../../../constructs/install/controller-deployment';
import { EXAMPLE_PLATFORM_CONFIG, platformConfigToEnv } from '../../../constructs/platform-config';
import type { KubeClient } from '../../../controller/kube/client';
import { Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import { adminClient, ensureNamespace, eventually } from '../../support/controller-harness';
import { exampleNode } from '../../support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { SidecarSimulator } from '../../support/sidecar-simulator';

const NS = 'bundle-it';
const root = join(import.meta.dirname, '..', '..', '..');
let outDir: string;
let bundle: string;
let proc: ChildProcess | undefined;
let admin: KubeClient;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'sei-bundle-'));
  bundle = join(outDir, 'controller.js');
  // The production bundle, built exactly as `npm run build` builds it, into a temp dir.
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'build.ts')],
    {
      cwd: root,
      env: { ...process.env, SEI_BUILD_OUTFILE: bundle },
      stdio: 'pipe',
    },
  );
});

afterAll(async () => {
  proc?.kill('SIGTERM');
  await kubelet?.stop();
  await simulator?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

describe('the esbuild bundle (what the container image runs)', () => {
  it('starts with --help on Node 24 without node_modules', () => {
    expect(existsSync(bundle)).toBe(true);
    const help = execFileSync(process.execPath, [bundle, '--help'], { cwd: outDir, encoding: 'utf8' });
    expect(help).toContain('--leader-elect');
    expect(help).toContain('--metrics-bind-address');
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('exits non-zero listing every missing SEI_* variable', () => {
    let code = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [bundle], {
        cwd: outDir,
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      code = (err as { status: number }).status;
      stderr = String((err as { stderr: string }).stderr);
    }
    expect(code).toBe(1);
    expect(stderr).toContain('SEI_NODEPOOL_NAME is required');
    expect(stderr).toContain('SEI_COSMOS_EXPORTER_IMAGE is required');
  });

  it('runs against the test control plane and brings a SeiNode to Running', async () => {
    admin = adminClient();
    await ensureNamespace(admin, NS);
    kubelet = await startKubeletStandIn(admin.kubeConfig, { namespace: NS });
    simulator = new SidecarSimulator();
    const sim = await simulator.start();
    proc = spawn(
      process.execPath,
      [
        bundle,
        `--kubeconfig=${inject('kubeconfigPath')}`,
        `--namespace=${NS}`,
        '--metrics-bind-address=127.0.0.1:0',
        '--health-probe-bind-address=0',
        `--sidecar-url-template=${sim.urlTemplate}`,
        '--sidecar-token-file=',
        '--log-level=warn',
        '--leader-elect',
        `--leader-election-namespace=${NS}`,
        '--lease-name=bundle-lease',
      ],
      {
        cwd: outDir,
        env: {
          PATH: process.env.PATH ?? '',
          ...platformConfigToEnv(EXAMPLE_PLATFORM_CONFIG),
          POD_IP: '10.0.0.10',
          // As the controller Deployment runs it (heap sizing).
          NODE_OPTIONS: CONTROLLER_NODE_OPTIONS,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    proc.stderr?.on('data', (d) => (stderr += d));
    const n = exampleNode('state-sync-full-node.yaml');
    n.metadata = { name: 'bundled', namespace: NS };
    await admin.create(Resources.SeiNode, n);
    await eventually(
      'SeiNode Running via the bundle',
      async () => {
        const x = await admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name: 'bundled' });
        if (proc?.exitCode !== null) throw new Error(`bundle exited ${proc?.exitCode}: ${stderr}`);
        return x?.status?.phase === 'Running' ? x : undefined;
      },
      90_000,
    );
    const lease = await admin.get<KubeObject & { spec?: { holderIdentity?: string } }>(Resources.Lease, {
      namespace: NS,
      name: 'bundle-lease',
    });
    expect(lease?.spec?.holderIdentity).toBeTruthy();
    const exited = new Promise<number | null>((r) => proc?.once('exit', (c) => r(c)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    // SIGTERM released the Lease: a standby could take over at once.
    const released = await admin.get<KubeObject & { spec?: { holderIdentity?: string } }>(Resources.Lease, {
      namespace: NS,
      name: 'bundle-lease',
    });
    expect(released?.spec?.holderIdentity ?? '').toBe('');
    proc = undefined;
  });
});
