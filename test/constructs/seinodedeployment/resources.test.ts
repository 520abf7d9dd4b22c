/**
 * The SeiNodeDeployment's own resources: internal/external Services, HTTPRoutes and their
 * composition (reference-seinodedeployment.md §2.8, SPEC §6).
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { SeiNodeDeployment } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { type KubeObject, synthInMemory } from '../../../constructs/render';
import { SeiNodeDeploymentExternalService } from '../../../constructs/seinodedeployment/external-service';
import { SeiNodeDeploymentHttpRoutes } from '../../../constructs/seinodedeployment/http-routes';
import { SeiNodeDeploymentInternalService } from '../../../constructs/seinodedeployment/internal-service';
import { SeiNodeDeploymentResources } from '../../../constructs/seinodedeployment/seinodedeployment-resources';
import { devnet, rpcPool, withMode, withNetworking } from './fixtures';

// biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
type Obj = any;

const UID = '0f1e2d3c-4b5a-4968-8776-655443322110';

function render(snd: SeiNodeDeployment, opts: { children?: boolean; platform?: typeof platform } = {}) {
  return synthInMemory(
    (chart) =>
      new SeiNodeDeploymentResources(chart, 'snd', {
        deployment: snd,
        platform: opts.platform ?? platform,
        children: opts.children,
      }),
  ) as Obj[];
}
const ids = (objs: KubeObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);
const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const portsOf = (svc: Obj) => svc.spec.ports.map((p: Obj) => `${p.name}:${p.port}`);

describe('SeiNodeDeploymentInternalService', () => {
  it('synthesizes <snd>-internal (snapshot)', () => {
    const chart = Testing.chart();
    new SeiNodeDeploymentInternalService(chart, 'internal', { deployment: rpcPool() });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('is a ClusterIP Service selecting the group label with the stateless ports only', () => {
    const chart = Testing.chart();
    new SeiNodeDeploymentInternalService(chart, 'internal', { deployment: rpcPool() });
    const [svc] = Testing.synth(chart) as Obj[];
    expect(svc.metadata).toEqual({
      name: 'pacific-1-rpc-internal',
      namespace: 'default',
      labels: { 'sei.io/nodedeployment': 'pacific-1-rpc' },
      annotations: { 'sei.io/managed-by': 'seinodedeployment' },
    });
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.selector).toEqual({ 'sei.io/nodedeployment': 'pacific-1-rpc' });
    expect(svc.spec.publishNotReadyAddresses).toBeUndefined();
    expect(svc.spec.ports).toEqual([
      { name: 'rpc', port: 26657, targetPort: 26657, protocol: 'TCP' },
      { name: 'evm-http', port: 8545, targetPort: 8545, protocol: 'TCP' },
      { name: 'rest', port: 1317, targetPort: 1317, protocol: 'TCP' },
    ]);
  });

  it('requires a name', () => {
    const snd = rpcPool();
    delete snd.metadata.name;
    expect(() => new SeiNodeDeploymentInternalService(Testing.chart(), 'i', { deployment: snd })).toThrow(
      /metadata.name is required/,
    );
  });
});

describe('SeiNodeDeploymentExternalService', () => {
  it('synthesizes <snd>-external of a full-node deployment (snapshot)', () => {
    const chart = Testing.chart();
    new SeiNodeDeploymentExternalService(chart, 'external', { deployment: rpcPool() });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('publishes every serving port for full, archive and replayer; gRPC as h2c', () => {
    const modes = {
      full: rpcPool(),
      archive: withMode(rpcPool(), { archive: {} }),
      replayer: withMode(rpcPool(), {
        replayer: { snapshot: { s3: { targetHeight: 1 } } },
      }),
    };
    for (const [mode, snd] of Object.entries(modes)) {
      const chart = Testing.chart();
      new SeiNodeDeploymentExternalService(chart, 'external', { deployment: snd });
      const [svc] = Testing.synth(chart) as Obj[];
      expect(portsOf(svc), mode).toEqual([
        'evm-rpc:8545',
        'evm-ws:8546',
        'grpc:9090',
        'rest:1317',
        'p2p:26656',
        'rpc:26657',
      ]);
      expect(svc.spec.ports.find((p: Obj) => p.name === 'grpc').appProtocol).toBe('kubernetes.io/h2c');
      expect(svc.spec.ports.filter((p: Obj) => p.appProtocol)).toHaveLength(1);
      expect(svc.spec.type).toBe('ClusterIP');
      expect(svc.spec.selector).toEqual({ 'sei.io/nodedeployment': 'pacific-1-rpc' });
      // Like the reference: labels only, no managed-by annotation.
      expect(svc.metadata.annotations).toBeUndefined();
      expect(svc.metadata.labels).toEqual({ 'sei.io/nodedeployment': 'pacific-1-rpc' });
    }
  });

  it('publishes only p2p for validators', () => {
    const chart = Testing.chart();
    new SeiNodeDeploymentExternalService(chart, 'external', { deployment: devnet() });
    const [svc] = Testing.synth(chart) as Obj[];
    expect(svc.metadata.name).toBe('devnet-external');
    expect(svc.spec.ports).toEqual([{ name: 'p2p', port: 26656, targetPort: 26656, protocol: 'TCP' }]);
  });
});

describe('SeiNodeDeploymentHttpRoutes', () => {
  function routes(snd: SeiNodeDeployment, p = platform): Obj[] {
    const chart = Testing.chart();
    new SeiNodeDeploymentHttpRoutes(chart, 'routes', { deployment: snd, platform: p });
    return Testing.synth(chart) as Obj[];
  }

  it('synthesizes the four routes of a full-node deployment (snapshot)', () => {
    expect(routes(rpcPool())).toMatchSnapshot();
  });

  it('names one route per protocol, in the reference order', () => {
    const objs = routes(rpcPool());
    expect(ids(objs)).toEqual([
      'HTTPRoute/pacific-1-rpc-evm',
      'HTTPRoute/pacific-1-rpc-rpc',
      'HTTPRoute/pacific-1-rpc-rest',
      'HTTPRoute/pacific-1-rpc-grpc',
    ]);
    for (const r of objs) {
      expect(r.apiVersion).toBe('gateway.networking.k8s.io/v1');
      expect(r.metadata.namespace).toBe('default');
      expect(r.metadata.labels).toEqual({ 'sei.io/nodedeployment': 'pacific-1-rpc' });
      expect(r.metadata.annotations).toEqual({ 'sei.io/managed-by': 'seinodedeployment' });
      expect(r.spec.parentRefs).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'sei-gateway', namespace: 'gateway' },
      ]);
    }
  });

  it('has the gateway-domain hostname and, when configured, the namespaced public one', () => {
    const withPublic = routes(rpcPool());
    expect(withPublic.map((r) => r.spec.hostnames)).toEqual(
      ['evm', 'rpc', 'rest', 'grpc'].map((p) => [
        `pacific-1-rpc-${p}.sei.internal.example.com`,
        `pacific-1-rpc-${p}.default.sei.example.com`,
      ]),
    );
    const snd = rpcPool();
    snd.metadata.namespace = 'mainnet';
    expect(routes(snd)[0].spec.hostnames[1]).toBe('pacific-1-rpc-evm.mainnet.sei.example.com');

    const internalOnly = routes(rpcPool(), { ...platform, gatewayPublicDomain: undefined });
    expect(internalOnly.map((r) => r.spec.hostnames)).toEqual(
      ['evm', 'rpc', 'rest', 'grpc'].map((p) => [`pacific-1-rpc-${p}.sei.internal.example.com`]),
    );
    expect(routes(rpcPool(), { ...platform, gatewayPublicDomain: '' })[0].spec.hostnames).toHaveLength(1);
  });

  it('routes each protocol to its port on <snd>-external; backendRef group/kind left to defaults', () => {
    const byName = Object.fromEntries(routes(rpcPool()).map((r) => [r.metadata.name, r.spec.rules]));
    const only = (port: number) => [{ backendRefs: [{ name: 'pacific-1-rpc-external', port }] }];
    expect(byName['pacific-1-rpc-rpc']).toEqual(only(26657));
    expect(byName['pacific-1-rpc-rest']).toEqual(only(1317));
    expect(byName['pacific-1-rpc-grpc']).toEqual(only(9090));
  });

  it('sends websocket upgrades of the evm route to 8546', () => {
    const [evm] = routes(rpcPool());
    expect(evm.spec.rules).toEqual([
      { backendRefs: [{ name: 'pacific-1-rpc-external', port: 8545 }] },
      {
        matches: [{ headers: [{ type: 'Exact', name: 'Upgrade', value: 'websocket' }] }],
        backendRefs: [{ name: 'pacific-1-rpc-external', port: 8546 }],
      },
    ]);
  });

  it('renders no route for validators', () => {
    expect(routes(devnet())).toEqual([]);
    expect(routes(withNetworking(devnet(), {}))).toEqual([]);
  });
});

describe('SeiNodeDeploymentResources', () => {
  it('synthesizes an HTTP-published full-node deployment read from the API server (snapshot)', () => {
    const snd = rpcPool();
    snd.metadata.uid = UID;
    snd.metadata.generation = 3;
    expect(render(snd)).toMatchSnapshot();
  });

  it('synthesizes a genesis validator deployment without networking (snapshot)', () => {
    expect(render(devnet())).toMatchSnapshot();
  });

  it('renders children, the internal Service, and with HTTP the external Service and routes', () => {
    expect(ids(render(rpcPool()))).toEqual([
      'SeiNode/pacific-1-rpc-0',
      'SeiNode/pacific-1-rpc-1',
      'SeiNode/pacific-1-rpc-2',
      'Service/pacific-1-rpc-internal',
      'Service/pacific-1-rpc-external',
      'HTTPRoute/pacific-1-rpc-evm',
      'HTTPRoute/pacific-1-rpc-rpc',
      'HTTPRoute/pacific-1-rpc-rest',
      'HTTPRoute/pacific-1-rpc-grpc',
    ]);
    expect(ids(render(devnet()))).toEqual([
      'SeiNode/devnet-0',
      'SeiNode/devnet-1',
      'SeiNode/devnet-2',
      'SeiNode/devnet-3',
      'Service/devnet-internal',
    ]);
  });

  it('renders the children exactly as childSeiNode does', () => {
    const objs = render(rpcPool());
    const child = find(objs, 'SeiNode', 'pacific-1-rpc-1');
    expect(child.metadata.labels).toMatchObject({
      team: 'rpc',
      'sei.io/nodedeployment': 'pacific-1-rpc',
      'sei.io/nodedeployment-ordinal': '1',
    });
    expect(child.spec.networking).toEqual({ http: {}, tcp: {} });
    expect(child.spec.podLabels).toMatchObject({ 'sei.io/nodedeployment': 'pacific-1-rpc' });
  });

  it('defaults to one child when replicas is unset, and omits children on request', () => {
    const snd = rpcPool();
    delete snd.spec.replicas;
    expect(ids(render(snd)).filter((i) => i.startsWith('SeiNode/'))).toEqual(['SeiNode/pacific-1-rpc-0']);
    expect(ids(render(rpcPool(), { children: false }))).toEqual([
      'Service/pacific-1-rpc-internal',
      'Service/pacific-1-rpc-external',
      'HTTPRoute/pacific-1-rpc-evm',
      'HTTPRoute/pacific-1-rpc-rpc',
      'HTTPRoute/pacific-1-rpc-rest',
      'HTTPRoute/pacific-1-rpc-grpc',
    ]);
  });

  it('follows the legacy networking semantics', () => {
    const networkingIds = (n: Parameters<typeof withNetworking>[1]) =>
      ids(render(withNetworking(rpcPool(), n), { children: false }));
    const http = [
      'Service/pacific-1-rpc-internal',
      'Service/pacific-1-rpc-external',
      'HTTPRoute/pacific-1-rpc-evm',
      'HTTPRoute/pacific-1-rpc-rpc',
      'HTTPRoute/pacific-1-rpc-rest',
      'HTTPRoute/pacific-1-rpc-grpc',
    ];
    expect(networkingIds(undefined)).toEqual(['Service/pacific-1-rpc-internal']);
    expect(networkingIds({})).toEqual(http);
    expect(networkingIds({ http: {} })).toEqual(http);
    expect(networkingIds({ tcp: {} })).toEqual(['Service/pacific-1-rpc-internal']);
    expect(networkingIds({ http: {}, tcp: {} })).toEqual(http);
  });

  it('gives an HTTP-published validator deployment a p2p-only external Service and no routes', () => {
    const objs = render(withNetworking(devnet(), { http: {} }), { children: false });
    expect(ids(objs)).toEqual(['Service/devnet-internal', 'Service/devnet-external']);
    expect(portsOf(find(objs, 'Service', 'devnet-external'))).toEqual(['p2p:26656']);
    // The internal Service is the same for every mode.
    expect(portsOf(find(objs, 'Service', 'devnet-internal'))).toEqual([
      'rpc:26657',
      'evm-http:8545',
      'rest:1317',
    ]);
  });

  it('puts exactly one controller owner reference on every object when the deployment has a uid', () => {
    const snd = rpcPool();
    snd.metadata.uid = UID;
    const objs = render(snd);
    expect(objs).toHaveLength(9);
    for (const o of objs) {
      expect(o.metadata.ownerReferences, `${o.kind}/${o.metadata.name}`).toEqual([
        {
          apiVersion: 'sei.io/v1alpha1',
          kind: 'SeiNodeDeployment',
          name: 'pacific-1-rpc',
          uid: UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    for (const o of render(rpcPool())) expect(o.metadata.ownerReferences).toBeUndefined();
  });

  it('is deterministic', () => {
    expect(JSON.stringify(render(rpcPool()))).toBe(JSON.stringify(render(rpcPool())));
  });

  it('requires a name', () => {
    const snd = rpcPool();
    delete snd.metadata.name;
    expect(() => render(snd)).toThrow(/metadata.name is required/);
  });
});
