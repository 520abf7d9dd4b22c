/**
 * Networking semantics and status helpers of a SeiNodeDeployment (reference-seinodedeployment.md
 * §1.5, §1.6, §2.8; SPEC §3.2, §6).
 */
import { describe, expect, it } from 'vitest';
import type { NetworkingConfig } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { desiredRouteNames, routeHostnames } from '../../../constructs/seinodedeployment/http-routes';
import { networkModeOf, servedRouteProtocols } from '../../../constructs/seinodedeployment/names';
import {
  childOrdinal,
  endpointsStatus,
  httpEnabled,
  internalServiceStatus,
  networkingStatusRoutes,
  perPodServicesStatus,
  tcpEnabled,
} from '../../../constructs/seinodedeployment/networking';
import { devnet, rpcPool, withMode, withNetworking } from './fixtures';

describe('httpEnabled / tcpEnabled (legacy presence semantics)', () => {
  const cases: [string, NetworkingConfig | undefined, boolean, boolean][] = [
    ['unset', undefined, false, false],
    ['legacy {}', {}, true, false],
    ['{http}', { http: {} }, true, false],
    ['{tcp}', { tcp: {} }, false, true],
    ['{http, tcp}', { http: {}, tcp: {} }, true, true],
  ];
  for (const [what, networking, http, tcp] of cases) {
    it(`${what}: http=${http}, tcp=${tcp}`, () => {
      expect(httpEnabled(networking)).toBe(http);
      expect(tcpEnabled(networking)).toBe(tcp);
    });
  }
});

describe('modes', () => {
  it('maps the template mode to the published port set (replayer counts as full)', () => {
    expect(networkModeOf(rpcPool())).toBe('full');
    expect(networkModeOf(withMode(rpcPool(), { archive: {} }))).toBe('archive');
    expect(networkModeOf(withMode(rpcPool(), { replayer: { snapshot: { stateSync: {} } } }))).toBe('full');
    expect(networkModeOf(devnet())).toBe('validator');
  });

  it('serves the four HTTP protocols except on validators', () => {
    expect(servedRouteProtocols(rpcPool())).toEqual(['evm', 'rpc', 'rest', 'grpc']);
    expect(servedRouteProtocols(withMode(rpcPool(), { archive: {} }))).toEqual([
      'evm',
      'rpc',
      'rest',
      'grpc',
    ]);
    expect(servedRouteProtocols(devnet())).toEqual([]);
  });
});

describe('desiredRouteNames / routeHostnames', () => {
  it('lists the routes and hostnames of an HTTP-published full-node deployment', () => {
    expect(desiredRouteNames(rpcPool())).toEqual([
      'pacific-1-rpc-evm',
      'pacific-1-rpc-rpc',
      'pacific-1-rpc-rest',
      'pacific-1-rpc-grpc',
    ]);
    const hosts = routeHostnames(rpcPool(), platform);
    expect(hosts).toHaveLength(8);
    expect(hosts.slice(0, 2)).toEqual([
      'pacific-1-rpc-evm.sei.internal.example.com',
      'pacific-1-rpc-evm.default.sei.example.com',
    ]);
    expect(routeHostnames(rpcPool(), { ...platform, gatewayPublicDomain: undefined })).toEqual([
      'pacific-1-rpc-evm.sei.internal.example.com',
      'pacific-1-rpc-rpc.sei.internal.example.com',
      'pacific-1-rpc-rest.sei.internal.example.com',
      'pacific-1-rpc-grpc.sei.internal.example.com',
    ]);
  });

  it('is empty without HTTP networking or for validators', () => {
    for (const snd of [
      withNetworking(rpcPool(), undefined),
      withNetworking(rpcPool(), { tcp: {} }),
      withNetworking(devnet(), {}),
    ]) {
      expect(desiredRouteNames(snd)).toEqual([]);
      expect(routeHostnames(snd, platform)).toEqual([]);
    }
    expect(desiredRouteNames(withNetworking(rpcPool(), {}))).toHaveLength(4);
  });
});

describe('status helpers', () => {
  it('internalServiceStatus: name, namespace and the three stateless ports', () => {
    const snd = rpcPool();
    snd.metadata.namespace = 'mainnet';
    expect(internalServiceStatus(snd)).toEqual({
      name: 'pacific-1-rpc-internal',
      namespace: 'mainnet',
      ports: { rpc: 26657, evmHttp: 8545, rest: 1317 },
    });
    // Set for every mode and regardless of networking.
    expect(internalServiceStatus(devnet()).name).toBe('devnet-internal');
  });

  it('childOrdinal parses <snd>-<n> only', () => {
    const snd = rpcPool();
    expect(childOrdinal(snd, 'pacific-1-rpc-0')).toBe(0);
    expect(childOrdinal(snd, 'pacific-1-rpc-12')).toBe(12);
    for (const bad of ['pacific-1-rpc', 'pacific-1-rpc-', 'pacific-1-rpc-01', 'pacific-1-rpc-x', 'other-0'])
      expect(childOrdinal(snd, bad), bad).toBeUndefined();
  });

  it('perPodServicesStatus: sorted by ordinal, gaps kept, foreign names skipped', () => {
    const snd = rpcPool();
    expect(perPodServicesStatus(snd, [])).toEqual([]);
    const names = [
      'pacific-1-rpc-10',
      'pacific-1-rpc-2',
      'other-1',
      'pacific-1-rpc-0',
      'pacific-1-rpc-extra',
    ];
    expect(perPodServicesStatus(snd, names)).toEqual(
      ['pacific-1-rpc-0', 'pacific-1-rpc-2', 'pacific-1-rpc-10'].map((name) => ({
        name,
        namespace: 'default',
        ports: { evmHttp: 8545, evmWs: 8546 },
      })),
    );
  });

  it('endpointsStatus: aggregate URLs from the internal Service, per-child URLs in ordinal order', () => {
    const snd = rpcPool();
    snd.metadata.namespace = 'rpc';
    expect(endpointsStatus(snd, ['pacific-1-rpc-1', 'pacific-1-rpc-0'])).toEqual({
      tendermintRpc: 'http://pacific-1-rpc-internal.rpc.svc:26657',
      tendermintRest: 'http://pacific-1-rpc-internal.rpc.svc:1317',
      evmJsonRpc: 'http://pacific-1-rpc-internal.rpc.svc:8545',
      nodes: [
        {
          name: 'pacific-1-rpc-0',
          evmJsonRpc: 'http://pacific-1-rpc-0.rpc.svc:8545',
          evmWs: 'ws://pacific-1-rpc-0.rpc.svc:8546',
        },
        {
          name: 'pacific-1-rpc-1',
          evmJsonRpc: 'http://pacific-1-rpc-1.rpc.svc:8545',
          evmWs: 'ws://pacific-1-rpc-1.rpc.svc:8546',
        },
      ],
    });
    const aggregateOnly = endpointsStatus(snd, []);
    expect(aggregateOnly.nodes).toBeUndefined();
    expect(aggregateOnly.tendermintRpc).toBe('http://pacific-1-rpc-internal.rpc.svc:26657');
  });

  it('networkingStatusRoutes: every hostname × protocol, from the spec', () => {
    expect(networkingStatusRoutes(rpcPool(), platform)).toEqual(
      ['evm', 'rpc', 'rest', 'grpc'].flatMap((protocol) => [
        { hostname: `pacific-1-rpc-${protocol}.sei.internal.example.com`, protocol },
        { hostname: `pacific-1-rpc-${protocol}.default.sei.example.com`, protocol },
      ]),
    );
    expect(networkingStatusRoutes(rpcPool(), { ...platform, gatewayPublicDomain: undefined })).toEqual(
      ['evm', 'rpc', 'rest', 'grpc'].map((protocol) => ({
        hostname: `pacific-1-rpc-${protocol}.sei.internal.example.com`,
        protocol,
      })),
    );
    expect(networkingStatusRoutes(withNetworking(devnet(), {}), platform)).toEqual([]);
    expect(networkingStatusRoutes(withNetworking(rpcPool(), undefined), platform)).toEqual([]);
    expect(networkingStatusRoutes(withNetworking(rpcPool(), { tcp: {} }), platform)).toEqual([]);
  });
});
