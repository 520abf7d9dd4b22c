import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** What an admin kubeconfig for the test control plane contains. */
export interface AdminKubeconfigInput {
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** PEM bundle that verifies the API server's serving certificate. */
  caPem: string;
  /** Bearer token of a `system:masters` user. */
  token: string;
  /** Context, cluster and user name. Default `sei-test`. */
  name?: string;
}

/**
 * Renders a single-context kubeconfig (YAML) that authenticates with a bearer token.
 *
 * @returns the YAML text; the CA is inlined as `certificate-authority-data`.
 */
export function renderAdminKubeconfig(input: AdminKubeconfigInput): string {
  const name = input.name ?? 'sei-test';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: input.server,
          'certificate-authority-data': Buffer.from(input.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: `${name}-admin`, user: { token: input.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
  });
}

/**
 * Writes {@link renderAdminKubeconfig} to `path` (mode 0600) and loads it into a `KubeConfig`.
 *
 * @returns a `KubeConfig` whose current context is the admin context.
 */
export function writeAdminKubeconfig(path: string, input: AdminKubeconfigInput): KubeConfig {
  writeFileSync(path, renderAdminKubeconfig(input), { mode: 0o600 });
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
