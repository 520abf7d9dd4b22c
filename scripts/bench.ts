/**
 * `npm run bench [-- --smoke] [--only synth|fleet] [--runs <N>=<runs>]… [--label <name>]
 * [--out <dir>] [--kubeconfig <path>]`: the performance benchmarks of docs/performance.md. Writes
 * `bench/results/<date>.json` and `.md` and prints the markdown table. Not part of `npm test` (its
 * `--smoke` twin is: test/bench/). `--runs 1000=1` changes the repetitions of one convergence size
 * (0 drops it); `--kubeconfig` runs against an existing control plane with the CRDs installed;
 * `--bundle` benchmarks a prebuilt controller bundle (another commit) instead of this checkout's;
 * `--node-flags "<flags>"` runs the controller with these Node flags instead of production's
 * (Dockerfile ENTRYPOINT + the Deployment's NODE_OPTIONS).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchProfile, FULL_PROFILE, runBench, SMOKE_PROFILE } from '../bench/run';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    out: { type: 'string' },
    kubeconfig: { type: 'string' },
    runs: { type: 'string', multiple: true },
    label: { type: 'string' },
    bundle: { type: 'string' },
    'node-flags': { type: 'string' },
  },
});
const only = args.only as ('synth' | 'fleet')[] | undefined;
for (const o of only ?? []) {
  if (o !== 'synth' && o !== 'fleet') {
    process.stderr.write(`--only takes synth or fleet, not ${JSON.stringify(o)}\n`);
    process.exit(2);
  }
}
const outDir = args.out ?? join(import.meta.dirname, '..', 'bench', 'results');
let profile: BenchProfile = args.smoke ? SMOKE_PROFILE : FULL_PROFILE;
for (const spec of (args.runs as string[] | undefined) ?? []) {
  const m = /^(\d+)=(\d+)$/.exec(spec);
  if (!m) {
    process.stderr.write(`--runs takes <N>=<runs>, e.g. 1000=1, not ${JSON.stringify(spec)}\n`);
    process.exit(2);
  }
  const [n, runs] = [Number(m[1]), Number(m[2])];
  const others = profile.convergence.filter((c) => c.n !== n);
  profile = {
    ...profile,
    convergence: [...others, ...(runs > 0 ? [{ n, runs }] : [])].sort((a, b) => a.n - b.n),
  };
}
const { files } = await runBench({
  profile,
  label: args.label,
  bundle: args.bundle,
  nodeFlags: args['node-flags'] === undefined ? undefined : args['node-flags'].split(/\s+/).filter(Boolean),
  outDir,
  sharedKubeconfig: args.kubeconfig,
  only,
});
process.stdout.write(readFileSync(files[1] as string, 'utf8'));
// Timers of the stopped stand-ins may linger; the run is over.
process.exit(0);
