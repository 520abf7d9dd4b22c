import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { SeiNode } from '../api/types';
import { resourceLabels } from './labels';
import { LABEL_NODE } from './names';
import { seiNodeOwnerReference } from './owner';

/** cert-manager's API group and the Certificate kind (cert-manager.io/v1). */
export const CERT_MANAGER_GROUP = 'cert-manager.io';
export const CERTIFICATE_API_VERSION = `${CERT_MANAGER_GROUP}/v1`;
export const KIND_CERTIFICATE = 'Certificate';

/** Pod template annotation naming the issuer of the sidecar certificate the pod serves. */
export const ANNOTATION_SIDECAR_TLS_ISSUER = 'sei.io/sidecar-tls-issuer';

/** Name of a node's sidecar Certificate and of the Secret it fills: `<node>-sidecar-tls`. */
export const sidecarTlsName = (node: string): string => `${node}-sidecar-tls`;

/** The DNS names kube-rbac-proxy answers to: the pod's stable name and the headless Service's. */
export function sidecarDnsNames(name: string, namespace: string): string[] {
  return [
    `${name}-0.${name}.${namespace}.svc.cluster.local`,
    `${name}-0.${name}.${namespace}.svc`,
    `${name}.${namespace}.svc.cluster.local`,
    `${name}.${namespace}.svc`,
  ];
}

/** Props of {@link SeiNodeSidecarCertificate}. */
export interface SeiNodeSidecarCertificateProps {
  /** The SeiNode; `spec.sidecar.tls` must be set. */
  readonly node: SeiNode;
}

/**
 * The cert-manager `Certificate` `<node>-sidecar-tls` (seed #247, SPEC §8): a server certificate for
 * the pod's and Service's DNS names, issued by `spec.sidecar.tls.issuerName` (`Issuer` or
 * `ClusterIssuer`), into Secret `<node>-sidecar-tls` (labelled `sei.io/node` so the controller's
 * cache sees it). 90-day certificates renewed 15 days early; the key rotates on renewal.
 *
 * @throws Error when the node has no `spec.sidecar.tls`
 */
export class SeiNodeSidecarCertificate extends Construct {
  readonly certificate: ApiObject;

  constructor(scope: Construct, id: string, props: SeiNodeSidecarCertificateProps) {
    super(scope, id);
    const { node } = props;
    const tls = node.spec.sidecar?.tls;
    if (!tls) throw new Error('SeiNodeSidecarCertificate: spec.sidecar.tls is not set');
    const name = node.metadata.name ?? '';
    const namespace = node.metadata.namespace ?? 'default';
    const owner = seiNodeOwnerReference(node);
    this.certificate = new ApiObject(this, 'Resource', {
      apiVersion: CERTIFICATE_API_VERSION,
      kind: KIND_CERTIFICATE,
      metadata: {
        name: sidecarTlsName(name),
        namespace: node.metadata.namespace,
        labels: resourceLabels(node),
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
      spec: {
        secretName: sidecarTlsName(name),
        issuerRef: { group: CERT_MANAGER_GROUP, kind: tls.issuerKind ?? 'Issuer', name: tls.issuerName },
        dnsNames: sidecarDnsNames(name, namespace),
        duration: '2160h0m0s',
        renewBefore: '360h0m0s',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature', 'key encipherment'],
        secretTemplate: { labels: { [LABEL_NODE]: name } },
      },
    });
  }
}
