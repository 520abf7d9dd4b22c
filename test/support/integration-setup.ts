import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { type ControlPlane, installCrds, startControlPlane } from './control-plane/index.js';
import { unusedGrants } from './rbac-usage';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin kubeconfig (token auth, `system:masters`) of the shared test control plane. */
    kubeconfigPath: string;
    /** `https://127.0.0.1:<port>` of the shared kube-apiserver. */
    apiServerUrl: string;
    /** File the test controllers record the API requests they made into (RBAC usage report). */
    rbacUsagePath: string;
  }
}

/** Directory whose `*.yaml` CRDs are installed before any integration test runs. */
export const CRD_DIR = fileURLToPath(new URL('../../imports/crds', import.meta.url));

/**
 * Vitest global setup of the `integration` project: starts one kube-apiserver + etcd for the whole
 * run (building them on first use, see test/support/control-plane), installs every CRD in
 * `imports/crds/*.yaml` when that directory exists, and provides `kubeconfigPath` and
 * `apiServerUrl` to tests (`inject('kubeconfigPath')`). The returned teardown stops the control
 * plane.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane: ControlPlane = await startControlPlane();
  try {
    if (existsSync(CRD_DIR)) {
      const files = readdirSync(CRD_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .sort();
      if (files.length > 0) {
        const names = await installCrds(
          controlPlane.kubeConfig,
          files.map((f) => readFileSync(join(CRD_DIR, f), 'utf8')),
        );
        process.stderr.write(`[control-plane] installed CRDs: ${names.join(', ')}\n`);
      }
    }
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  project.provide('kubeconfigPath', controlPlane.kubeconfigPath);
  project.provide('apiServerUrl', controlPlane.url);
  const usagePath = join(tmpdir(), `sei-rbac-usage-${process.pid}-${Date.now()}.txt`);
  project.provide('rbacUsagePath', usagePath);
  return async () => {
    // The permissions the synthesized RBAC grants that no test controller used in this run.
    const unused = unusedGrants(usagePath);
    process.stderr.write(
      `[rbac] granted but not used by the controller in this run (${unused.length}):\n${unused.map((u) => `  ${u}`).join('\n')}\n`,
    );
    rmSync(usagePath, { force: true });
    await controlPlane.stop();
  };
}
