import ipaddr from 'ipaddr.js';
import { P2P_PORT } from '../../constructs/seinode/names';
import type { KubeObject } from '../kube/types';

/** Outcome of the VPC-CIDR routability gate (SPEC §7). */
export type Routability =
  | { readonly routable: true; readonly message: string }
  | {
      readonly routable: false;
      readonly reason: 'VPCCIDRNotConfigured' | 'PodIPNotRoutable';
      readonly message: string;
    };

/**
 * An ip-target NLB can only reach pods whose IPs are routable in the VPC. Judges `ip` (the node's pod
 * IP once it exists, before that the controller's own `POD_IP`, which shares the CNI) against the
 * configured CIDRs. Fails closed: no CIDRs, no IP or an unparsable IP is not routable.
 */
export function judgeRoutability(
  cidrs: readonly string[],
  ip: string | undefined,
  source: 'pod' | 'controller',
): Routability {
  if (cidrs.length === 0) {
    return {
      routable: false,
      reason: 'VPCCIDRNotConfigured',
      message: 'SEI_VPC_CIDR is not set on the controller; P2P publishing fails closed',
    };
  }
  if (!ip || !ipaddr.isValid(ip)) {
    return {
      routable: false,
      reason: 'PodIPNotRoutable',
      message: `no ${source} IP to judge routability (${source === 'controller' ? 'POD_IP is not set' : 'pod has no IP'})`,
    };
  }
  const addr = ipaddr.process(ip);
  const hit = cidrs.find((c) => {
    try {
      const [net, bits] = ipaddr.parseCIDR(c);
      return addr.kind() === net.kind() && addr.match([net, bits]);
    } catch {
      return false;
    }
  });
  return hit
    ? { routable: true, message: `${source} IP ${ip} is inside ${hit}` }
    : {
        routable: false,
        reason: 'PodIPNotRoutable',
        message: `${source} IP ${ip} is outside SEI_VPC_CIDR (${cidrs.join(', ')}); an ip-target NLB cannot reach it`,
      };
}

/**
 * `"<host>:26656"` from a LoadBalancer Service's `status.loadBalancer.ingress[0]` (hostname, else
 * ip); undefined while the cloud has not provisioned it (the caller keeps a known address then —
 * the empty-host guard).
 */
export function externalAddressOf(service: KubeObject | undefined): string | undefined {
  const ingress = (
    service?.status as { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } } | undefined
  )?.loadBalancer?.ingress?.[0];
  const host = ingress?.hostname || ingress?.ip;
  return host ? `${host}:${P2P_PORT}` : undefined;
}
