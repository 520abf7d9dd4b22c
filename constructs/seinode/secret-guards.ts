import type { SeiNode } from '../api/types';
import { CONTAINER, VOLUME } from './names';

/** The parts of a workload manifest the guards read. */
export interface PodOwner {
  readonly spec?: { readonly template?: { readonly spec?: PodSpecLike } };
}
interface ContainerLike {
  readonly name: string;
  readonly volumeMounts?: readonly { readonly name: string }[];
  readonly env?: readonly {
    readonly name: string;
    readonly valueFrom?: { readonly secretKeyRef?: { readonly name?: string } };
  }[];
  readonly envFrom?: readonly { readonly secretRef?: { readonly name?: string } }[];
}
interface PodSpecLike {
  readonly containers?: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
  readonly volumes?: readonly { readonly name: string; readonly secret?: { readonly secretName?: string } }[];
}

/**
 * Checks where key material may appear in a node pod (reference-seinode.md §4.2 guard, §4.6):
 * - the operator keyring volume and the passphrase Secret only on `sei-sidecar` (never on seid,
 *   seid-init, kube-rbac-proxy or cosmos-exporter);
 * - the signing key and node key only on `seid`.
 *
 * @param node - the SeiNode whose validator Secrets are guarded
 * @param workload - a StatefulSet or Job manifest, or a function returning it: called only when the
 *   node names a guarded Secret (serializing a StatefulSet costs as much as rendering it)
 * @returns human-readable violations; empty when the pod is safe
 */
export function secretMountViolations(node: SeiNode, workload: PodOwner | (() => PodOwner)): string[] {
  const v = node.spec.validator;
  if (!v) return [];
  const rules: { volume: string; secret?: string; allowed: string }[] = [];
  if (v.operatorKeyring?.secret) {
    rules.push({
      volume: VOLUME.operatorKeyring,
      secret: v.operatorKeyring.secret.secretName,
      allowed: CONTAINER.sidecar,
    });
    rules.push({
      volume: '',
      secret: v.operatorKeyring.secret.passphraseSecretRef.secretName,
      allowed: CONTAINER.sidecar,
    });
  }
  if (v.signingKey?.secret)
    rules.push({
      volume: VOLUME.signingKey,
      secret: v.signingKey.secret.secretName,
      allowed: CONTAINER.seid,
    });
  if (v.nodeKey?.secret)
    rules.push({ volume: VOLUME.nodeKey, secret: v.nodeKey.secret.secretName, allowed: CONTAINER.seid });

  if (rules.length === 0) return [];
  const pod = (typeof workload === 'function' ? workload() : workload).spec?.template?.spec;
  if (!pod) return [];
  const problems: string[] = [];
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  for (const rule of rules) {
    const volumeNames = new Set(
      (pod.volumes ?? [])
        .filter((vol) => vol.name === rule.volume || (rule.secret && vol.secret?.secretName === rule.secret))
        .map((vol) => vol.name),
    );
    for (const c of containers) {
      if (c.name === rule.allowed) continue;
      for (const m of c.volumeMounts ?? []) {
        if (volumeNames.has(m.name))
          problems.push(
            `container ${c.name} must not mount volume ${m.name} (Secret ${rule.secret}); only ${rule.allowed} may`,
          );
      }
      for (const e of c.env ?? []) {
        if (rule.secret && e.valueFrom?.secretKeyRef?.name === rule.secret) {
          problems.push(
            `container ${c.name} must not read Secret ${rule.secret} (env ${e.name}); only ${rule.allowed} may`,
          );
        }
      }
      for (const e of c.envFrom ?? []) {
        if (rule.secret && e.secretRef?.name === rule.secret)
          problems.push(
            `container ${c.name} must not load Secret ${rule.secret} via envFrom; only ${rule.allowed} may`,
          );
      }
    }
  }
  return problems;
}
