import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { SeiNodeDeployment } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import {
  ANNOTATION_MANAGED_BY,
  deploymentLabels,
  externalServiceName,
  MANAGED_BY_SEINODEDEPLOYMENT,
  PORT,
  protocolHostnames,
  ROUTE_BACKEND,
  type RouteProtocol,
  routeName,
  servedRouteProtocols,
} from './names';
import { httpEnabled } from './networking';

/** API group of the Gateway API. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** `apiVersion` of the HTTPRoutes we render: `gateway.networking.k8s.io/v1`. */
export const HTTPROUTE_API_VERSION = `${GATEWAY_API_GROUP}/v1`;
/** Kind `HTTPRoute`. */
export const KIND_HTTPROUTE = 'HTTPRoute';
/** REST plural of HTTPRoute. */
export const PLURAL_HTTPROUTES = 'httproutes';

/** A `gateway.networking.k8s.io/v1` HTTPRoute as we render it (the subset of the API we use). */
export interface HttpRouteManifest {
  apiVersion: typeof HTTPROUTE_API_VERSION;
  kind: typeof KIND_HTTPROUTE;
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: {
    parentRefs: { group: string; kind: string; name: string; namespace: string }[];
    hostnames: string[];
    rules: {
      matches?: { headers: { type: 'Exact'; name: string; value: string }[] }[];
      backendRefs: { name: string; port: number }[];
    }[];
  };
}

/**
 * The HTTPRoute `<snd>-<protocol>` (reference-seinodedeployment.md §2.8, SPEC §6):
 * - hostnames {@link protocolHostnames}: `<snd>-<protocol>.<gatewayDomain>`, plus
 *   `<snd>-<protocol>.<namespace>.<gatewayPublicDomain>` when the public domain is set;
 * - one parentRef `{group: gateway.networking.k8s.io, kind: Gateway, name: gatewayName, namespace:
 *   gatewayNamespace}` (no sectionName; group and kind are the API's defaults, spelled out);
 * - a default rule (no matches, i.e. every path) → backendRef `<snd>-external` at the protocol's
 *   port (evm 8545, rpc 26657, rest 1317, grpc 9090); backendRef group/kind are left to the API's
 *   defaults (core Service), as in the reference;
 * - evm only: a second rule matching header `Upgrade: websocket` (Exact) → port 8546;
 * - labels `sei.io/nodedeployment`, annotation `sei.io/managed-by: seinodedeployment`.
 */
export function httpRouteManifest(
  snd: SeiNodeDeployment,
  platform: PlatformConfig,
  protocol: RouteProtocol,
): HttpRouteManifest {
  const name = snd.metadata.name ?? '';
  const backend = (port: number) => [{ name: externalServiceName(name), port }];
  const rules: HttpRouteManifest['spec']['rules'] = [{ backendRefs: backend(ROUTE_BACKEND[protocol].port) }];
  if (protocol === 'evm') {
    rules.push({
      matches: [{ headers: [{ type: 'Exact', name: 'Upgrade', value: 'websocket' }] }],
      backendRefs: backend(PORT.evmWs),
    });
  }
  return {
    apiVersion: HTTPROUTE_API_VERSION,
    kind: KIND_HTTPROUTE,
    metadata: {
      name: routeName(name, protocol),
      ...(snd.metadata.namespace ? { namespace: snd.metadata.namespace } : {}),
      labels: deploymentLabels(snd),
      annotations: { [ANNOTATION_MANAGED_BY]: MANAGED_BY_SEINODEDEPLOYMENT },
    },
    spec: {
      parentRefs: [
        {
          group: GATEWAY_API_GROUP,
          kind: 'Gateway',
          name: platform.gatewayName,
          namespace: platform.gatewayNamespace,
        },
      ],
      hostnames: protocolHostnames(snd, platform, protocol),
      rules,
    },
  };
}

/**
 * Names of the HTTPRoutes the deployment should have, in route order (`<snd>-evm`, `-rpc`,
 * `-rest`, `-grpc`): empty when HTTP networking is off (`httpEnabled`) or the mode serves no HTTP
 * protocol (validators). Any labelled route not in this list is an orphan to delete (reference §2.8).
 */
export function desiredRouteNames(snd: SeiNodeDeployment): string[] {
  if (!httpEnabled(snd.spec.networking)) return [];
  return servedRouteProtocols(snd).map((p) => routeName(snd.metadata.name ?? '', p));
}

/**
 * Every hostname of the desired HTTPRoutes, flattened in route order (per protocol the
 * gateway-domain hostname first, then the public one). Empty under the same conditions as
 * {@link desiredRouteNames}. The first entry (`<snd>-evm.<gatewayDomain>` for a full node) is the
 * one the reference's DNS check resolves (reference §2.2 step 7, §2.16).
 */
export function routeHostnames(snd: SeiNodeDeployment, platform: PlatformConfig): string[] {
  if (!httpEnabled(snd.spec.networking)) return [];
  return servedRouteProtocols(snd).flatMap((p) => protocolHostnames(snd, platform, p));
}

/** Props of {@link SeiNodeDeploymentHttpRoutes}. */
export interface SeiNodeDeploymentHttpRoutesProps {
  /** The SeiNodeDeployment (`metadata.name` required; `metadata.namespace` used as is). */
  readonly deployment: SeiNodeDeployment;
  /** Platform configuration: the Gateway (`gatewayName`, `gatewayNamespace`) and the domains. */
  readonly platform: PlatformConfig;
}

/**
 * The Gateway API HTTPRoutes of a deployment, one per protocol its mode serves
 * (`servedRouteProtocols`: evm, rpc, rest, grpc for full/archive/replayer; none for validators),
 * each as {@link httpRouteManifest} describes, as plain `ApiObject`s (no generated Gateway API
 * import). Does not look at `spec.networking`: `SeiNodeDeploymentResources` renders it only while
 * HTTP networking is on. Owner references are added by `SeiNodeDeploymentResources`.
 *
 * @throws Error when `metadata.name` is missing
 */
export class SeiNodeDeploymentHttpRoutes extends Construct {
  /** The routes, in route order. */
  readonly routes: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: SeiNodeDeploymentHttpRoutesProps) {
    super(scope, id);
    const snd = props.deployment;
    if (!snd.metadata.name)
      throw new Error('SeiNodeDeploymentHttpRoutes: deployment.metadata.name is required');
    this.routes = servedRouteProtocols(snd).map(
      (protocol) => new ApiObject(this, protocol, httpRouteManifest(snd, props.platform, protocol)),
    );
  }
}
