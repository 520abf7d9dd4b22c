import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { dataVolumeStorage, SeiNodeDataPvc } from '../../../constructs/seinode/data-pvc';
import { SeiNodeHeadlessService } from '../../../constructs/seinode/headless-service';
import { RbacProxyConfig } from '../../../constructs/seinode/rbac-proxy-config';
import { SeiNodeStatefulSet } from '../../../constructs/seinode/statefulset';
import { exampleNode } from '../../support/examples';

const node = () => exampleNode('pacific-1-rpc-node.yaml');

describe('SeiNode parts (one snapshot per construct)', () => {
  it('SeiNodeHeadlessService', () => {
    const chart = Testing.chart();
    new SeiNodeHeadlessService(chart, 'svc', { node: node() });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('SeiNodeDataPvc', () => {
    const chart = Testing.chart();
    new SeiNodeDataPvc(chart, 'pvc', { node: node(), platform });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('RbacProxyConfig authorizes against sei.io/seinodetasks named after the node', () => {
    const chart = Testing.chart();
    new RbacProxyConfig(chart, 'cm', { node: node() });
    const [cm] = Testing.synth(chart);
    expect(cm).toMatchSnapshot();
    expect(parse(cm.data['config.yaml'])).toEqual({
      authorization: {
        resourceAttributes: {
          apiGroup: 'sei.io',
          resource: 'seinodetasks',
          namespace: 'default',
          name: 'pacific-1-rpc-0',
        },
      },
    });
  });

  it('SeiNodeStatefulSet', () => {
    const chart = Testing.chart();
    const svc = new SeiNodeHeadlessService(chart, 'svc', { node: node() });
    new SeiNodeStatefulSet(chart, 'sts', {
      node: node(),
      platform,
      dataClaimName: 'data-pacific-1-rpc-0',
      service: svc.service,
    });
    expect(Testing.synth(chart).filter((o) => o.kind === 'StatefulSet')).toMatchSnapshot();
  });

  it('dataVolumeStorage picks class and size by mode', () => {
    expect(dataVolumeStorage(exampleNode('archive-node.yaml'), platform)).toEqual({
      storageClassName: 'gp3-archive',
      size: '40Ti',
    });
    for (const f of ['pacific-1-rpc-node.yaml', 'shadow-replayer.yaml', 'validator-with-keys.yaml']) {
      expect(dataVolumeStorage(exampleNode(f), platform)).toEqual({
        storageClassName: 'gp3-10k-750',
        size: '2000Gi',
      });
    }
  });
});

describe('P2P Service and sidecar Certificate (one snapshot per construct)', () => {
  it('SeiNodeP2pService', async () => {
    const { SeiNodeP2pService } = await import('../../../constructs/seinode/p2p-service');
    const chart = Testing.chart();
    const n = node();
    n.spec.networking = { tcp: {} };
    new SeiNodeP2pService(chart, 'p2p', { node: n, platform: { ...platform, nlbTargetType: 'instance' } });
    const [svc] = Testing.synth(chart);
    expect(svc).toMatchSnapshot();
    expect(svc.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-nlb-target-type']).toBe(
      'instance',
    );
  });
});
