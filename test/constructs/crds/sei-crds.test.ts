import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SeiCrds } from '../../../constructs/crds/sei-crds';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

describe('SeiCrds', () => {
  it('synthesizes both CRDs (snapshot)', () => {
    const chart = Testing.chart();
    new SeiCrds(chart, 'Crds');
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('synthesizes exactly the generated imports/crds YAML (install chart and imports never diverge)', () => {
    const chart = Testing.chart();
    new SeiCrds(chart, 'Crds');
    const committed = [
      'imports/crds/seinodes.sei.io.yaml',
      'imports/crds/seinodedeployments.sei.io.yaml',
    ].map((p) => parse(readFileSync(join(repoRoot, p), 'utf8')));
    expect(Testing.synth(chart)).toEqual(committed);
  });

  it('exposes the two ApiObjects', () => {
    const crds = new SeiCrds(Testing.chart(), 'Crds');
    expect(crds.seiNode.name).toBe('seinodes.sei.io');
    expect(crds.seiNodeDeployment.name).toBe('seinodedeployments.sei.io');
  });

  it('adds labels and annotations to metadata only', () => {
    const chart = Testing.chart();
    new SeiCrds(chart, 'Crds', { labels: { 'app.kubernetes.io/part-of': 'sei' }, annotations: { a: 'b' } });
    const [node, snd] = Testing.synth(chart);
    expect(node.metadata).toEqual({
      name: 'seinodes.sei.io',
      labels: { 'app.kubernetes.io/part-of': 'sei' },
      annotations: { a: 'b' },
    });
    expect(snd.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'sei' });
  });

  it('stays cluster-scoped in a namespaced chart', () => {
    const chart = new Chart(Testing.app(), 'ns-chart', { namespace: 'sei-system' });
    new SeiCrds(chart, 'Crds');
    for (const obj of Testing.synth(chart)) expect(obj.metadata.namespace).toBeUndefined();
  });
});
