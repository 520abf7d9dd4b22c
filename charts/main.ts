/**
 * `cdk8s synth` entry point (see cdk8s.yaml). Writes:
 * - `dist/install.k8s.yaml` — CRDs, Namespace, RBAC, Deployment, metrics Service (`kubectl apply -f dist/`);
 * - `dist/Kustomization` — a kustomize base over it (`kubectl apply -k dist/`);
 * - `dist/previews/<example>.k8s.yaml` — for every manifest in `examples/`, the child resources the
 *   controllers will create, from the same constructs they use.
 *
 * All file I/O happens here; the charts and constructs are pure.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { EXAMPLE_PLATFORM_CONFIG } from '../constructs/platform-config';
import { InstallChart } from './install-chart';
import { PreviewChart } from './preview-chart';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const examplesDir = join(import.meta.dirname, '..', 'examples');

const install = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
new InstallChart(install, 'install', { platform: EXAMPLE_PLATFORM_CONFIG });
install.synth();
writeFileSync(
  join(outdir, 'Kustomization'),
  'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - install.k8s.yaml\n',
);

const previewsDir = join(outdir, 'previews');
mkdirSync(previewsDir, { recursive: true });
const previews = new App({ outdir: previewsDir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
for (const file of readdirSync(examplesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()) {
  const documents = parseAllDocuments(readFileSync(join(examplesDir, file), 'utf8')).map((d) => d.toJS());
  new PreviewChart(previews, file.replace(/\.yaml$/, ''), { documents, platform: EXAMPLE_PLATFORM_CONFIG });
}
previews.synth();
