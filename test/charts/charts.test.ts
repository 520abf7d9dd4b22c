import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { InstallChart } from '../../charts/install-chart';
import { PreviewChart } from '../../charts/preview-chart';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../constructs/platform-config';
import { exampleDocuments, exampleFiles } from '../support/examples';

describe('charts', () => {
  it('InstallChart (snapshot)', () => {
    const app = Testing.app();
    const chart = new InstallChart(app, 'install', { platform });
    const objs = Testing.synth(chart);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toMatchSnapshot();
    expect(objs).toMatchSnapshot();
  });

  it('has an example for every mode and both deployment shapes', () => {
    expect(exampleFiles()).toEqual([
      'archive-node.yaml',
      'genesis-validators-deployment.yaml',
      'pacific-1-rpc-node.yaml',
      'rpc-pool-deployment.yaml',
      'shadow-replayer.yaml',
      'state-sync-full-node.yaml',
      'validator-with-keys.yaml',
    ]);
  });

  for (const file of exampleFiles()) {
    it(`PreviewChart of examples/${file} (snapshot)`, () => {
      const app = Testing.app();
      const chart = new PreviewChart(app, file, { documents: exampleDocuments(file), platform });
      const objs = Testing.synth(chart);
      expect(objs.length).toBeGreaterThan(0);
      expect(objs).toMatchSnapshot();
    });
  }

  it('previews a SeiNodeDeployment as its children and their workloads', () => {
    const app = Testing.app();
    const chart = new PreviewChart(app, 'p', {
      documents: exampleDocuments('genesis-validators-deployment.yaml'),
      platform,
    });
    const objs = Testing.synth(chart);
    const children = objs.filter((o) => o.kind === 'SeiNode');
    expect(children.map((c) => c.metadata.name)).toEqual(['devnet-0', 'devnet-1', 'devnet-2', 'devnet-3']);
    expect(children[2].spec.validator.genesisCeremony).toEqual({
      chainId: 'devnet-1',
      stakingAmount: '10000000usei',
      accountBalance: '1000000000000000000000usei,1000000000000000000000uusdc,1000000000000000000000uatom',
      index: 2,
    });
    expect(children[0].metadata.labels).toMatchObject({
      'sei.io/nodedeployment': 'devnet',
      'sei.io/nodedeployment-ordinal': '0',
      'sei.io/chain': 'devnet-1',
    });
    expect(objs.filter((o) => o.kind === 'StatefulSet')).toHaveLength(4);
  });
});
