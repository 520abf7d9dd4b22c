/**
 * Names, ports, labels and hostnames of what a SeiNodeDeployment owns besides its children
 * (reference-seinodedeployment.md §2.8, §6 cheat-sheet; SPEC §6). Pure functions and constants,
 * shared by the constructs, the status helpers and the controller.
 */
import { LABEL_NODEDEPLOYMENT, nodeMode, type SeiNodeDeployment } from '../api/types';
import type { PlatformConfig } from '../platform-config';

/** Annotation put on the internal Service and the HTTPRoutes (not on the external Service). */
export const ANNOTATION_MANAGED_BY = 'sei.io/managed-by';
/** Value of {@link ANNOTATION_MANAGED_BY}. */
export const MANAGED_BY_SEINODEDEPLOYMENT = 'seinodedeployment';

/** Name of the always-present internal ClusterIP Service: `<snd>-internal`. */
export const internalServiceName = (snd: string): string => `${snd}-internal`;
/** Name of the external ClusterIP Service behind the HTTPRoutes: `<snd>-external`. */
export const externalServiceName = (snd: string): string => `${snd}-external`;
/** Name of the HTTPRoute of one protocol: `<snd>-<protocol>`. */
export const routeName = (snd: string, protocol: RouteProtocol): string => `${snd}-${protocol}`;

/** A named TCP port of a Service (the target port equals the port). */
export interface NamedPort {
  readonly name: string;
  readonly port: number;
  /** `kubernetes.io/h2c` for gRPC. @default - none */
  readonly appProtocol?: string;
}

/** sei-config port numbers (reference §6). */
export const PORT = {
  evmRpc: 8545,
  evmWs: 8546,
  grpc: 9090,
  rest: 1317,
  p2p: 26656,
  rpc: 26657,
} as const;

/**
 * Ports of the internal Service `<snd>-internal` (reference §2.8): the stateless query ports
 * `rpc` 26657, `evm-http` 8545, `rest` 1317 — the same for every mode.
 */
export const INTERNAL_SERVICE_PORTS: readonly NamedPort[] = [
  { name: 'rpc', port: PORT.rpc },
  { name: 'evm-http', port: PORT.evmRpc },
  { name: 'rest', port: PORT.rest },
];

/**
 * Which port set a deployment's mode publishes (reference §2.8): `archive` for archive templates,
 * `validator` for validator templates, `full` otherwise (a replayer counts as a full node).
 */
export type NetworkMode = 'full' | 'archive' | 'validator';

/** The {@link NetworkMode} of a deployment's template. */
export function networkModeOf(snd: SeiNodeDeployment): NetworkMode {
  const mode = nodeMode(snd.spec.template.spec);
  return mode === 'archive' ? 'archive' : mode === 'validator' ? 'validator' : 'full';
}

const SERVING_PORTS: readonly NamedPort[] = [
  { name: 'evm-rpc', port: PORT.evmRpc },
  { name: 'evm-ws', port: PORT.evmWs },
  { name: 'grpc', port: PORT.grpc, appProtocol: 'kubernetes.io/h2c' },
  { name: 'rest', port: PORT.rest },
  { name: 'p2p', port: PORT.p2p },
  { name: 'rpc', port: PORT.rpc },
];

/**
 * Ports of the external Service per mode: sei-config `NodePortsForMode(mode)` without `metrics`
 * (reference §2.8). full/archive (and replayer): `evm-rpc` 8545, `evm-ws` 8546, `grpc` 9090
 * (appProtocol `kubernetes.io/h2c`), `rest` 1317, `p2p` 26656, `rpc` 26657; validator: `p2p` 26656.
 */
export const EXTERNAL_SERVICE_PORTS: Readonly<Record<NetworkMode, readonly NamedPort[]>> = {
  full: SERVING_PORTS,
  archive: SERVING_PORTS,
  validator: [{ name: 'p2p', port: PORT.p2p }],
};

/** The protocols an HTTPRoute can publish, in the reference's route order. */
export const ROUTE_PROTOCOLS = ['evm', 'rpc', 'rest', 'grpc'] as const;
/** One of {@link ROUTE_PROTOCOLS}. */
export type RouteProtocol = (typeof ROUTE_PROTOCOLS)[number];

/**
 * The external-Service port name each protocol needs (a protocol is served iff the mode's port set
 * has it; `evm` maps to `evm-rpc`) and the port its default rule targets.
 */
export const ROUTE_BACKEND: Readonly<
  Record<RouteProtocol, { readonly portName: string; readonly port: number }>
> = {
  evm: { portName: 'evm-rpc', port: PORT.evmRpc },
  rpc: { portName: 'rpc', port: PORT.rpc },
  rest: { portName: 'rest', port: PORT.rest },
  grpc: { portName: 'grpc', port: PORT.grpc },
};

/**
 * The protocols the deployment's mode serves, in route order: all four for full/archive/replayer,
 * none for validators. Does not look at `spec.networking` (see `desiredRouteNames` for that).
 */
export function servedRouteProtocols(snd: SeiNodeDeployment): RouteProtocol[] {
  const ports = new Set(EXTERNAL_SERVICE_PORTS[networkModeOf(snd)].map((p) => p.name));
  return ROUTE_PROTOCOLS.filter((p) => ports.has(ROUTE_BACKEND[p].portName));
}

/**
 * Hostnames of one protocol's route (reference §2.8): `<snd>-<protocol>.<gatewayDomain>`, then
 * `<snd>-<protocol>.<namespace>.<gatewayPublicDomain>` when a public domain is configured.
 */
export function protocolHostnames(
  snd: SeiNodeDeployment,
  platform: PlatformConfig,
  protocol: RouteProtocol,
): string[] {
  const host = routeName(snd.metadata.name ?? '', protocol);
  const hostnames = [`${host}.${platform.gatewayDomain}`];
  if (platform.gatewayPublicDomain) {
    hostnames.push(`${host}.${namespaceOf(snd)}.${platform.gatewayPublicDomain}`);
  }
  return hostnames;
}

/**
 * Labels of every Service and HTTPRoute the deployment owns: `{sei.io/nodedeployment: <snd>}` —
 * also the Services' selector (children's pods carry it via `podLabels`; no revision, so a rollout
 * never changes the selector).
 */
export function deploymentLabels(snd: SeiNodeDeployment): Record<string, string> {
  return { [LABEL_NODEDEPLOYMENT]: snd.metadata.name ?? '' };
}

/**
 * The deployment's namespace.
 * @default 'default' when `metadata.namespace` is unset (objects read from the API server always have one)
 */
export function namespaceOf(snd: SeiNodeDeployment): string {
  return snd.metadata.namespace ?? 'default';
}
