import { describe, expect, it } from 'vitest';
import { validateSidecarParams } from '../../../controller/sidecar/task-params.js';

const ADDR20 = 'sei1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu';
const ADDR32 = `sei1${'q'.repeat(52)}acdefg`;

describe('validateSidecarParams', () => {
  const ok = (type: string, params?: Record<string, unknown>) =>
    expect(validateSidecarParams(type, params)).toBeUndefined();
  const bad = (type: string, params: Record<string, unknown> | undefined, msg: RegExp) =>
    expect(validateSidecarParams(type, params)).toMatch(msg);

  it('prefixes problems with the type and accepts types without a validator', () => {
    expect(validateSidecarParams('config-apply', {})).toBe('config-apply: invalid params: mode is required');
    ok('something-else', { anything: 1 });
  });

  it('parameterless types accept none', () => {
    for (const t of [
      'configure-genesis',
      'config-validate',
      'mark-ready',
      'snapshot-upload',
      'set-genesis-peers',
    ])
      ok(t);
    ok('configure-genesis', { expectedGenesisHash: 'ab' });
    bad('configure-genesis', { expectedGenesisHash: 1 }, /expectedGenesisHash must be a string/);
  });

  it('snapshot-restore: targetHeight optional, positive integer', () => {
    ok('snapshot-restore');
    ok('snapshot-restore', { targetHeight: 100 });
    bad('snapshot-restore', { targetHeight: 0 }, /targetHeight must be a positive integer/);
    bad('snapshot-restore', { targetHeight: '5' }, /positive integer/);
  });

  it('config-apply: sei-config intent', () => {
    ok('config-apply', { mode: 'full', incremental: false, targetVersion: 0 });
    for (const mode of ['validator', 'full', 'seed', 'archive', 'rpc', 'indexer'])
      ok('config-apply', { mode });
    ok('config-apply', { incremental: true, targetVersion: 0, overrides: { 'logging.level': 'info' } });
    ok('config-apply', {
      mode: 'validator',
      overrides: {
        'network.p2p.external_address': '1.2.3.4:26656',
        'storage.state_commit.memiavl.snapshot_keep_recent': '2',
      },
    });
    bad('config-apply', { incremental: false }, /mode is required/);
    bad('config-apply', { mode: 'fullNode' }, /unknown mode "fullNode"; valid modes: validator, full/);
    bad('config-apply', { mode: 'full', incremental: 'no' }, /incremental must be a boolean/);
    bad('config-apply', { mode: 'full', targetVersion: -1 }, /targetVersion/);
    bad(
      'config-apply',
      { mode: 'full', overrides: { Logging: 'x' } },
      /override key "Logging" is not a dotted/,
    );
    bad('config-apply', { mode: 'full', overrides: { level: 'x' } }, /not a dotted/);
    bad('config-apply', { mode: 'full', overrides: { 'a.b': 1 } }, /must be a string value/);
    bad('config-apply', { mode: 'full', overrides: ['a.b'] }, /overrides must be an object/);
  });

  it('discover-peers: ≥1 source, complete per type', () => {
    ok('discover-peers', {
      sources: [
        { type: 'ec2Tags', region: 'us-east-2', tags: { Chain: 'pacific-1' } },
        { type: 'static', addresses: ['id@1.2.3.4:26656'] },
        { type: 'dnsEndpoints', endpoints: ['a-0.a.ns.svc.cluster.local'] },
      ],
    });
    bad('discover-peers', {}, /at least one peer source/);
    bad('discover-peers', { sources: [] }, /at least one peer source/);
    bad('discover-peers', { sources: [{ type: 'ec2Tags', tags: { a: 'b' } }] }, /needs a region/);
    bad('discover-peers', { sources: [{ type: 'ec2Tags', region: 'r', tags: {} }] }, /needs tags/);
    bad(
      'discover-peers',
      { sources: [{ type: 'static', addresses: [] }] },
      /addresses must be a non-empty list/,
    );
    bad('discover-peers', { sources: [{ type: 'dnsEndpoints', endpoints: [''] }] }, /non-empty strings/);
    bad('discover-peers', { sources: [{ type: 'label' }] }, /unknown type "label"/);
    bad('discover-peers', { sources: ['x'] }, /must be an object/);
  });

  it('configure-state-sync: typed optional keys', () => {
    ok('configure-state-sync');
    ok('configure-state-sync', { useLocalSnapshot: true, trustPeriod: '9999h0m0s', backfillBlocks: 10 });
    bad('configure-state-sync', { trustPeriod: '1 day' }, /trustPeriod must be a duration/);
    bad('configure-state-sync', { backfillBlocks: 0 }, /backfillBlocks/);
    bad('configure-state-sync', { useLocalSnapshot: 'yes' }, /useLocalSnapshot/);
  });

  it('result-export, generate-*, upload-genesis-artifacts: required fields', () => {
    ok('result-export', { bucket: 'b', region: 'r', prefix: 'p/' });
    bad('result-export', { region: 'r' }, /bucket is required/);
    bad('result-export', { bucket: 'b' }, /region is required/);
    ok('generate-identity', { chainId: 'c', moniker: 'm' });
    bad('generate-identity', { chainId: 'c' }, /moniker is required/);
    bad('generate-identity', { chainId: 1, moniker: 'm' }, /chainId must be a string/);
    ok('generate-gentx', { chainId: 'c', stakingAmount: '1000000usei', accountBalance: '10usei,5uatom' });
    ok('generate-gentx', { chainId: 'c', stakingAmount: '1000000usei', accountBalance: '10usei, 5uatom' });
    bad(
      'generate-gentx',
      { chainId: 'c', stakingAmount: '1000000', accountBalance: '1usei' },
      /stakingAmount must be a coin/,
    );
    bad('generate-gentx', { chainId: 'c', stakingAmount: '1usei' }, /accountBalance is required/);
    ok('upload-genesis-artifacts', { nodeName: 'v0' });
    bad('upload-genesis-artifacts', {}, /nodeName is required/);
  });

  it('assemble-and-upload-genesis: fields, ≥1 node, sei1 addresses, override keys', () => {
    const base = { accountBalance: '100usei', namespace: 'ns', nodes: [{ name: 'v0' }] };
    ok('assemble-and-upload-genesis', base);
    ok('assemble-and-upload-genesis', {
      ...base,
      accounts: [
        { address: ADDR20, balance: '5usei' },
        { address: ADDR32, balance: '5usei' },
      ],
      overrides: { 'staking.params.unbonding_time': '"60s"', 'gov.votingParams.voting_period': '"1m"' },
    });
    bad('assemble-and-upload-genesis', { ...base, nodes: [] }, /at least one node/);
    bad('assemble-and-upload-genesis', { ...base, nodes: [{}] }, /nodes\[0\] needs a name/);
    bad('assemble-and-upload-genesis', { ...base, namespace: '' }, /namespace is required/);
    bad('assemble-and-upload-genesis', { ...base, accountBalance: 'lots' }, /accountBalance must be a coin/);
    bad(
      'assemble-and-upload-genesis',
      { ...base, accounts: [{ address: 'cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu', balance: '1usei' }] },
      /not a bech32 sei1/,
    );
    bad(
      'assemble-and-upload-genesis',
      { ...base, accounts: [{ address: 'SEI1QYPQ', balance: '1usei' }] },
      /bech32/,
    );
    bad(
      'assemble-and-upload-genesis',
      { ...base, accounts: [{ address: ADDR20 }] },
      /accounts\[0\]\.balance is required/,
    );
    bad('assemble-and-upload-genesis', { ...base, overrides: { staking: 1 } }, /<module>\.<field>/);
  });
});
