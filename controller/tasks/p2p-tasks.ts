/**
 * Init-plan tasks of a node with `networking.tcp` (SPEC §4, §7): `apply-p2p-service` and
 * `await-external-address`, both before `apply-statefulset`, so the first config render carries
 * `p2p.external_address`.
 */
import { type KubeObject as Manifest, synthInMemory } from '../../constructs/render';
import { p2pServiceName, SeiNodeP2pService } from '../../constructs/seinode/p2p-service';
import { Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { TaskDefinition } from '../planner/task';
import { externalAddressOf } from '../seinode/p2p';
import { type NodeTaskParams, nodeRef, rejectedOrThrow, validateNodeParams } from './common';

/** Applies the node's `<node>-p2p` LoadBalancer Service. */
export const applyP2pServiceTask: TaskDefinition<NodeTaskParams> = {
  type: 'apply-p2p-service',
  maxRetries: 0,
  validate: validateNodeParams,
  async execute(ctx) {
    const [svc] = synthInMemory(
      (chart) => new SeiNodeP2pService(chart, 'p2p', { node: ctx.node, platform: ctx.platform }),
    ) as Manifest[];
    if (!svc) return { kind: 'terminal', error: 'the P2P Service did not render' };
    const { namespace } = nodeRef(ctx.node);
    try {
      await ctx.applier.apply(
        Resources.Service,
        svc as KubeObject,
        ctx.cache.get(Resources.Service, namespace, svc.metadata.name),
        ctx.signal,
      );
    } catch (err) {
      return rejectedOrThrow(err, `Service ${svc.metadata.name}`);
    }
    return { kind: 'complete' };
  },
};

/** Waits until the P2P Service's load balancer has a hostname (or IP); stamps `status.externalAddress`. */
export const awaitExternalAddressTask: TaskDefinition<NodeTaskParams> = {
  type: 'await-external-address',
  maxRetries: 0,
  pollIntervalMs: 2_000,
  validate: validateNodeParams,
  async execute(ctx) {
    const { name, namespace } = nodeRef(ctx.node);
    const address =
      externalAddressOf(ctx.cache.get(Resources.Service, namespace, p2pServiceName(name))) ??
      ctx.node.status?.externalAddress;
    return address
      ? { kind: 'complete', status: { externalAddress: address } }
      : { kind: 'running', message: `waiting for the load balancer of ${p2pServiceName(name)}` };
  },
};
