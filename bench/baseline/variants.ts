/**
 * The SeiNodes the synth benchmark and its baseline are checked on: one per mode (the examples,
 * read as the controller sees them: namespace and uid set) plus variants covering every branch of
 * the workload constructs.
 */
import type { SeiNode } from '../../constructs/api/types';
import { exampleNode } from '../../test/support/examples';

/** The mode of each benchmarked example. */
export const MODE_EXAMPLES = {
  fullNode: 'pacific-1-rpc-node.yaml',
  archive: 'archive-node.yaml',
  replayer: 'shadow-replayer.yaml',
  validator: 'validator-with-keys.yaml',
} as const;

/** The example node of a mode, as read from the API server (namespace, uid). */
export function modeNode(mode: keyof typeof MODE_EXAMPLES): SeiNode {
  const node = exampleNode(MODE_EXAMPLES[mode]);
  node.metadata.namespace = 'bench';
  node.metadata.uid = '7d2c1f9e-0000-4000-8000-000000000001';
  return node;
}

/** Every example and branch variant, named (for the byte-identity checks). */
export function workloadVariants(): Record<string, SeiNode> {
  const base = () => modeNode('fullNode');
  const out: Record<string, SeiNode> = {
    fullNode: modeNode('fullNode'),
    archive: modeNode('archive'),
    replayer: modeNode('replayer'),
    validator: modeNode('validator'),
    'state-sync full node': (() => {
      const n = exampleNode('state-sync-full-node.yaml');
      n.metadata.uid = 'u-2';
      return n;
    })(),
    'preview (no uid, no namespace)': (() => {
      const n = exampleNode('archive-node.yaml');
      delete n.metadata.namespace;
      return n;
    })(),
  };
  const tls = base();
  tls.spec.sidecar = { tls: { issuerName: 'sei-ca' }, port: 7000, image: 'example/seictl:dev' };
  out['sidecar TLS, port, image'] = tls;
  const res = base();
  res.spec.sidecar = { resources: { requests: { cpu: '250m', memory: 256 }, limits: { memory: '1Gi' } } };
  out['sidecar resources'] = res;
  const labels = base();
  labels.spec.podLabels = { team: 'rpc', 'sei.io/node': 'ignored', app: 'sei' };
  out['pod labels'] = labels;
  const paused = base();
  paused.spec.paused = true;
  out.paused = paused;
  const imported = base();
  imported.spec.dataVolume = { import: { pvcName: 'restored-data' } };
  out['imported PVC'] = imported;
  const validatorTls = modeNode('validator');
  validatorTls.spec.sidecar = { tls: { issuerName: 'sei-ca', issuerKind: 'ClusterIssuer' } };
  out['validator with TLS'] = validatorTls;
  const bareValidator = modeNode('validator');
  bareValidator.spec.validator = { snapshot: { stateSync: {} } };
  out['validator without key Secrets'] = bareValidator;
  const signingOnly = modeNode('validator');
  signingOnly.spec.validator = {
    signingKey: { secret: { secretName: 'sk' } },
  } as SeiNode['spec']['validator'];
  out['validator with a signing key only'] = signingOnly;
  return out;
}
