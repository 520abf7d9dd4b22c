import { beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { Resources } from '../../../controller/kube/resources';
import type { TaskOutcome } from '../../../controller/planner/task';
import {
  validateNodeKeyTask,
  validateOperatorKeyringTask,
  validateSigningKeyTask,
} from '../../../controller/tasks/validate-secrets';
import { exampleDocuments } from '../../support/examples';
import { createNode, runTask, type TaskEnv, taskEnv } from './helpers';

let env: TaskEnv;
let node: SeiNode;
beforeAll(async () => {
  env = await taskEnv('task-keys');
  node = await createNode(env, 'validator-with-keys.yaml');
});

/** The example's Secret `name` (stringData), optionally renamed and edited. */
function exampleSecret(name: string, rename?: string, edit?: (data: Record<string, string>) => void) {
  const doc = exampleDocuments('validator-with-keys.yaml').find(
    (d) => d.kind === 'Secret' && (d.metadata as { name: string }).name === name,
  ) as { stringData: Record<string, string> };
  const stringData = { ...doc.stringData };
  edit?.(stringData);
  return { metadata: { name: rename ?? name, namespace: env.namespace }, type: 'Opaque', stringData };
}

const cond = (o: TaskOutcome, type: string) => o.conditions?.find((c) => c.type === type);
const SECRET_MATERIAL = [
  'c2VpLWRlbW8',
  'demo-passphrase-not-real',
  'demo-keyring-entry-not-real',
  '{',
  'NOT-JSON-SECRET',
];

/** Asserts nothing of a Secret's content leaks into an outcome. */
function expectNoSecretContent(o: TaskOutcome) {
  const text = JSON.stringify(o);
  for (const s of SECRET_MATERIAL.filter((m) => m !== '{')) expect(text).not.toContain(s);
}

describe('validate-signing-key', () => {
  it('missing Secret → running with SigningKeyNotReady, converges once the Secret is created', async () => {
    const name = 'arctic-1-validator-0-signing-key';
    const waiting = await runTask(env, validateSigningKeyTask, node, {
      secretName: name,
      namespace: env.namespace,
    });
    expect(waiting.kind).toBe('running');
    expect(cond(waiting, 'SigningKeyReady')).toEqual({
      type: 'SigningKeyReady',
      status: 'False',
      reason: 'SigningKeyNotReady',
      message: `Secret "${name}" not found in namespace "${env.namespace}"`,
    });
    await env.admin.create(Resources.Secret, exampleSecret(name));
    const done = await runTask(env, validateSigningKeyTask, node, {
      secretName: name,
      namespace: env.namespace,
    });
    expect(done.kind).toBe('complete');
    expect(cond(done, 'SigningKeyReady')).toMatchObject({ status: 'True', reason: 'SigningKeyValidated' });
    expectNoSecretContent(done);
  });

  it('a Secret being deleted is NotReady', async () => {
    await env.admin.create(Resources.Secret, {
      ...exampleSecret('arctic-1-validator-0-signing-key', 'deleting-key'),
      metadata: { name: 'deleting-key', namespace: env.namespace, finalizers: ['test.sei.io/hold'] },
    });
    await env.admin.delete(Resources.Secret, { namespace: env.namespace, name: 'deleting-key' });
    const o = await runTask(env, validateSigningKeyTask, node, { secretName: 'deleting-key' });
    expect(o.kind).toBe('running');
    expect(cond(o, 'SigningKeyReady')).toMatchObject({
      reason: 'SigningKeyNotReady',
      message: expect.stringMatching(/being deleted/),
    });
    await env.admin.patch(
      Resources.Secret,
      { namespace: env.namespace, name: 'deleting-key' },
      { metadata: { finalizers: null } },
    );
  });

  const malformed: [string, (d: Record<string, string>) => void, RegExp][] = [
    [
      'not JSON',
      (d) => {
        d['priv_validator_key.json'] = 'NOT-JSON-SECRET c2VpLWRlbW8';
      },
      /not a valid Tendermint validator key: not a JSON object/,
    ],
    [
      'missing fields',
      (d) => {
        d['priv_validator_key.json'] = '{"address":"","pub_key":{"type":"t","value":"c2VpLWRlbW8"}}';
      },
      /missing address, priv_key.type, priv_key.value/,
    ],
    [
      'empty data key',
      (d) => {
        d['priv_validator_key.json'] = '';
      },
      /missing required data key "priv_validator_key.json"/,
    ],
    [
      'wrong data key',
      (d) => {
        d.priv_validator_key = d['priv_validator_key.json'] ?? '';
        delete d['priv_validator_key.json'];
      },
      /missing required data key/,
    ],
  ];
  for (const [what, edit, error] of malformed) {
    it(`malformed (${what}) → terminal with SigningKeyInvalid, no key material in the outcome`, async () => {
      const name = `bad-signing-${what.replaceAll(' ', '-').toLowerCase()}`;
      await env.admin.create(Resources.Secret, exampleSecret('arctic-1-validator-0-signing-key', name, edit));
      const o = await runTask(env, validateSigningKeyTask, node, {
        secretName: name,
        namespace: env.namespace,
      });
      expect(o.kind).toBe('terminal');
      expect(o.kind === 'terminal' && o.error).toMatch(error);
      expect(cond(o, 'SigningKeyReady')).toMatchObject({ status: 'False', reason: 'SigningKeyInvalid' });
      expectNoSecretContent(o);
    });
  }
});

describe('validate-node-key', () => {
  it('missing → NotReady, then valid → NodeKeyValidated; malformed → NodeKeyInvalid', async () => {
    const name = 'arctic-1-validator-0-node-key';
    const waiting = await runTask(env, validateNodeKeyTask, node, {
      secretName: name,
      namespace: env.namespace,
    });
    expect(waiting.kind).toBe('running');
    expect(cond(waiting, 'NodeKeyReady')).toMatchObject({ status: 'False', reason: 'NodeKeyNotReady' });
    await env.admin.create(Resources.Secret, exampleSecret(name));
    const done = await runTask(env, validateNodeKeyTask, node, {
      secretName: name,
      namespace: env.namespace,
    });
    expect(done.kind).toBe('complete');
    expect(cond(done, 'NodeKeyReady')).toMatchObject({ status: 'True', reason: 'NodeKeyValidated' });

    await env.admin.create(
      Resources.Secret,
      exampleSecret(name, 'bad-node-key', (d) => {
        d['node_key.json'] = '{"priv_key":{"type":"tendermint/PrivKeyEd25519"}}';
      }),
    );
    const bad = await runTask(env, validateNodeKeyTask, node, { secretName: 'bad-node-key' });
    expect(bad.kind).toBe('terminal');
    expect(bad.kind === 'terminal' && bad.error).toMatch(
      /not a valid Tendermint node key: missing priv_key.value/,
    );
    expect(cond(bad, 'NodeKeyReady')).toMatchObject({ status: 'False', reason: 'NodeKeyInvalid' });
  });
});

describe('validate-operator-keyring', () => {
  const params = (secretName: string, passphraseSecretName: string, keyName = 'node_admin') => ({
    secretName,
    keyName,
    passphraseSecretName,
    passphraseSecretKey: 'passphrase',
    namespace: env.namespace,
  });

  it('waits for both Secrets (NotReady), then validates', async () => {
    const keyring = 'arctic-1-validator-0-keyring';
    const pass = 'arctic-1-validator-0-keyring-passphrase';
    const p = params(keyring, pass);
    const noKeyring = await runTask(env, validateOperatorKeyringTask, node, p);
    expect(noKeyring.kind).toBe('running');
    expect(cond(noKeyring, 'OperatorKeyringReady')).toMatchObject({
      status: 'False',
      reason: 'OperatorKeyringNotReady',
      message: expect.stringContaining(keyring),
    });
    await env.admin.create(Resources.Secret, exampleSecret(keyring));
    const noPass = await runTask(env, validateOperatorKeyringTask, node, p);
    expect(noPass.kind).toBe('running');
    expect(cond(noPass, 'OperatorKeyringReady')?.message).toContain(pass);
    await env.admin.create(Resources.Secret, exampleSecret(pass));
    const done = await runTask(env, validateOperatorKeyringTask, node, p);
    expect(done.kind).toBe('complete');
    expect(cond(done, 'OperatorKeyringReady')).toMatchObject({
      status: 'True',
      reason: 'OperatorKeyringValidated',
    });
    expectNoSecretContent(done);
  });

  const defects: [
    string,
    string,
    ((d: Record<string, string>) => void) | undefined,
    string | undefined,
    RegExp,
  ][] = [
    [
      'no .address key',
      'kr-noaddr',
      (d) => {
        for (const k of Object.keys(d)) if (k.endsWith('.address')) delete d[k];
      },
      undefined,
      /no "\*\.address" data keys/,
    ],
    [
      'no .info key',
      'kr-noinfo',
      (d) => {
        delete d['node_admin.info'];
      },
      undefined,
      /no "\*\.info" data keys/,
    ],
    [
      'empty .info',
      'kr-emptyinfo',
      (d) => {
        d['node_admin.info'] = '';
      },
      undefined,
      /data key "node_admin.info" is empty/,
    ],
    [
      'keyName absent',
      'kr-otherkey',
      (d) => {
        d['someone.info'] = d['node_admin.info'] ?? '';
        delete d['node_admin.info'];
      },
      undefined,
      /missing data key "node_admin.info" for keyName "node_admin"/,
    ],
    [
      'empty passphrase',
      'kr-ok-1',
      undefined,
      '',
      /passphrase Secret "kr-ok-1-pass" data key "passphrase" is empty/,
    ],
  ];
  for (const [what, name, editKeyring, passphrase, error] of defects) {
    it(`defect (${what}) → terminal with OperatorKeyringInvalid`, async () => {
      await env.admin.create(
        Resources.Secret,
        exampleSecret('arctic-1-validator-0-keyring', name, editKeyring),
      );
      await env.admin.create(
        Resources.Secret,
        exampleSecret('arctic-1-validator-0-keyring-passphrase', `${name}-pass`, (d) => {
          if (passphrase !== undefined) d.passphrase = passphrase;
        }),
      );
      const o = await runTask(env, validateOperatorKeyringTask, node, params(name, `${name}-pass`));
      expect(o.kind).toBe('terminal');
      expect(o.kind === 'terminal' && o.error).toMatch(error);
      expect(cond(o, 'OperatorKeyringReady')).toMatchObject({
        status: 'False',
        reason: 'OperatorKeyringInvalid',
      });
      expectNoSecretContent(o);
    });
  }

  it('a passphrase Secret without the data key is terminal', async () => {
    await env.admin.create(Resources.Secret, exampleSecret('arctic-1-validator-0-keyring', 'kr-ok-2'));
    await env.admin.create(Resources.Secret, {
      metadata: { name: 'kr-ok-2-pass', namespace: env.namespace },
      stringData: { other: 'x' },
    });
    const o = await runTask(env, validateOperatorKeyringTask, node, params('kr-ok-2', 'kr-ok-2-pass'));
    expect(o.kind === 'terminal' && o.error).toMatch(/missing data key "passphrase"/);
  });
});
