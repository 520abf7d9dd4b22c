import { describe, expect, it } from 'vitest';
import { Selector } from '../../../controller/kube/label-selector.js';

describe('Selector', () => {
  const labels = { app: 'sei', tier: 'rpc', 'sei.io/node': 'n-0' };

  it.each([
    ['', true],
    ['app=sei', true],
    ['app==sei', true],
    ['app=other', false],
    ['app!=other', true],
    ['missing!=x', true],
    ['app!=sei', false],
    ['tier in (rpc,archive)', true],
    ['tier in (archive)', false],
    ['tier notin (archive, validator)', true],
    ['missing notin (a)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['sei.io/node=n-0,app=sei,tier in (rpc)', true],
    ['sei.io/node=n-0,app=other', false],
    ['app=', false],
  ])('%s → %s', (sel, expected) => {
    expect(Selector.from(sel).matches(labels)).toBe(expected);
  });

  it('empty value matches a label with empty value only', () => {
    expect(Selector.from('app=').matches({ app: '' })).toBe(true);
  });

  it('missing labels satisfy only negative requirements', () => {
    expect(Selector.from('a!=b,!c,d notin (x)').matches(undefined)).toBe(true);
    expect(Selector.from('a').matches(undefined)).toBe(false);
  });

  it('accepts LabelSelector objects and plain maps, and renders the server string form', () => {
    const s = Selector.from({
      matchLabels: { app: 'sei' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['rpc', 'archive'] },
        { key: 'x', operator: 'DoesNotExist' },
        { key: 'y', operator: 'Exists' },
        { key: 'z', operator: 'NotIn', values: ['1'] },
      ],
    });
    expect(s.toString()).toBe('app=sei,tier in (rpc,archive),!x,y,z!=1');
    expect(s.matches({ app: 'sei', tier: 'archive', y: '' })).toBe(true);
    expect(Selector.from({ app: 'sei', tier: 'rpc' }).toString()).toBe('app=sei,tier=rpc');
    expect(Selector.from({}).empty).toBe(true);
    expect(Selector.from(undefined).toString()).toBe('');
  });

  it('round-trips through its string form', () => {
    const text = 'a=b,c!=d,e in (x,y),f notin (z,w),g,!h';
    expect(Selector.from(text).toString()).toBe(text);
  });

  it('rejects malformed selectors', () => {
    expect(() => Selector.from('a in ()')).toThrow(SyntaxError);
    expect(() => Selector.from('a b')).toThrow(SyntaxError);
    expect(() => Selector.from({ matchExpressions: [{ key: 'a', operator: 'Bogus' as 'In' }] })).toThrow(
      SyntaxError,
    );
  });
});
