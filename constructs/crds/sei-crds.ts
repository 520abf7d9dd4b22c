/**
 * `SeiCrds`: the two `sei.io` CustomResourceDefinitions as cdk8s ApiObjects, built by the same pure
 * functions (`constructs/api/crd.ts`) that generate `imports/crds/*.yaml`, so the install chart and the
 * generated CRDs never diverge (SPEC §3, §11; ADR 0002).
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { type CustomResourceDefinition, seiNodeCrd, seiNodeDeploymentCrd } from '../api/crd';

/** Props of {@link SeiCrds}. */
export interface SeiCrdsProps {
  /**
   * Extra labels on both CRD objects (e.g. `app.kubernetes.io/part-of`). They only touch
   * `metadata.labels`; names, schema and printer columns are always exactly those of `crd.ts`.
   * @default - no labels
   */
  readonly labels?: Record<string, string>;
  /**
   * Extra annotations on both CRD objects (e.g. `helm.sh/resource-policy: keep`).
   * @default - no annotations
   */
  readonly annotations?: Record<string, string>;
}

/** Adds the SeiNode and SeiNodeDeployment CRDs to a chart. */
export class SeiCrds extends Construct {
  /** The `seinodes.sei.io` CRD. */
  public readonly seiNode: ApiObject;
  /** The `seinodedeployments.sei.io` CRD. */
  public readonly seiNodeDeployment: ApiObject;

  constructor(scope: Construct, id: string, props: SeiCrdsProps = {}) {
    super(scope, id);
    this.seiNode = this.add('SeiNode', seiNodeCrd(), props);
    this.seiNodeDeployment = this.add('SeiNodeDeployment', seiNodeDeploymentCrd(), props);
  }

  private add(id: string, crd: CustomResourceDefinition, props: SeiCrdsProps): ApiObject {
    const { apiVersion, kind, metadata, ...rest } = crd;
    const obj = new ApiObject(this, id, {
      apiVersion,
      kind,
      metadata: {
        name: metadata.name,
        ...(props.labels ? { labels: { ...props.labels } } : {}),
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
      ...rest,
    });
    // CRDs are cluster-scoped: drop the namespace a namespaced chart would stamp on every object.
    if (Chart.of(this).namespace !== undefined) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    return obj;
  }
}
