/**
 * Staleness of `imports/` (SPEC §2: "a test fails when it is stale against the CRDs"): every generated
 * file is regenerated in memory from `constructs/api/*-schema.ts` and compared with the committed one.
 * Fix a failure with `npm run import`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  crdInputHash,
  GENERATED_HEADER,
  GENERATED_PATHS,
  REPO_ROOT,
  recordedCrdInputHash,
  renderConstructs,
  renderCrdFiles,
  renderTypes,
} from '../../scripts/generate-imports';

const committed = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** The exported type names `imports/sei.io.types.ts` must provide (and nothing else). */
const EXPECTED_TYPE_NAMES = [
  'SeiNodeSpec',
  'SeiNodeStatus',
  'SeiNodeDeploymentSpec',
  'SeiNodeDeploymentStatus',
  'SeiNodeTemplate',
  'PeerSource',
  'Ec2TagsPeerSource',
  'StaticPeerSource',
  'LabelPeerSource',
  'SeiNodeDeploymentPeerSource',
  'SidecarConfig',
  'SidecarTlsConfig',
  'DataVolumeSpec',
  'NetworkingConfig',
  'FullNodeSpec',
  'ArchiveSpec',
  'ReplayerSpec',
  'ValidatorSpec',
  'SnapshotSource',
  'SnapshotGenerationConfig',
  'ResultExportConfig',
  'GenesisCeremonyNodeConfig',
  'GenesisCeremonyConfig',
  'SigningKeySource',
  'NodeKeySource',
  'OperatorKeyringSource',
  'ResourceRequirements',
  'TaskPlan',
  'PlannedTask',
  'FailedTaskInfo',
  'Condition',
  'SidecarTlsStatus',
  'StatefulSetRef',
];

const MSG = 'imports/ is stale: run `npm run import`';

describe('imports/ is fresh', () => {
  const crdFiles = renderCrdFiles();

  it.each(Object.keys(crdFiles))('%s matches the schema', (path) => {
    expect(committed(path), MSG).toBe(crdFiles[path]);
    expect(crdFiles[path]).toContain(GENERATED_HEADER);
  });

  it('imports/sei.io.types.ts matches the schema', async () => {
    expect(committed(GENERATED_PATHS.types), MSG).toBe(await renderTypes());
  });

  it('imports/sei.io.types.ts exports exactly the expected type names, with no index signatures on closed objects', () => {
    const source = committed(GENERATED_PATHS.types);
    const exported = [...source.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]);
    expect([...exported].sort()).toEqual([...EXPECTED_TYPE_NAMES].sort());
    // No exported interface is open: an index signature only ever appears nested (a map-typed field).
    expect(source).not.toMatch(/^ {2}\[k: string\]/m);
  });

  it('imports/sei.io.ts records the hash of the current CRD YAML', () => {
    expect(recordedCrdInputHash(committed(GENERATED_PATHS.constructs)), MSG).toBe(crdInputHash(crdFiles));
  });

  it('imports/sei.io.ts is the cdk8s import of the current CRDs (regenerated with the cdk8s CLI)', async () => {
    expect(committed(GENERATED_PATHS.constructs), MSG).toBe(await renderConstructs(crdFiles));
  });
});
