import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  ApiextensionsV1Api,
  type KubeConfig,
  loadAllYaml,
  loadYaml,
  V1CustomResourceDefinition,
} from '@kubernetes/client-node';

/**
 * One CRD to install: YAML text (may hold several `---` documents; empty documents are skipped),
 * a plain object in wire format (e.g. cdk8s `toJson()` output, `x-kubernetes-*` keys intact), or a
 * client-node `V1CustomResourceDefinition` instance.
 */
export type CrdDocument = string | Record<string, unknown> | V1CustomResourceDefinition;

/** Options of {@link installCrds}. */
export interface InstallCrdsOptions {
  /** Budget per CRD for `Established=True`. Default 60 000 ms. */
  timeoutMs?: number;
}

/**
 * Creates each CRD, or replaces it if it already exists, then waits until every one reports
 * `Established=True`.
 *
 * Plain objects are converted to client-node models through its YAML loader so that wire names
 * such as `x-kubernetes-validations` (CEL rules) and `$ref` survive the typed serializer.
 *
 * @param kubeConfig - a config allowed to write CRDs (e.g. the control plane's admin config).
 * @param docs - see {@link CrdDocument}.
 * @param opts - see {@link InstallCrdsOptions}.
 * @returns the names of the installed CRDs, in input order.
 * @throws Error when a document is not a `CustomResourceDefinition`, when the API server rejects
 *   one (the message includes the API server's response body), when `NamesAccepted` turns False, or
 *   when `Established` is not True within `timeoutMs`.
 */
export async function installCrds(
  kubeConfig: KubeConfig,
  docs: readonly CrdDocument[],
  opts: InstallCrdsOptions = {},
): Promise<string[]> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const crds = docs.flatMap(toCrds);
  for (const crd of crds) {
    const name = crd.metadata?.name;
    if (!name) throw new Error('CustomResourceDefinition without metadata.name');
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (err) {
      if (!(err instanceof ApiException) || err.code !== 409)
        throw describeApiError(`create CRD ${name}`, err);
      const existing = await api.readCustomResourceDefinition({ name });
      crd.metadata = { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion };
      try {
        await api.replaceCustomResourceDefinition({ name, body: crd });
      } catch (replaceErr) {
        throw describeApiError(`replace CRD ${name}`, replaceErr);
      }
    }
  }
  const names = crds.map((crd) => crd.metadata?.name ?? '');
  for (const name of names) await waitEstablished(api, name, timeoutMs);
  return names;
}

function toCrds(doc: CrdDocument): V1CustomResourceDefinition[] {
  let objects: unknown[];
  if (typeof doc === 'string') {
    objects = loadAllYaml(doc).filter((o) => o !== null && o !== undefined);
  } else if (doc instanceof V1CustomResourceDefinition) {
    objects = [doc];
  } else {
    objects = [loadYaml(JSON.stringify(doc))];
  }
  return objects.map((obj) => {
    const kind = (obj as { kind?: string }).kind;
    if (!(obj instanceof V1CustomResourceDefinition) || kind !== 'CustomResourceDefinition') {
      throw new Error(`not an apiextensions.k8s.io/v1 CustomResourceDefinition: kind=${String(kind)}`);
    }
    return obj;
  });
}

async function waitEstablished(api: ApiextensionsV1Api, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no status yet';
  while (Date.now() <= deadline) {
    const crd = await api.readCustomResourceDefinition({ name });
    const conditions = crd.status?.conditions ?? [];
    const names = conditions.find((c) => c.type === 'NamesAccepted');
    if (names?.status === 'False')
      throw new Error(`CRD ${name}: NamesAccepted=False: ${names.message ?? ''}`);
    const established = conditions.find((c) => c.type === 'Established');
    if (established?.status === 'True') return;
    last =
      conditions.map((c) => `${c.type}=${c.status} (${c.reason ?? ''}: ${c.message ?? ''})`).join('; ') ||
      last;
    await sleep(100);
  }
  throw new Error(`CRD ${name} not Established after ${timeoutMs} ms: ${last}`);
}

/** Wraps a client-node error so the API server's explanation (the Status body) is in the message. */
export function describeApiError(action: string, err: unknown): Error {
  if (err instanceof ApiException) {
    const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
    return new Error(`${action}: HTTP ${err.code}: ${body}`, { cause: err });
  }
  return new Error(`${action}: ${String(err)}`, { cause: err });
}
