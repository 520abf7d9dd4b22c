import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  KIND_SEINODE,
  KIND_SEINODEDEPLOYMENT,
  type SeiNode,
  type SeiNodeDeployment,
} from '../constructs/api/types';
import type { PlatformConfig } from '../constructs/platform-config';
import { SeiNodeP2pService } from '../constructs/seinode/p2p-service';
import { SeiNodeWorkload } from '../constructs/seinode/seinode-workload';
import { childSeiNode } from '../constructs/seinodedeployment/children';
import { tcpEnabled } from '../constructs/seinodedeployment/networking';
import { SeiNodeDeploymentResources } from '../constructs/seinodedeployment/seinodedeployment-resources';

/** Props of {@link PreviewChart}. */
export interface PreviewChartProps extends ChartProps {
  /** The documents of one example manifest (SeiNode, SeiNodeDeployment; others are skipped). */
  readonly documents: readonly unknown[];
  /** Platform configuration the preview assumes. */
  readonly platform: PlatformConfig;
  /**
   * Namespace assumed for documents without one.
   * @default 'default'
   */
  readonly defaultNamespace?: string;
}

function isKind<T>(doc: unknown, kind: string): doc is T {
  return typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === kind;
}

/**
 * The child resources the controllers will apply for one example manifest, rendered by the same
 * constructs the controllers use (SPEC §11): for a SeiNode its workload; for a SeiNodeDeployment
 * what its controller applies ({@link SeiNodeDeploymentResources}: child SeiNodes, internal Service
 * and, with HTTP networking, external Service and HTTPRoutes), then each child's workload. Owner
 * references are absent (no uids before apply).
 */
export class PreviewChart extends Chart {
  constructor(scope: Construct, id: string, props: PreviewChartProps) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    const ns = props.defaultNamespace ?? 'default';
    const withNs = <T extends { metadata: { namespace?: string } }>(o: T): T => ({
      ...o,
      metadata: { ...o.metadata, namespace: o.metadata.namespace ?? ns },
    });
    for (const doc of props.documents) {
      if (isKind<SeiNode>(doc, KIND_SEINODE)) {
        const node = withNs(doc);
        new SeiNodeWorkload(this, `${node.metadata.name}`, { node, platform: props.platform });
        if (tcpEnabled(node.spec.networking)) {
          new SeiNodeP2pService(this, `${node.metadata.name}-p2p`, { node, platform: props.platform });
        }
      } else if (isKind<SeiNodeDeployment>(doc, KIND_SEINODEDEPLOYMENT)) {
        const snd = withNs(doc);
        new SeiNodeDeploymentResources(this, `${snd.metadata.name}-deployment`, {
          deployment: snd,
          platform: props.platform,
        });
        for (let i = 0; i < (snd.spec.replicas ?? 1); i++) {
          const child = childSeiNode(snd, i);
          new SeiNodeWorkload(this, `${child.metadata.name}`, { node: child, platform: props.platform });
          if (tcpEnabled(child.spec.networking)) {
            new SeiNodeP2pService(this, `${child.metadata.name}-p2p`, {
              node: child,
              platform: props.platform,
            });
          }
        }
      }
    }
  }
}
