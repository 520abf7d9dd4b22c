import { describe, expect, it } from 'vitest';
import { EXAMPLE_PLATFORM_CONFIG } from '../../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../../constructs/render';
import {
  RENDER_CACHE_ENTRIES,
  renderCacheStats,
  renderWorkload,
} from '../../../controller/seinode/workload-render-cache';
import { exampleNode } from '../../support/examples';

/** A fresh platform config object: its own cache, independent of other tests. */
const platform = () => ({ ...EXAMPLE_PLATFORM_CONFIG });

function node(name = 'rpc') {
  const n = exampleNode('pacific-1-rpc-node.yaml');
  n.metadata = { name, namespace: 'ns', uid: 'u-1', resourceVersion: '1' };
  return n;
}

const misses = () => renderCacheStats().misses;

describe('renderWorkload (memoized render)', () => {
  it('renders once for equal inputs, whatever else of the node changes; output equals a fresh render', () => {
    const p = platform();
    const n = node();
    const m0 = misses();
    const first = renderWorkload(n, p);
    expect(first).toEqual(renderSeiNodeWorkload(n, p));
    // Fields the render does not read: resourceVersion, labels, plan, phase, conditions.
    const later = structuredClone(n);
    later.metadata.resourceVersion = '99';
    later.metadata.labels = { x: 'y' };
    later.status = { phase: 'Running', conditions: [], currentImage: 'img' };
    expect(renderWorkload(later, p)).toBe(first);
    expect(misses() - m0).toBe(1);
  });

  it('renders again when anything it reads changes (spec, uid, externalAddress, resolvedPeers, platform)', () => {
    const p = platform();
    const base = node('changes');
    const variants = [
      (n: ReturnType<typeof node>) => {
        n.spec.image = 'ghcr.io/sei-protocol/seid:v9';
      },
      (n: ReturnType<typeof node>) => {
        n.metadata.uid = 'u-2';
      },
      (n: ReturnType<typeof node>) => {
        n.status = { externalAddress: 'p2p.example.com:26656' };
      },
      (n: ReturnType<typeof node>) => {
        n.status = { resolvedPeers: ['a.ns.svc.cluster.local'] };
      },
    ];
    const baseline = renderWorkload(base, p);
    for (const [i, change] of variants.entries()) {
      const n = structuredClone(base);
      change(n);
      const out = renderWorkload(n, p);
      expect(out, `variant ${i}`).not.toEqual(baseline);
      expect(out).toEqual(renderSeiNodeWorkload(n, p));
    }
    const other = { ...p, storageClassPerf: 'other-class' };
    expect(renderWorkload(base, other)).toEqual(renderSeiNodeWorkload(base, other));
    expect(renderWorkload(base, other)).not.toEqual(baseline);
  });

  it('returns frozen manifests (shared between callers)', () => {
    const out = renderWorkload(node('frozen'), platform());
    expect(Object.isFrozen(out)).toBe(true);
    expect(Object.isFrozen(out[0]?.metadata)).toBe(true);
    expect(() => {
      (out[0]?.metadata as Record<string, unknown>).name = 'x';
    }).toThrow(TypeError);
  });

  it('memoizes render errors until the inputs change', () => {
    const p = platform();
    const n = exampleNode('validator-with-keys.yaml');
    n.metadata = { name: 'bad', namespace: 'ns', uid: 'u-3' };
    const keyring = n.spec.validator?.operatorKeyring?.secret?.secretName as string;
    (n.spec.validator?.signingKey?.secret as { secretName: string }).secretName = keyring;
    const m0 = misses();
    expect(() => renderWorkload(n, p)).toThrow(/invalid manifests/);
    expect(() => renderWorkload(n, p)).toThrow(/invalid manifests/);
    expect(misses() - m0).toBe(1);
  });

  it(`keeps at most ${RENDER_CACHE_ENTRIES} renders per platform, evicting the least recently used`, () => {
    const p = platform();
    const hot = node('hot');
    renderWorkload(hot, p);
    for (let i = 0; i < RENDER_CACHE_ENTRIES; i++) {
      renderWorkload(node(`n${i}`), p);
      if (i % 16 === 0) renderWorkload(hot, p); // recently used: survives
    }
    const m0 = misses();
    renderWorkload(hot, p);
    expect(misses() - m0).toBe(0);
    renderWorkload(node('n0'), p); // the oldest: evicted
    expect(misses() - m0).toBe(1);
  });
});
