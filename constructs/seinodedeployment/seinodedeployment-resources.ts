import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { SeiNodeDeployment } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import { childSeiNode } from './children';
import { SeiNodeDeploymentExternalService } from './external-service';
import { SeiNodeDeploymentHttpRoutes } from './http-routes';
import { SeiNodeDeploymentInternalService } from './internal-service';
import { httpEnabled } from './networking';
import { seiNodeDeploymentOwnerReference } from './owner';

/** Props of {@link SeiNodeDeploymentResources}. */
export interface SeiNodeDeploymentResourcesProps {
  /**
   * The SeiNodeDeployment: `metadata.name` required; `metadata.namespace` and `metadata.uid`
   * optional. With a uid (a deployment read from the API server) every object gets a controller
   * owner reference to it.
   */
  readonly deployment: SeiNodeDeployment;
  /** Platform configuration (Gateway and route domains). */
  readonly platform: PlatformConfig;
  /**
   * Whether to render the child SeiNodes `<snd>-0 … <snd>-<replicas-1>`.
   * @default true
   */
  readonly children?: boolean;
}

/**
 * Everything a SeiNodeDeployment applies directly (reference-seinodedeployment.md §2.3, §2.8;
 * SPEC §6), in this order:
 * 1. the child SeiNodes (`childSeiNode(snd, i)` for i < `spec.replicas`, default 1) as plain
 *    `ApiObject`s — unless `children: false`;
 * 2. the internal Service `<snd>-internal` (always);
 * 3. with HTTP networking (`httpEnabled(spec.networking)`): the external Service `<snd>-external`
 *    and the HTTPRoutes `<snd>-{evm,rpc,rest,grpc}` the mode serves (none for validators).
 *
 * With `metadata.uid` set, every object carries the controller owner reference
 * `{apiVersion: sei.io/v1alpha1, kind: SeiNodeDeployment, controller: true, blockOwnerDeletion:
 * true}` (children get it from `childSeiNode`). Not rendered here: the children's workloads (the
 * SeiNode controller's `SeiNodeWorkload`) and the per-child P2P Services (`networking.tcp`, SeiNode
 * side, SPEC §7). A pure function of (SeiNodeDeployment, PlatformConfig): no I/O, clock or randomness.
 *
 * @throws Error when `metadata.name` is missing
 */
export class SeiNodeDeploymentResources extends Construct {
  /** The child SeiNodes, by ordinal (empty with `children: false`). */
  readonly children: readonly ApiObject[];
  /** The internal Service `<snd>-internal` (always rendered). */
  readonly internalService: SeiNodeDeploymentInternalService;
  /** The external Service `<snd>-external`; undefined while HTTP networking is off. */
  readonly externalService?: SeiNodeDeploymentExternalService;
  /** The HTTPRoutes; undefined while HTTP networking is off (no routes for validators). */
  readonly httpRoutes?: SeiNodeDeploymentHttpRoutes;

  constructor(scope: Construct, id: string, props: SeiNodeDeploymentResourcesProps) {
    super(scope, id);
    const { deployment: snd, platform } = props;
    if (!snd.metadata.name)
      throw new Error('SeiNodeDeploymentResources: deployment.metadata.name is required');

    const children: ApiObject[] = [];
    if (props.children ?? true) {
      for (let i = 0; i < (snd.spec.replicas ?? 1); i++) {
        const child = childSeiNode(snd, i);
        children.push(new ApiObject(this, `SeiNode-${i}`, child as never));
      }
    }
    this.children = children;

    this.internalService = new SeiNodeDeploymentInternalService(this, 'InternalService', { deployment: snd });
    if (httpEnabled(snd.spec.networking)) {
      this.externalService = new SeiNodeDeploymentExternalService(this, 'ExternalService', {
        deployment: snd,
      });
      this.httpRoutes = new SeiNodeDeploymentHttpRoutes(this, 'HttpRoutes', { deployment: snd, platform });
    }

    const owner = seiNodeDeploymentOwnerReference(snd);
    if (owner) {
      const childSet = new Set<ApiObject>(children);
      for (const c of this.node.findAll()) {
        if (c instanceof ApiObject && !childSet.has(c)) c.metadata.addOwnerReference(owner);
      }
    }
  }
}
