/**
 * `validate-signing-key`, `validate-node-key`, `validate-operator-keyring` (reference-seinode.md
 * §3.1): check the shape of a validator's key Secrets before a pod mounts them, so a typo fails the
 * plan with a clear condition instead of a crash-looping seid.
 *
 * Secret contents never leave these functions: messages name Secrets and data keys only (JSON
 * parse errors are not quoted, as they would echo the key material), and nothing is logged.
 */
import type { SeiNode } from '../../constructs/api/types';
import { NODE_KEY_FILE, SIGNING_KEY_FILE } from '../../constructs/seinode/names';
import { Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { ConditionUpdate, TaskContext, TaskDefinition, TaskOutcome } from '../planner/task';
import { checkNamespace, checkStringFields, nodeRef, terminal } from './common';

/** Condition types and reasons set by the validate tasks. */
export const CONDITION_SIGNING_KEY_READY = 'SigningKeyReady';
export const CONDITION_NODE_KEY_READY = 'NodeKeyReady';
export const CONDITION_OPERATOR_KEYRING_READY = 'OperatorKeyringReady';

/** Params of validate-signing-key and validate-node-key. */
export interface KeySecretParams {
  /** The Secret in the node's namespace. */
  readonly secretName?: string;
  /** Must be the node's namespace when set. */
  readonly namespace?: string;
}

/** Params of validate-operator-keyring. */
export interface OperatorKeyringParams {
  /** The keyring Secret (file-backend layout: `<name>.info` and `<hex>.address` data keys). */
  readonly secretName?: string;
  /** When set, `<keyName>.info` must exist. */
  readonly keyName?: string;
  /** The Secret holding the keyring passphrase … */
  readonly passphraseSecretName?: string;
  /** … under this data key. */
  readonly passphraseSecretKey?: string;
  /** Must be the node's namespace when set. */
  readonly namespace?: string;
}

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

/** Transient (NotReady) or defect (Invalid) found while checking; `undefined` when valid. */
type Problem = { kind: 'wait' | 'invalid'; message: string };
const wait = (message: string): Problem => ({ kind: 'wait', message });
const invalid = (message: string): Problem => ({ kind: 'invalid', message });

/** Maps a check result to the outcome and the condition `<prefix>Ready` with reasons `<prefix>Validated|NotReady|Invalid`. */
function outcome(prefix: string, problem: Problem | undefined, okMessage: string): TaskOutcome {
  const type = `${prefix}Ready`;
  const cond = (status: ConditionUpdate['status'], reason: string, message: string): ConditionUpdate[] => [
    { type, status, reason: `${prefix}${reason}`, message },
  ];
  if (!problem) return { kind: 'complete', conditions: cond('True', 'Validated', okMessage) };
  if (problem.kind === 'wait')
    return {
      kind: 'running',
      message: problem.message,
      conditions: cond('False', 'NotReady', problem.message),
    };
  return terminal(problem.message, cond('False', 'Invalid', problem.message));
}

/** Reads a Secret in the node's namespace: missing or terminating is a wait; other errors are thrown. */
async function readSecret(
  ctx: TaskContext<unknown>,
  name: string,
): Promise<{ secret: Secret } | { problem: Problem }> {
  const { namespace } = nodeRef(ctx.node);
  const q = JSON.stringify(name);
  const secret = await ctx.client.get<Secret>(Resources.Secret, { namespace, name }, ctx.signal);
  if (!secret) return { problem: wait(`Secret ${q} not found in namespace ${JSON.stringify(namespace)}`) };
  const deleting = secret.metadata?.deletionTimestamp;
  if (deleting) return { problem: wait(`Secret ${q} is being deleted (deletionTimestamp=${deleting})`) };
  return { secret };
}

/** Decoded bytes of a data key, or undefined when absent. */
function dataBytes(secret: Secret, key: string): Buffer | undefined {
  const b64 = secret.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64');
}

/** Parses JSON without ever exposing the input (JSON.parse messages quote it). */
function parseJsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function nonEmptyString(obj: Record<string, unknown>, ...path: string[]): boolean {
  let v: unknown = obj;
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === 'string' && v.length > 0;
}

/**
 * Checks a Tendermint key file in a Secret: data key present and non-empty, JSON, with non-empty
 * strings at each of `required` (dotted paths).
 */
async function checkKeyFile(
  ctx: TaskContext<unknown>,
  secretName: string,
  dataKey: string,
  description: string,
  required: readonly string[],
): Promise<Problem | undefined> {
  const read = await readSecret(ctx, secretName);
  if ('problem' in read) return read.problem;
  const { secret } = read;
  const q = JSON.stringify(secretName);
  const bytes = dataBytes(secret, dataKey);
  if (!bytes || bytes.length === 0)
    return invalid(`Secret ${q} missing required data key ${JSON.stringify(dataKey)}`);
  const key = parseJsonObject(bytes);
  const prefix = `Secret ${q} data key ${JSON.stringify(dataKey)} is not a valid ${description}`;
  if (!key) return invalid(`${prefix}: not a JSON object`);
  const missing = required.filter((p) => !nonEmptyString(key, ...p.split('.')));
  if (missing.length > 0) return invalid(`${prefix}: missing ${missing.join(', ')}`);
  return undefined;
}

function validateKeyParams(params: KeySecretParams, node: SeiNode, type: string): string | undefined {
  const shape = checkStringFields(params, ['secretName', 'namespace']);
  if (shape) return shape;
  if (!params.secretName) return `${type}: params.secretName is empty`;
  return checkNamespace(params.namespace, node);
}

/**
 * `validate-signing-key`, params `{secretName, namespace}`: the Secret (node's namespace) must hold
 * a non-empty `priv_validator_key.json` that is JSON with non-empty `address`, `pub_key.type`,
 * `pub_key.value`, `priv_key.type`, `priv_key.value` (cryptographic validity is seid's job).
 * Condition `SigningKeyReady`:
 * - Secret missing or being deleted → `running` + False/`SigningKeyNotReady` (re-checked every 5 s,
 *   so creating the Secret converges);
 * - missing/empty data key, not JSON, missing fields → `terminal` + False/`SigningKeyInvalid`;
 * - valid → `complete` + True/`SigningKeyValidated`.
 * Empty `secretName` fails `validate`. Other API errors are thrown (transient).
 */
export const validateSigningKeyTask: TaskDefinition<KeySecretParams> = {
  type: 'validate-signing-key',
  maxRetries: 0,
  pollIntervalMs: 5000,
  validate: (params, node) => validateKeyParams(params, node, 'validate-signing-key'),
  async execute(ctx) {
    const name = ctx.params.secretName;
    if (!name) return terminal('validate-signing-key: params.secretName is empty');
    const problem = await checkKeyFile(ctx, name, SIGNING_KEY_FILE, 'Tendermint validator key', [
      'address',
      'pub_key.type',
      'pub_key.value',
      'priv_key.type',
      'priv_key.value',
    ]);
    return outcome(
      'SigningKey',
      problem,
      `Secret ${JSON.stringify(name)} passes all signing-key validation rules`,
    );
  },
};

/**
 * `validate-node-key`, params `{secretName, namespace}`: as {@link validateSigningKeyTask} for
 * `node_key.json`, which needs non-empty `priv_key.type` and `priv_key.value`. Condition
 * `NodeKeyReady` with reasons `NodeKeyValidated` / `NodeKeyNotReady` / `NodeKeyInvalid`.
 */
export const validateNodeKeyTask: TaskDefinition<KeySecretParams> = {
  type: 'validate-node-key',
  maxRetries: 0,
  pollIntervalMs: 5000,
  validate: (params, node) => validateKeyParams(params, node, 'validate-node-key'),
  async execute(ctx) {
    const name = ctx.params.secretName;
    if (!name) return terminal('validate-node-key: params.secretName is empty');
    const problem = await checkKeyFile(ctx, name, NODE_KEY_FILE, 'Tendermint node key', [
      'priv_key.type',
      'priv_key.value',
    ]);
    return outcome('NodeKey', problem, `Secret ${JSON.stringify(name)} passes all node-key validation rules`);
  },
};

/**
 * `validate-operator-keyring`, params `{secretName, keyName, passphraseSecretName,
 * passphraseSecretKey, namespace}`: checks the file-keyring layout without decrypting anything
 * (running the keyring backend in the controller would widen its trust base):
 * - the keyring Secret has ≥1 data key ending `.info` (each non-empty), ≥1 ending `.address`, and
 *   `<keyName>.info` when keyName is set;
 * - the passphrase Secret has a non-empty `data[passphraseSecretKey]`.
 * Condition `OperatorKeyringReady`: either Secret missing or being deleted → `running` +
 * False/`OperatorKeyringNotReady`; a shape defect → `terminal` + False/`OperatorKeyringInvalid`;
 * valid → `complete` + True/`OperatorKeyringValidated`. Empty names or key fail `validate`.
 */
export const validateOperatorKeyringTask: TaskDefinition<OperatorKeyringParams> = {
  type: 'validate-operator-keyring',
  maxRetries: 0,
  pollIntervalMs: 5000,
  validate(params, node) {
    const shape = checkStringFields(params, [
      'secretName',
      'keyName',
      'passphraseSecretName',
      'passphraseSecretKey',
      'namespace',
    ]);
    if (shape) return shape;
    const empty = emptyKeyringParam(params);
    return empty ?? checkNamespace(params.namespace, node);
  },
  async execute(ctx) {
    const { secretName = '', keyName, passphraseSecretName = '', passphraseSecretKey = '' } = ctx.params;
    const empty = emptyKeyringParam(ctx.params);
    if (empty) return terminal(empty);
    const p = { secretName, keyName, passphraseSecretName, passphraseSecretKey };
    const problem = await checkKeyring(ctx, p);
    return outcome(
      'OperatorKeyring',
      problem,
      `Secret pair (${JSON.stringify(p.secretName)}, ${JSON.stringify(p.passphraseSecretName)}) passes operator-keyring validation`,
    );
  },
};

function emptyKeyringParam(p: OperatorKeyringParams): string | undefined {
  for (const k of ['secretName', 'passphraseSecretName', 'passphraseSecretKey'] as const) {
    if (!p[k]) return `validate-operator-keyring: params.${k} is empty`;
  }
  return undefined;
}

async function checkKeyring(
  ctx: TaskContext<OperatorKeyringParams>,
  p: Required<Omit<OperatorKeyringParams, 'keyName' | 'namespace'>> & { keyName?: string | undefined },
): Promise<Problem | undefined> {
  const keyringRead = await readSecret(ctx, p.secretName);
  if ('problem' in keyringRead) return keyringRead.problem;
  const keyring = keyringRead.secret;
  const q = JSON.stringify(p.secretName);
  const keys = Object.keys(keyring.data ?? {}).sort();
  const infoKeys = keys.filter((k) => k.endsWith('.info'));
  const emptyInfo = infoKeys.find((k) => (dataBytes(keyring, k)?.length ?? 0) === 0);
  if (emptyInfo)
    return invalid(`Secret ${q} data key ${JSON.stringify(emptyInfo)} is empty (expected a keyring entry)`);
  if (infoKeys.length === 0)
    return invalid(`Secret ${q} has no "*.info" data keys (expected at least one keyring entry)`);
  if (!keys.some((k) => k.endsWith('.address')))
    return invalid(
      `Secret ${q} has no "*.address" data keys (expected the name→address index of a keyring entry)`,
    );
  if (p.keyName && !infoKeys.includes(`${p.keyName}.info`))
    return invalid(
      `Secret ${q} is missing data key ${JSON.stringify(`${p.keyName}.info`)} for keyName ${JSON.stringify(p.keyName)}`,
    );

  const passRead = await readSecret(ctx, p.passphraseSecretName);
  if ('problem' in passRead) return passRead.problem;
  const passphrase = passRead.secret;
  const pq = JSON.stringify(p.passphraseSecretName);
  const bytes = dataBytes(passphrase, p.passphraseSecretKey);
  if (bytes === undefined)
    return invalid(`passphrase Secret ${pq} missing data key ${JSON.stringify(p.passphraseSecretKey)}`);
  if (bytes.length === 0)
    return invalid(`passphrase Secret ${pq} data key ${JSON.stringify(p.passphraseSecretKey)} is empty`);
  return undefined;
}
