/**
 * Networking semantics and the networking parts of a SeiNodeDeployment's status
 * (reference-seinodedeployment.md §1.5, §1.6, §2.8, §2.9; SPEC §3.2, §6). Pure functions of the
 * deployment (and platform config): no I/O, clock or randomness.
 */
import type { NetworkingConfig, SeiNodeDeployment, SeiNodeDeploymentStatus } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import { internalServiceName, namespaceOf, PORT, protocolHostnames, servedRouteProtocols } from './names';

/** `status.internalService`. */
export type InternalServiceStatus = NonNullable<SeiNodeDeploymentStatus['internalService']>;
/** One entry of `status.perPodServices`. */
export type PerPodServiceStatus = NonNullable<SeiNodeDeploymentStatus['perPodServices']>[number];
/** `status.endpoints`. */
export type EndpointsStatus = NonNullable<SeiNodeDeploymentStatus['endpoints']>;
/** One entry of `status.networkingStatus.routes`. */
export type RouteStatus = NonNullable<
  NonNullable<SeiNodeDeploymentStatus['networkingStatus']>['routes']
>[number];

/**
 * Whether HTTP networking (external Service + HTTPRoutes) is on (reference §1.5 `HTTPEnabled`):
 * - `undefined` (no `spec.networking`) → false;
 * - `http` set → true;
 * - otherwise true iff `tcp` is unset — the legacy presence signal: `networking: {}` means HTTP.
 *
 * So `{}` → HTTP on; `{http: {}}` → on; `{tcp: {}}` → off; `{http: {}, tcp: {}}` → on.
 */
export function httpEnabled(networking: NetworkingConfig | undefined): boolean {
  if (!networking) return false;
  return networking.http != null || networking.tcp == null;
}

/**
 * Whether TCP (P2P) publishing is on (reference §1.5 `TCPEnabled`): `tcp` set; no legacy fallback,
 * so `networking: {}` → false.
 */
export function tcpEnabled(networking: NetworkingConfig | undefined): boolean {
  return networking?.tcp != null;
}

/**
 * `status.internalService` (reference §1.6; always set): `{name: <snd>-internal, namespace, ports:
 * {rpc: 26657, evmHttp: 8545, rest: 1317}}`.
 */
export function internalServiceStatus(snd: SeiNodeDeployment): InternalServiceStatus {
  return {
    name: internalServiceName(snd.metadata.name ?? ''),
    namespace: namespaceOf(snd),
    ports: { rpc: PORT.rpc, evmHttp: PORT.evmRpc, rest: PORT.rest },
  };
}

/**
 * The ordinal encoded in a child name `<snd>-<ordinal>` (a public contract, children.ts
 * `childName`), or undefined when the name is not of that form.
 */
export function childOrdinal(snd: SeiNodeDeployment, childName: string): number | undefined {
  const prefix = `${snd.metadata.name ?? ''}-`;
  if (!childName.startsWith(prefix)) return undefined;
  const rest = childName.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** Child names with a parseable ordinal, deduplicated and sorted by ordinal. */
function orderedChildren(snd: SeiNodeDeployment, childNames: readonly string[]): string[] {
  const byOrdinal = new Map<number, string>();
  for (const name of childNames) {
    const ordinal = childOrdinal(snd, name);
    if (ordinal !== undefined) byOrdinal.set(ordinal, name);
  }
  return [...byOrdinal.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => name);
}

/**
 * `status.perPodServices` (reference §1.6): one `{name, namespace, ports: {evmHttp: 8545, evmWs:
 * 8546}}` per child — describing the headless Service `<child>` the SeiNode controller creates —
 * sorted by ordinal. Names without a parseable ordinal (`<snd>-<n>`) are skipped (the reference
 * skips children with a missing or unparseable ordinal label); gaps after a scale-down are kept.
 *
 * @param childNames - names of the children that exist (any order)
 * @returns possibly empty
 */
export function perPodServicesStatus(
  snd: SeiNodeDeployment,
  childNames: readonly string[],
): PerPodServiceStatus[] {
  const namespace = namespaceOf(snd);
  return orderedChildren(snd, childNames).map((name) => ({
    name,
    namespace,
    ports: { evmHttp: PORT.evmRpc, evmWs: PORT.evmWs },
  }));
}

/**
 * `status.endpoints` (reference §1.6): in-cluster URLs `http://<svc>.<ns>.svc:<port>`.
 * - aggregate, from the internal Service: `tendermintRpc` (26657), `tendermintRest` (1317) and
 *   `evmJsonRpc` (8545; our status schema has it, the reference did not);
 * - `nodes[]`, from each child's headless Service, in {@link perPodServicesStatus} order:
 *   `{name, evmJsonRpc: http://<child>.<ns>.svc:8545, evmWs: ws://<child>.<ns>.svc:8546}`;
 *   omitted when there are no children (the internal Service always exists, so the aggregate
 *   URLs always do).
 *
 * @param childNames - names of the children that exist (any order)
 */
export function endpointsStatus(snd: SeiNodeDeployment, childNames: readonly string[]): EndpointsStatus {
  const internal = internalServiceStatus(snd);
  const host = (svc: string, ns: string) => `${svc}.${ns}.svc`;
  const aggregate = host(internal.name, internal.namespace);
  const nodes = perPodServicesStatus(snd, childNames).map((s) => ({
    name: s.name,
    evmJsonRpc: `http://${host(s.name, s.namespace)}:${PORT.evmRpc}`,
    evmWs: `ws://${host(s.name, s.namespace)}:${PORT.evmWs}`,
  }));
  return {
    tendermintRpc: `http://${aggregate}:${PORT.rpc}`,
    tendermintRest: `http://${aggregate}:${PORT.rest}`,
    evmJsonRpc: `http://${aggregate}:${PORT.evmRpc}`,
    ...(nodes.length ? { nodes } : {}),
  };
}

/**
 * `status.networkingStatus.routes` (reference §2.8): every hostname × protocol of the desired
 * HTTPRoutes, computed from the spec (not from live routes), in route order (evm, rpc, rest, grpc;
 * per protocol the gateway-domain hostname, then the public one). Empty when HTTP networking is off
 * or the mode serves no HTTP protocol (validators).
 */
export function networkingStatusRoutes(snd: SeiNodeDeployment, platform: PlatformConfig): RouteStatus[] {
  if (!httpEnabled(snd.spec.networking)) return [];
  return servedRouteProtocols(snd).flatMap((protocol) =>
    protocolHostnames(snd, platform, protocol).map((hostname) => ({ hostname, protocol })),
  );
}
