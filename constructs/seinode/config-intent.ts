import { createHash } from 'node:crypto';
import { nodeMode, type SeiNode } from '../../constructs/api/types';

/** `config-apply` wire params (reference-seictl-sidecar-api.md §6). */
export interface ConfigApplyParams {
  readonly mode: 'full' | 'archive' | 'validator';
  readonly incremental: boolean;
  readonly targetVersion: number;
  readonly overrides?: Record<string, string>;
  [k: string]: unknown;
}

/** One `discover-peers` source on the wire. */
export type PeerSourceParams =
  | { type: 'ec2Tags'; region: string; tags: Record<string, string> }
  | { type: 'static'; addresses: string[] }
  | { type: 'dnsEndpoints'; endpoints: string[] };

/**
 * The logging level rule (SPEC §4 asks us to decide): the controller's baseline is `info`, and a
 * user override of `logging.level` wins — operators debugging a node need `debug`. (The reference
 * set `error` and then forced `info` over everything, so users could never change it.)
 */
export const DEFAULT_LOG_LEVEL = 'info';

/** Overrides of full-node snapshot generation (sei-config `SnapshotGenerationOverrides`, reference §2.6). */
function snapshotGenerationOverrides(keepRecent: number): Record<string, string> {
  return {
    'storage.snapshot_interval': '2000',
    'storage.snapshot_keep_recent': String(keepRecent),
    'storage.pruning_keep_recent': '50000',
    'storage.pruning_keep_every': '0',
    'chain.min_retain_blocks': '50000',
    'network.p2p.max_connections': '500',
    'network.p2p.send_rate': '20971520',
    'network.p2p.recv_rate': '20971520',
  };
}

/**
 * Controller overrides per mode (reference-seinode.md §2.6): snapshot generation for full and
 * archive nodes, async commit and memiavl snapshot settings for replayers, none for validators.
 */
export function modeOverrides(node: SeiNode): Record<string, string> {
  const s = node.spec;
  if (s.fullNode?.snapshotGeneration?.tendermint) {
    return snapshotGenerationOverrides(s.fullNode.snapshotGeneration.tendermint.keepRecent);
  }
  if (s.archive?.snapshotGeneration?.tendermint) {
    return {
      'storage.snapshot_interval': '2000',
      'storage.snapshot_keep_recent': String(s.archive.snapshotGeneration.tendermint.keepRecent),
    };
  }
  if (s.replayer) {
    return {
      'storage.state_commit.async_commit_buffer': '100',
      'storage.state_commit.memiavl.snapshot_keep_recent': '2',
      'storage.state_commit.memiavl.snapshot_min_time_interval': '3600',
    };
  }
  return {};
}

/**
 * The `config-apply` params for a node: mode (replayer → `full`), and overrides = controller
 * baseline (`logging.level=info`, `network.p2p.external_address` when the node has a published
 * address) ← mode overrides ← `spec.overrides` (the user wins).
 */
export function configApplyParams(node: SeiNode): ConfigApplyParams {
  const mode = nodeMode(node.spec);
  const overrides: Record<string, string> = {
    'logging.level': DEFAULT_LOG_LEVEL,
    ...(node.status?.externalAddress ? { 'network.p2p.external_address': node.status.externalAddress } : {}),
    ...modeOverrides(node),
    ...(node.spec.overrides ?? {}),
  };
  return {
    mode: mode === 'archive' ? 'archive' : mode === 'validator' ? 'validator' : 'full',
    incremental: false,
    targetVersion: 0,
    overrides: Object.fromEntries(Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * `discover-peers` sources from `spec.peers` (reference §5, seed #360): ec2Tags and static as
 * declared; `label` and `seinodeDeployment` sources as what the controller resolved into
 * `status.resolvedPeers` (in-cluster DNS names and published `host:port` addresses), sent as
 * `dnsEndpoints` hosts — the sidecar asks each host for its node id. Sources that resolved to nothing
 * are dropped (the PeersResolved condition reports them instead of wedging the plan).
 */
export function peerSources(node: SeiNode): PeerSourceParams[] {
  const out: PeerSourceParams[] = [];
  for (const p of node.spec.peers ?? []) {
    if (p.ec2Tags) out.push({ type: 'ec2Tags', region: p.ec2Tags.region, tags: { ...p.ec2Tags.tags } });
    else if (p.static) out.push({ type: 'static', addresses: [...p.static.addresses] });
  }
  const hosts = [...new Set((node.status?.resolvedPeers ?? []).map((e) => e.replace(/:\d+$/, '')))].sort();
  if (hosts.length) out.push({ type: 'dnsEndpoints', endpoints: hosts });
  return out;
}

/** Short stable hash of any JSON value (16 hex chars of SHA-256). */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hash of a node's config intent: the `config-apply` params and the `discover-peers` sources (label
 * peers as resolved into `status.resolvedPeers`). Stamped on the pod template as
 * `sei.io/config-hash`, so a config change yields a new StatefulSet revision and exactly one pod
 * cycle; and compared with `status.currentConfigHash` to detect config drift.
 */
export function configHashOf(node: SeiNode): string {
  return stableHash({ config: configApplyParams(node), peers: peerSources(node) });
}

/** Pod template annotation carrying {@link configHashOf}. */
export const ANNOTATION_CONFIG_HASH = 'sei.io/config-hash';
