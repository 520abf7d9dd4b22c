/**
 * Client-side validation of sidecar task params (reference-seictl-sidecar-api.md §6, "Client
 * validation"; seictl `Validate()` and sei-config `ValidateIntent`), applied to the *wire* params
 * (camelCase, exactly as POSTed). A task whose params fail here can never succeed on the sidecar,
 * so the plan fails at once instead of retrying (SPEC §4). Unknown keys are tolerated (newer
 * sidecars accept more params).
 */

/** Checks one task type's wire params; returns a message naming the bad param, or undefined. */
export type SidecarParamsValidator = (params: Readonly<Record<string, unknown>>) => string | undefined;

/** sei-config `NodeMode` values accepted by `config-apply` (sei-config types.go). */
export const CONFIG_APPLY_MODES: readonly string[] = [
  'validator',
  'full',
  'seed',
  'archive',
  'rpc',
  'indexer',
];

/** Shape of a sei-config override key: a dotted, lower-case path such as `network.p2p.external_address`. */
export const CONFIG_OVERRIDE_KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$/;

/** Shape of a genesis override key: `<module>.<field>[.<field>…]` into `app_state`. */
export const GENESIS_OVERRIDE_KEY = /^[a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+$/;

/**
 * A bech32 account address with HRP `sei` (lower case; 20- or 32-byte payloads give 38–58 data
 * characters including the checksum). The checksum itself is not verified.
 */
export const SEI_ADDRESS = /^sei1[02-9ac-hj-np-z]{38,58}$/;

/** A Cosmos coin list such as `1000000usei` or `10usei, 5uatom`. */
const COINS = /^\s*\d+[a-zA-Z][a-zA-Z0-9/:._-]{2,127}(\s*,\s*\d+[a-zA-Z][a-zA-Z0-9/:._-]{2,127})*\s*$/;

/** A Go `time.Duration` string such as `9999h0m0s` or `168h`. */
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

const PEER_SOURCE_TYPES = ['ec2Tags', 'static', 'dnsEndpoints'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requiredString(p: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null || v === '') return `${key} is required`;
  if (typeof v !== 'string') return `${key} must be a string`;
  return undefined;
}

function optionalString(p: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = p[key];
  return v === undefined || typeof v === 'string' ? undefined : `${key} must be a string`;
}

function coins(p: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const missing = requiredString(p, key);
  if (missing) return missing;
  return COINS.test(p[key] as string)
    ? undefined
    : `${key} must be a coin amount such as 1000000usei, got ${JSON.stringify(p[key])}`;
}

function positiveInt(
  p: Readonly<Record<string, unknown>>,
  key: string,
  required: boolean,
): string | undefined {
  const v = p[key];
  if (v === undefined) return required ? `${key} is required` : undefined;
  return Number.isSafeInteger(v) && (v as number) > 0 ? undefined : `${key} must be a positive integer`;
}

function nonEmptyStrings(v: unknown, what: string): string | undefined {
  if (!Array.isArray(v) || v.length === 0) return `${what} must be a non-empty list`;
  return v.every((s) => typeof s === 'string' && s !== '')
    ? undefined
    : `${what} must contain non-empty strings`;
}

function first(...checks: (() => string | undefined)[]): string | undefined {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return undefined;
}

const none: SidecarParamsValidator = () => undefined;

/** `config-apply`: a flat sei-config `ConfigIntent` (`ValidateIntent`: mode, version, override keys). */
const configApply: SidecarParamsValidator = (p) =>
  first(
    () =>
      p.incremental === undefined || typeof p.incremental === 'boolean'
        ? undefined
        : 'incremental must be a boolean',
    () => {
      if (p.mode === undefined || p.mode === '')
        return p.incremental === true ? undefined : 'mode is required';
      return typeof p.mode === 'string' && CONFIG_APPLY_MODES.includes(p.mode)
        ? undefined
        : `unknown mode ${JSON.stringify(p.mode)}; valid modes: ${CONFIG_APPLY_MODES.join(', ')}`;
    },
    () =>
      p.targetVersion === undefined ||
      (Number.isSafeInteger(p.targetVersion) && (p.targetVersion as number) >= 0)
        ? undefined
        : 'targetVersion must be a non-negative integer',
    () => {
      if (p.overrides === undefined) return undefined;
      if (!isObject(p.overrides)) return 'overrides must be an object of string values';
      for (const [key, value] of Object.entries(p.overrides)) {
        if (!CONFIG_OVERRIDE_KEY.test(key)) {
          return `override key ${JSON.stringify(key)} is not a dotted sei-config key (e.g. network.p2p.external_address)`;
        }
        if (typeof value !== 'string') return `override ${key} must be a string value`;
      }
      return undefined;
    },
  );

/** `discover-peers`: at least one source, each complete for its type. */
const discoverPeers: SidecarParamsValidator = (p) => {
  if (!Array.isArray(p.sources) || p.sources.length === 0) return 'at least one peer source is required';
  for (const [i, src] of p.sources.entries()) {
    const where = `sources[${i}]`;
    if (!isObject(src)) return `${where} must be an object`;
    switch (src.type) {
      case 'ec2Tags': {
        if (typeof src.region !== 'string' || src.region === '') return `${where} (ec2Tags) needs a region`;
        const tags = src.tags;
        if (!isObject(tags) || Object.keys(tags).length === 0) return `${where} (ec2Tags) needs tags`;
        if (!Object.values(tags).every((v) => typeof v === 'string')) return `${where} tags must be strings`;
        break;
      }
      case 'static': {
        const problem = nonEmptyStrings(src.addresses, `${where} (static) addresses`);
        if (problem) return problem;
        break;
      }
      case 'dnsEndpoints': {
        const problem = nonEmptyStrings(src.endpoints, `${where} (dnsEndpoints) endpoints`);
        if (problem) return problem;
        break;
      }
      default:
        return `${where} has unknown type ${JSON.stringify(src.type)} (want ${PEER_SOURCE_TYPES.join(', ')})`;
    }
  }
  return undefined;
};

/** `configure-state-sync`: all keys optional, typed. */
const configureStateSync: SidecarParamsValidator = (p) =>
  first(
    () =>
      p.useLocalSnapshot === undefined || typeof p.useLocalSnapshot === 'boolean'
        ? undefined
        : 'useLocalSnapshot must be a boolean',
    () =>
      p.trustPeriod === undefined || (typeof p.trustPeriod === 'string' && GO_DURATION.test(p.trustPeriod))
        ? undefined
        : `trustPeriod must be a duration such as 168h0m0s, got ${JSON.stringify(p.trustPeriod)}`,
    () => positiveInt(p, 'backfillBlocks', false),
  );

/** `assemble-and-upload-genesis`: required fields, ≥1 node, `sei1…` account addresses. */
const assembleGenesis: SidecarParamsValidator = (p) =>
  first(
    () => coins(p, 'accountBalance'),
    () => requiredString(p, 'namespace'),
    () => {
      if (!Array.isArray(p.nodes) || p.nodes.length === 0) return 'at least one node is required';
      for (const [i, n] of p.nodes.entries()) {
        if (!isObject(n) || typeof n.name !== 'string' || n.name === '') return `nodes[${i}] needs a name`;
      }
      return undefined;
    },
    () => {
      if (p.accounts === undefined || p.accounts === null) return undefined;
      if (!Array.isArray(p.accounts)) return 'accounts must be a list';
      for (const [i, a] of p.accounts.entries()) {
        if (!isObject(a)) return `accounts[${i}] must be an object`;
        if (typeof a.address !== 'string' || a.address === '') return `accounts[${i}] needs an address`;
        if (!SEI_ADDRESS.test(a.address)) {
          return `accounts[${i}].address ${JSON.stringify(a.address)} is not a bech32 sei1… address`;
        }
        const balance = coins(a, 'balance');
        if (balance) return `accounts[${i}].${balance}`;
      }
      return undefined;
    },
    () => {
      if (p.overrides === undefined || p.overrides === null) return undefined;
      if (!isObject(p.overrides)) return 'overrides must be an object';
      for (const key of Object.keys(p.overrides)) {
        if (!GENESIS_OVERRIDE_KEY.test(key)) {
          return `genesis override key ${JSON.stringify(key)} must be <module>.<field>[.<field>…]`;
        }
      }
      return undefined;
    },
  );

/**
 * Validators of every sidecar task type the controller sends, keyed by type string. Types without
 * params (`configure-genesis`, `config-validate`, `mark-ready`, `snapshot-upload`,
 * `set-genesis-peers`) accept anything.
 */
export const SIDECAR_PARAM_VALIDATORS: Readonly<Record<string, SidecarParamsValidator>> = {
  'snapshot-restore': (p) => positiveInt(p, 'targetHeight', false),
  'configure-genesis': (p) => optionalString(p, 'expectedGenesisHash'),
  'config-apply': configApply,
  'discover-peers': discoverPeers,
  'configure-state-sync': configureStateSync,
  'config-validate': none,
  'mark-ready': none,
  'snapshot-upload': none,
  'result-export': (p) =>
    first(
      () => requiredString(p, 'bucket'),
      () => requiredString(p, 'region'),
      () => optionalString(p, 'prefix'),
      () => optionalString(p, 'canonicalRpc'),
    ),
  'generate-identity': (p) =>
    first(
      () => requiredString(p, 'chainId'),
      () => requiredString(p, 'moniker'),
    ),
  'generate-gentx': (p) =>
    first(
      () => requiredString(p, 'chainId'),
      () => coins(p, 'stakingAmount'),
      () => coins(p, 'accountBalance'),
    ),
  'upload-genesis-artifacts': (p) => requiredString(p, 'nodeName'),
  'set-genesis-peers': none,
  'assemble-and-upload-genesis': assembleGenesis,
};

/**
 * Validates a task's wire params.
 *
 * @param type - the sidecar task type.
 * @param params - the wire params (`undefined` = none).
 * @returns `<type>: <problem>`, or undefined when valid or the type has no validator.
 */
export function validateSidecarParams(
  type: string,
  params: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  const validator = SIDECAR_PARAM_VALIDATORS[type];
  if (!validator) return undefined;
  const problem = validator(params ?? {});
  return problem ? `${type}: invalid params: ${problem}` : undefined;
}
