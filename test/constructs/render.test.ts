import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_PLATFORM_CONFIG } from '../../constructs/platform-config';
import { renderSeiNodeWorkload, synthInMemory, workloadRenderInputs } from '../../constructs/render';
import { SeiNodeWorkload } from '../../constructs/seinode/seinode-workload';
import { exampleDocuments, exampleFiles, exampleNode } from '../support/examples';

describe('synthInMemory', () => {
  it('returns the chart manifests', () => {
    const out = synthInMemory((chart) => {
      new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    });
    expect(out).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }]);
  });

  it('runs every construct validation once and throws all errors, one per line', () => {
    let calls = 0;
    const build = (chart: Construct) => {
      const a = new Construct(chart, 'a');
      a.node.addValidation({
        validate: () => {
          calls++;
          return ['first problem'];
        },
      });
      new Construct(a, 'b').node.addValidation({ validate: () => ['second problem'] });
    };
    expect(() => synthInMemory(build)).toThrow(
      /^invalid manifests:\n\[render\/a\] first problem\n\[render\/a\/b\] second problem$/,
    );
    expect(calls).toBe(1);
  });
});

describe('renderSeiNodeWorkload', () => {
  it('reports a Secret guard violation of the StatefulSet as an invalid manifest', () => {
    const node = exampleNode('validator-with-keys.yaml');
    // The operator keyring Secret doubles as the signing key Secret: seid would mount a sidecar-only Secret.
    const keyring = node.spec.validator?.operatorKeyring?.secret?.secretName;
    const signing = node.spec.validator?.signingKey?.secret;
    expect(keyring && signing).toBeTruthy();
    if (signing && keyring) signing.secretName = keyring;
    expect(() => renderSeiNodeWorkload(node, EXAMPLE_PLATFORM_CONFIG)).toThrow(
      /^invalid manifests:\n\[render\/.*\] container seid must not mount volume/,
    );
  });
});

describe('workloadRenderInputs', () => {
  const nodeFiles = exampleFiles().filter((f) => exampleDocuments(f).some((d) => d.kind === 'SeiNode'));

  it.each(nodeFiles)('%s: nothing the constructs read is left out (full node renders the same)', (file) => {
    const node = exampleNode(file);
    node.metadata = {
      ...node.metadata,
      name: node.metadata.name ?? 'n',
      namespace: 'ns',
      uid: '11111111-2222-3333-4444-555555555555',
      resourceVersion: '42',
      generation: 7,
      labels: { team: 'x', 'sei.io/nodedeployment': 'd' },
      annotations: { note: 'y' },
      finalizers: ['sei.io/seinode'],
    };
    node.status = {
      phase: 'Running',
      externalAddress: 'p2p.example.com:26656',
      resolvedPeers: ['a.ns.svc.cluster.local', 'b.example.com:26656'],
      currentImage: 'ghcr.io/sei-protocol/seid:old',
      currentConfigHash: 'abc',
    };
    const direct = synthInMemory(
      (chart) =>
        new SeiNodeWorkload(chart, node.metadata.name ?? 'node', { node, platform: EXAMPLE_PLATFORM_CONFIG }),
    );
    expect(renderSeiNodeWorkload(node, EXAMPLE_PLATFORM_CONFIG)).toEqual(direct);
    expect(Object.keys(workloadRenderInputs(node).status ?? {}).sort()).toEqual([
      'externalAddress',
      'resolvedPeers',
    ]);
  });
});
