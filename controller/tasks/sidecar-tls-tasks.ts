/**
 * Sidecar TLS tasks (seed #247, SPEC §8): `apply-sidecar-cert`, `wait-for-sidecar-tls-secret`,
 * `observe-sidecar-tls` and, on the disable path, `delete-sidecar-cert`.
 */
import type { SeiNodeStatus } from '../../constructs/api/types';
import { synthInMemory } from '../../constructs/render';
import {
  CERTIFICATE_API_VERSION,
  KIND_CERTIFICATE,
  SeiNodeSidecarCertificate,
  sidecarTlsName,
} from '../../constructs/seinode/sidecar-certificate';
import { defineResource, Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { TaskDefinition } from '../planner/task';
import { type NodeTaskParams, nodeRef, rejectedOrThrow, validateNodeParams } from './common';
import { ownedPods, readRollout, revisionOf } from './rollout';

/** The cert-manager Certificate kind. */
export const CertificateResource = defineResource(CERTIFICATE_API_VERSION, KIND_CERTIFICATE, 'certificates');

/** Applies the node's cert-manager Certificate `<node>-sidecar-tls` (issuer from `spec.sidecar.tls`). */
export const applySidecarCertTask: TaskDefinition<NodeTaskParams> = {
  type: 'apply-sidecar-cert',
  maxRetries: 0,
  validate: validateNodeParams,
  async execute(ctx) {
    if (!ctx.node.spec.sidecar?.tls) return { kind: 'terminal', error: 'spec.sidecar.tls is not set' };
    const [cert] = synthInMemory((chart) => new SeiNodeSidecarCertificate(chart, 'cert', { node: ctx.node }));
    if (!cert) return { kind: 'terminal', error: 'the sidecar Certificate did not render' };
    try {
      await ctx.applier.apply(CertificateResource, cert as KubeObject, undefined, ctx.signal);
    } catch (err) {
      return rejectedOrThrow(err, `Certificate ${cert.metadata.name}`);
    }
    return { kind: 'complete' };
  },
};

/**
 * Waits until cert-manager has filled Secret `<node>-sidecar-tls` with a non-empty `tls.crt` (and the
 * `ca.crt` the controller pins): mounting it earlier would crash-loop kube-rbac-proxy.
 */
export const waitForSidecarTlsSecretTask: TaskDefinition<NodeTaskParams> = {
  type: 'wait-for-sidecar-tls-secret',
  maxRetries: 0,
  pollIntervalMs: 2_000,
  validate: validateNodeParams,
  async execute(ctx) {
    const { name, namespace } = nodeRef(ctx.node);
    const secret = await ctx.client.get<KubeObject & { data?: Record<string, string> }>(
      Resources.Secret,
      { namespace, name: sidecarTlsName(name) },
      ctx.signal,
    );
    if (!secret?.data?.['tls.crt']) {
      return { kind: 'running', message: `waiting for cert-manager to issue Secret ${sidecarTlsName(name)}` };
    }
    if (!secret.data['ca.crt']) {
      return {
        kind: 'running',
        message: `Secret ${sidecarTlsName(name)} has no ca.crt to verify the sidecar against yet`,
      };
    }
    return { kind: 'complete' };
  },
};

/**
 * Stamps `status.currentSidecarTLS` from the spec (cleared when TLS is off) once every pod of the
 * StatefulSet runs the update revision — the new pod serves what the spec asks.
 */
export const observeSidecarTlsTask: TaskDefinition<NodeTaskParams> = {
  type: 'observe-sidecar-tls',
  maxRetries: 0,
  pollIntervalMs: 2_000,
  validate: validateNodeParams,
  async execute(ctx) {
    const { name, namespace } = nodeRef(ctx.node);
    const rollout = await readRollout(ctx.client, namespace, name, ctx.signal);
    if (rollout.kind === 'wait') return { kind: 'running', message: rollout.message };
    const pods = (await ownedPods(ctx.client, rollout.sts, ctx.signal)).filter(
      (p) => !p.metadata?.deletionTimestamp,
    );
    if (pods.length < rollout.replicas || pods.some((p) => revisionOf(p) !== rollout.updateRevision)) {
      return {
        kind: 'running',
        message: `waiting for the pods of ${name} to run revision ${rollout.updateRevision}`,
      };
    }
    const tls = ctx.node.spec.sidecar?.tls;
    const status: Partial<SeiNodeStatus> = {
      currentSidecarTLS: tls
        ? { issuerName: tls.issuerName, issuerKind: tls.issuerKind ?? 'Issuer' }
        : undefined,
    };
    return { kind: 'complete', status };
  },
};

/** Disable path: deletes the Certificate and its Secret, completing once both are gone. */
export const deleteSidecarCertTask: TaskDefinition<NodeTaskParams> = {
  type: 'delete-sidecar-cert',
  maxRetries: 0,
  pollIntervalMs: 2_000,
  validate: validateNodeParams,
  async execute(ctx) {
    const { name, namespace, uid } = nodeRef(ctx.node);
    const certName = sidecarTlsName(name);
    const cert = await ctx.client
      .get<KubeObject>(CertificateResource, { namespace, name: certName }, ctx.signal)
      .catch(() => null);
    if (cert?.metadata?.ownerReferences?.some((r) => r.uid === uid)) {
      await ctx.client.delete(CertificateResource, { namespace, name: certName }, { signal: ctx.signal });
      ctx.applier.forget(CertificateResource, namespace, certName);
    }
    const secret = await ctx.client.get<KubeObject>(
      Resources.Secret,
      { namespace, name: certName },
      ctx.signal,
    );
    // Only the Secret cert-manager filled for this Certificate (never a Secret someone else owns).
    if (secret && secret.metadata?.annotations?.['cert-manager.io/certificate-name'] === certName) {
      await ctx.client.delete(Resources.Secret, { namespace, name: certName }, { signal: ctx.signal });
    }
    const stillCert = await ctx.client
      .get(CertificateResource, { namespace, name: certName }, ctx.signal)
      .catch(() => null);
    const stillSecret = await ctx.client.get<KubeObject>(
      Resources.Secret,
      { namespace, name: certName },
      ctx.signal,
    );
    const secretOurs = stillSecret?.metadata?.annotations?.['cert-manager.io/certificate-name'] === certName;
    return stillCert || (stillSecret && secretOurs)
      ? { kind: 'running', message: `waiting for ${certName} to be deleted` }
      : { kind: 'complete' };
  },
};

/** Every sidecar-TLS task. */
export const SIDECAR_TLS_TASKS: readonly TaskDefinition[] = [
  applySidecarCertTask,
  waitForSidecarTlsSecretTask,
  observeSidecarTlsTask,
  deleteSidecarCertTask,
] as unknown as TaskDefinition[];
