/**
 * `npm run bench --smoke` inside `npm test`: every benchmark scenario with tiny sizes, so the
 * benchmarks never rot (the numbers are not asserted: SPEC §13 targets are benchmarks, not timed
 * tests). Uses the integration tests' shared control plane when the vitest project provides one,
 * else starts its own.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { literalSeiNodeWorkload } from '../../bench/baseline/literal-workload';
import { workloadVariants } from '../../bench/baseline/variants';
import { runBench, SMOKE_PROFILE } from '../../bench/run';
import { EXAMPLE_PLATFORM_CONFIG } from '../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../constructs/render';

const outDir = mkdtempSync(join(tmpdir(), 'sei-bench-smoke-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('benchmark baseline', () => {
  it('the object-literal builder is byte-identical to the constructs for every mode and variant', () => {
    for (const [name, node] of Object.entries(workloadVariants())) {
      const constructs = JSON.stringify(renderSeiNodeWorkload(node, EXAMPLE_PLATFORM_CONFIG));
      const literal = JSON.stringify(literalSeiNodeWorkload(node, EXAMPLE_PLATFORM_CONFIG));
      expect(literal, name).toBe(constructs);
    }
  });
});

describe('npm run bench --smoke', () => {
  it('runs every scenario and writes the JSON and markdown results', { timeout: 180_000 }, async () => {
    // `inject` only has a value in the integration project (its global setup starts the control plane).
    const shared = (inject as (key: string) => string | undefined)('kubeconfigPath');
    const { results, files } = await runBench({
      profile: SMOKE_PROFILE,
      outDir,
      sharedKubeconfig: shared,
      log: () => {},
    });

    expect(results.synth.perMode.map((s) => s.mode)).toEqual([
      'fullNode',
      'archive',
      'replayer',
      'validator',
    ]);
    for (const s of results.synth.perMode) {
      expect(s.identical).toBe(true);
      expect(s.constructs.median).toBeGreaterThan(0);
      expect(s.literal.median).toBeGreaterThan(0);
    }
    expect(results.synth.preview.nodes).toBe(SMOKE_PROFILE.synth.previewNodes);

    const [series] = results.convergence;
    const [run] = series?.runs ?? [];
    expect(run?.n).toBe(4);
    expect(run?.convergeMs).toBeGreaterThan(0);
    expect(run?.writes).toBeGreaterThan(0);
    expect(run?.requestsByVerb.apply).toBe(3 * 4); // ConfigMap, StatefulSet, Service per node
    // The floor replays exactly the controller's writes, with the same mix.
    expect(run?.floor.writes).toBe(run?.writes);
    expect(run?.floor.substituted).toBe(0);
    expect(run?.floor.ms).toBeGreaterThan(0);

    expect(results.atRest.nodes).toBe(4);
    expect(results.atRest.writesPerNodeHour).toBeGreaterThanOrEqual(0);
    expect(results.atRest.rssMiB.median).toBeGreaterThan(0);
    expect(results.atRest.heapUsedMiB.median).toBeGreaterThan(0);
    // Idle memory of every converged fleet of the largest N (here one run).
    expect(results.idleMemory?.nodes).toBe(4);
    expect(results.idleMemory?.runs).toHaveLength(1);
    expect(results.idleMemory?.rssMiB.median).toBeGreaterThan(0);

    expect(results.editLatency.edits).toBe(SMOKE_PROFILE.edits.count);
    expect(results.editLatency.completed).toBe(SMOKE_PROFILE.edits.count);
    expect(results.editLatency.p50).toBeGreaterThan(0);

    const json = JSON.parse(readFileSync(files[0] as string, 'utf8'));
    expect(json.profile.name).toBe('smoke');
    const md = readFileSync(files[1] as string, 'utf8');
    expect(md).toContain('| Convergence N=4 (1 runs) | s |');
    expect(md).toContain('Edit latency p99');
    expect(md).toContain('| Controller RSS, 4 SeiNodes cached, idle (1 runs');
  });
});
