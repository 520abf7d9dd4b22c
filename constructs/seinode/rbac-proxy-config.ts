import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { SeiNode } from '../api/types';
import { resourceLabels } from './labels';
import { rbacProxyConfigMapName } from './names';

/** Props of {@link RbacProxyConfig}. */
export interface RbacProxyConfigProps {
  /** The SeiNode (metadata.name and namespace set). */
  readonly node: SeiNode;
}

/**
 * The kube-rbac-proxy authorization config, data key `config.yaml`. Callers of the sidecar API are
 * authorized with a SubjectAccessReview on `sei.io/seinodetasks` named after the node in its
 * namespace; the verb follows the HTTP method (GET → get, POST → create). Source:
 * reference-seinode.md §4.4.
 */
export function rbacProxyConfigYaml(namespace: string, name: string): string {
  return stringify({
    authorization: { resourceAttributes: { apiGroup: 'sei.io', resource: 'seinodetasks', namespace, name } },
  });
}

/** The ConfigMap `<name>-rbac-proxy-config` mounted by kube-rbac-proxy at /etc/kube-rbac-proxy. */
export class RbacProxyConfig extends Construct {
  /** The underlying cdk8s-plus ConfigMap. */
  readonly configMap: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: RbacProxyConfigProps) {
    super(scope, id);
    const name = props.node.metadata.name ?? '';
    this.configMap = new kplus.ConfigMap(this, 'Resource', {
      metadata: {
        name: rbacProxyConfigMapName(name),
        namespace: props.node.metadata.namespace,
        labels: resourceLabels(props.node),
      },
      data: { 'config.yaml': rbacProxyConfigYaml(props.node.metadata.namespace ?? 'default', name) },
    });
  }
}
