/**
 * Names, labels, ports and paths of the resources a SeiNode owns. They follow the reference
 * (reference-seinode.md §4.1, §4.7) so existing dashboards, probes and runbooks keep working.
 */

/** Label keys (reference-seinode.md §4.1, reference-seinodedeployment.md §6). */
export const LABEL_NODE = 'sei.io/node';
export const LABEL_CHAIN = 'sei.io/chain';
export const LABEL_ROLE = 'sei.io/role';

/** Pod annotation that keeps Karpenter from disrupting a node pod. */
export const ANNOTATION_DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';

/** SSA field manager of the SeiNode controller (reference §3). */
export const SEINODE_FIELD_MANAGER = 'seinode-controller';

/** Data directory and `SEI_HOME` inside node containers (`platform.DataDir`). */
export const DATA_DIR = '/.sei';

/** UID/GID every node container runs as (distroless nonroot). */
export const NONROOT_UID = 65532;

/** seid ports (sei-config `NodePorts`), in the reference's order. */
export const NODE_PORTS = [
  { name: 'evm-rpc', port: 8545 },
  { name: 'evm-ws', port: 8546 },
  { name: 'grpc', port: 9090 },
  { name: 'rest', port: 1317 },
  { name: 'p2p', port: 26656 },
  { name: 'rpc', port: 26657 },
  { name: 'metrics', port: 26660 },
] as const;

/** kube-rbac-proxy port in front of the sidecar (port name `api`). */
export const RBAC_PROXY_PORT = 8443;
/** Default seictl sidecar port (`seiconfig.PortSidecar`). */
export const DEFAULT_SIDECAR_PORT = 7777;
/** cosmos-exporter metrics port. */
export const COSMOS_EXPORTER_PORT = 9300;
/** Tendermint P2P port. */
export const P2P_PORT = 26656;

/** Container names, in pod order. */
export const CONTAINER = {
  seidInit: 'seid-init',
  sidecar: 'sei-sidecar',
  rbacProxy: 'kube-rbac-proxy',
  seid: 'seid',
  cosmosExporter: 'cosmos-exporter',
} as const;

/** Volume names of the node pod. */
export const VOLUME = {
  data: 'data',
  sidecarTmp: 'sidecar-tmp',
  rbacProxyConfig: 'rbac-proxy-config',
  sidecarTls: 'sidecar-tls',
  signingKey: 'signing-key',
  nodeKey: 'node-key',
  operatorKeyring: 'operator-keyring',
} as const;

/** Data keys inside the key Secrets (reference-seinode.md §3.1). */
export const SIGNING_KEY_FILE = 'priv_validator_key.json';
export const NODE_KEY_FILE = 'node_key.json';

/** Name of the StatefulSet and the headless Service: the node's own name. */
export const statefulSetName = (node: string): string => node;
export const headlessServiceName = (node: string): string => node;
/** Name of the data PVC the controller creates: `data-<node>`. */
export const dataPvcName = (node: string): string => `data-${node}`;
/** Name of the kube-rbac-proxy ConfigMap: `<node>-rbac-proxy-config`. */
export const rbacProxyConfigMapName = (node: string): string => `${node}-rbac-proxy-config`;
/** Name of the single pod of a node's StatefulSet: `<node>-0`. */
export const podName = (node: string): string => `${node}-0`;

/** Label that marks the bootstrap Job's pod and Service: `sei.io/component: bootstrap`. */
export const LABEL_COMPONENT = 'sei.io/component';
/** Name of the one-shot bootstrap Job (reference-seinode.md §4.6): `<node>-bootstrap`. */
export const bootstrapJobName = (node: string): string => `${node}-bootstrap`;
/**
 * Name of the bootstrap Service: `<node>`, the headless Service's name, so the sidecar URL
 * `<node>-0.<node>.<ns>.svc` is the same before and after bootstrap (teardown-bootstrap deletes it
 * before apply-service creates the headless Service).
 */
export const bootstrapServiceName = (node: string): string => node;
