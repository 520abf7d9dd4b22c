/**
 * Where a node's sidecar API lives (SPEC §9; reference-seictl-sidecar-api.md §1): one function,
 * driven by a template, so the controller reaches pods through their headless Service in a cluster
 * and local simulators from outside one.
 */

/**
 * In-cluster default: the pod's stable DNS name behind the headless Service, port 8443
 * (kube-rbac-proxy). `{scheme}` is `http`, or `https` when the node's sidecar TLS is on.
 */
export const DEFAULT_SIDECAR_URL_TEMPLATE = '{scheme}://{name}-0.{name}.{namespace}.svc.cluster.local:8443';

/** Default value of the `{port}` placeholder: kube-rbac-proxy's port in the node pod. */
export const DEFAULT_SIDECAR_PROXY_PORT = 8443;

/**
 * The TLS identity of a node's sidecar: the pod's stable in-cluster DNS name
 * `<name>-0.<name>.<namespace>.svc.cluster.local` (a DNS SAN of its `<name>-sidecar-tls`
 * certificate). The controller verifies this name whatever host the sidecar URL uses.
 *
 * @param node - SeiNode name and namespace.
 * @throws Error on an empty name or namespace.
 */
export function sidecarServerName(node: { readonly name: string; readonly namespace: string }): string {
  if (!node.name || !node.namespace) throw new Error('sidecar server name needs a node name and namespace');
  return `${node.name}-0.${node.name}.${node.namespace}.svc.cluster.local`;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN = new Set(['name', 'namespace', 'scheme', 'port']);

/** Inputs of {@link resolveSidecarUrl}. */
export interface SidecarUrlInput {
  /** SeiNode name. */
  readonly name: string;
  /** SeiNode namespace. */
  readonly namespace: string;
  /** Whether the node's sidecar serves TLS (selects `{scheme}`). @default false */
  readonly tls?: boolean;
  /** Value of `{port}`. @default DEFAULT_SIDECAR_PROXY_PORT */
  readonly port?: number;
}

/**
 * Resolves a node's sidecar base URL (no trailing slash, no `/v0`) from a template with the
 * placeholders `{name}`, `{namespace}`, `{scheme}` (`http`/`https`) and `{port}`. Name and
 * namespace are URL-path-escaped (they are DNS labels in practice, so unchanged).
 *
 * Examples: the default gives `http://n1-0.n1.ns.svc.cluster.local:8443`;
 * `http://127.0.0.1:7777/nodes/{namespace}/{name}` gives `http://127.0.0.1:7777/nodes/ns/n1`.
 *
 * @param input - the node and whether its sidecar uses TLS.
 * @param template - the URL template (the caller reads `SEI_SIDECAR_URL_TEMPLATE`).
 *   @default DEFAULT_SIDECAR_URL_TEMPLATE
 * @throws Error on an unknown placeholder, an empty name/namespace, or a result that is not an
 *   absolute http(s) URL.
 */
export function resolveSidecarUrl(input: SidecarUrlInput, template = DEFAULT_SIDECAR_URL_TEMPLATE): string {
  if (!input.name || !input.namespace) {
    throw new Error('sidecar URL needs a node name and namespace');
  }
  const values: Record<string, string> = {
    name: encodeURIComponent(input.name),
    namespace: encodeURIComponent(input.namespace),
    scheme: input.tls ? 'https' : 'http',
    port: String(input.port ?? DEFAULT_SIDECAR_PROXY_PORT),
  };
  const resolved = template.replace(PLACEHOLDER, (whole, key: string) => {
    if (!KNOWN.has(key)) {
      throw new Error(
        `unknown placeholder ${whole} in sidecar URL template ${JSON.stringify(template)} ` +
          '(known: {name}, {namespace}, {scheme}, {port})',
      );
    }
    return values[key] as string;
  });
  let url: URL;
  try {
    url = new URL(resolved);
  } catch {
    throw new Error(`sidecar URL template ${JSON.stringify(template)} gives an invalid URL: ${resolved}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`sidecar URL template ${JSON.stringify(template)} must give an http(s) URL: ${resolved}`);
  }
  return resolved.replace(/\/+$/, '');
}
