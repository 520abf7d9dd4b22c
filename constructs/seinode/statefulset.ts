import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Quantity } from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { nodeMode, type SeiNode } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import { ANNOTATION_CONFIG_HASH, configHashOf } from './config-intent';
import {
  COSMOS_EXPORTER_RESOURCES,
  cosmosExporterContainer,
  nodePodContext,
  rbacProxyContainer,
  seidContainer,
  seidInitContainer,
  seidResources,
  sidecarContainer,
} from './containers';
import { resourceLabels, selectorLabels } from './labels';
import {
  ANNOTATION_DO_NOT_DISRUPT,
  NODE_KEY_FILE,
  NONROOT_UID,
  rbacProxyConfigMapName,
  SIGNING_KEY_FILE,
  statefulSetName,
  VOLUME,
} from './names';
import { type PodOwner, secretMountViolations } from './secret-guards';
import { ANNOTATION_SIDECAR_TLS_ISSUER, sidecarTlsName } from './sidecar-certificate';

/** Props of {@link SeiNodeStatefulSet}. */
export interface SeiNodeStatefulSetProps {
  /** The SeiNode (metadata.name and namespace set; spec complete). */
  readonly node: SeiNode;
  /** Platform configuration (scheduling, images, buckets, resources). */
  readonly platform: PlatformConfig;
  /** Name of the data PVC to mount: `data-<name>` or the imported claim. */
  readonly dataClaimName: string;
  /** The headless Service that governs the StatefulSet (`serviceName`). */
  readonly service: kplus.Service;
}

/**
 * Wraps ResourceRequirements values in `Quantity` objects: JSON patches on cdk8s L1 objects are
 * applied before the typed conversion, which reads quantities as `{ value }`.
 */
function quantities(req: {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
  claims?: unknown[];
}) {
  const wrap = (m?: Record<string, string | number>) =>
    m &&
    Object.fromEntries(
      Object.entries(m).map(([k, v]) => [
        k,
        typeof v === 'number' ? Quantity.fromNumber(v) : Quantity.fromString(v),
      ]),
    );
  return {
    ...(req.requests ? { requests: wrap(req.requests) } : {}),
    ...(req.limits ? { limits: wrap(req.limits) } : {}),
    ...(req.claims ? { claims: req.claims } : {}),
  };
}

/** Karpenter's NodePool label, used for required node affinity. */
const NODEPOOL_LABEL = 'karpenter.sh/nodepool';

/**
 * The single-replica StatefulSet of a SeiNode (reference-seinode.md §4.2): init containers
 * `seid-init`, `sei-sidecar` (restartable), `kube-rbac-proxy` (restartable); containers `seid` and
 * `cosmos-exporter`; `OnDelete` updates (pods are cycled by the controller's replace-pod task);
 * replicas 0 while `spec.paused`.
 *
 * cdk8s-plus defaults that do not suit blockchain nodes are overridden: no default CPU/memory limits
 * (seid gets requests only), `IfNotPresent` pulls, UID/GID 65532, a writable root fs for seid,
 * the service-account token mounted (kube-rbac-proxy needs it), no generated selector label.
 *
 * @throws Error when a key Secret would be mounted where the guards forbid (see secret-guards.ts)
 */
export class SeiNodeStatefulSet extends Construct {
  /** The underlying cdk8s-plus StatefulSet. */
  readonly statefulSet: kplus.StatefulSet;

  constructor(scope: Construct, id: string, props: SeiNodeStatefulSetProps) {
    super(scope, id);
    const { node, platform } = props;
    const ctx = nodePodContext(node, platform);
    const name = ctx.name;
    const labels = resourceLabels(node);
    const pool = nodeMode(node.spec) === 'archive' ? platform.nodepoolArchive : platform.nodepoolName;

    const data = kplus.Volume.fromPersistentVolumeClaim(
      this,
      'data',
      kplus.PersistentVolumeClaim.fromClaimName(this, 'data-claim', props.dataClaimName),
      { name: VOLUME.data },
    );
    const tmp = kplus.Volume.fromEmptyDir(this, 'sidecar-tmp', VOLUME.sidecarTmp);
    const proxyConfig = kplus.Volume.fromConfigMap(
      this,
      'rbac-proxy-config',
      kplus.ConfigMap.fromConfigMapName(this, 'rbac-proxy-config-map', rbacProxyConfigMapName(name)),
      { name: VOLUME.rbacProxyConfig },
    );
    const sidecarTls = node.spec.sidecar?.tls
      ? kplus.Volume.fromSecret(
          this,
          'sidecar-tls',
          kplus.Secret.fromSecretName(this, 'sidecar-tls-secret', sidecarTlsName(name)),
          {
            name: VOLUME.sidecarTls,
            defaultMode: 0o440,
            items: { 'tls.crt': { path: 'tls.crt' }, 'tls.key': { path: 'tls.key' } },
          },
        )
      : undefined;
    const validator = node.spec.validator;
    const secretVolume = (id: string, volumeName: string, secretName: string, item?: string): kplus.Volume =>
      kplus.Volume.fromSecret(this, id, kplus.Secret.fromSecretName(this, `${id}-secret`, secretName), {
        name: volumeName,
        defaultMode: 0o400,
        ...(item ? { items: { [item]: { path: item } } } : {}),
      });
    const signingKey = validator?.signingKey?.secret
      ? secretVolume(
          'signing-key',
          VOLUME.signingKey,
          validator.signingKey.secret.secretName,
          SIGNING_KEY_FILE,
        )
      : undefined;
    const nodeKey = validator?.nodeKey?.secret
      ? secretVolume('node-key', VOLUME.nodeKey, validator.nodeKey.secret.secretName, NODE_KEY_FILE)
      : undefined;
    const operatorKeyring = validator?.operatorKeyring?.secret
      ? secretVolume('operator-keyring', VOLUME.operatorKeyring, validator.operatorKeyring.secret.secretName)
      : undefined;

    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      metadata: { name: statefulSetName(name), namespace: node.metadata.namespace, labels },
      podMetadata: {
        labels,
        annotations: {
          [ANNOTATION_DO_NOT_DISRUPT]: 'true',
          [ANNOTATION_CONFIG_HASH]: configHashOf(node),
          // A new issuer means a new certificate: the pod must restart to serve it.
          ...(node.spec.sidecar?.tls
            ? {
                [ANNOTATION_SIDECAR_TLS_ISSUER]: `${node.spec.sidecar.tls.issuerKind ?? 'Issuer'}/${node.spec.sidecar.tls.issuerName}`,
              }
            : {}),
        },
      },
      service: props.service,
      select: false,
      replicas: node.spec.paused ? 0 : 1,
      strategy: kplus.StatefulSetUpdateStrategy.onDelete(),
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, 'sa', platform.serviceAccount),
      automountServiceAccountToken: true,
      securityContext: {
        fsGroup: NONROOT_UID,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
        ensureNonRoot: true,
      },
      volumes: [
        data,
        tmp,
        proxyConfig,
        ...[sidecarTls, signingKey, nodeKey, operatorKeyring].filter((v) => v !== undefined),
      ],
      initContainers: [
        seidInitContainer(ctx, data),
        sidecarContainer(this, ctx, { data, tmp, operatorKeyring }),
        rbacProxyContainer(ctx, proxyConfig, sidecarTls),
      ],
      containers: [seidContainer(ctx, { data, signingKey, nodeKey }), cosmosExporterContainer(ctx, tmp)],
    });
    this.statefulSet.select(kplus.LabelSelector.of({ labels: selectorLabels(name) }));
    this.statefulSet.scheduling.tolerate(
      kplus.Node.tainted(
        kplus.NodeTaintQuery.is(platform.tolerationKey, pool, { effect: kplus.TaintEffect.NO_SCHEDULE }),
      ),
    );
    this.statefulSet.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.in(NODEPOOL_LABEL, [pool])));

    // Escape hatches for what cdk8s-plus-28 cannot express or defaults differently.
    const api = ApiObject.of(this.statefulSet);
    const podSpec = '/spec/template/spec';
    api.addJsonPatch(
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // Zero values the API server omits: rendering them would make preview != stored object.
      JsonPatch.remove('/spec/minReadySeconds'),
      JsonPatch.remove(`${podSpec}/hostNetwork`),
      JsonPatch.remove(`${podSpec}/volumes/0/persistentVolumeClaim/readOnly`),
      JsonPatch.add(`${podSpec}/shareProcessNamespace`, true),
      // Raw ResourceRequirements: the sidecar's come verbatim from spec.sidecar.resources.
      JsonPatch.add(`${podSpec}/initContainers/1/resources`, quantities(node.spec.sidecar?.resources ?? {})),
      JsonPatch.add(`${podSpec}/containers/0/resources`, quantities(seidResources(ctx))),
      JsonPatch.add(`${podSpec}/containers/1/resources`, quantities(COSMOS_EXPORTER_RESOURCES)),
    );
    // Checked at synth (App.synth and renderSeiNodeWorkload run construct validations). Serializing
    // the StatefulSet for the guard costs as much as the render itself: only when there are Secrets.
    this.node.addValidation({
      validate: () => secretMountViolations(node, () => api.toJson() as PodOwner),
    });
  }
}
