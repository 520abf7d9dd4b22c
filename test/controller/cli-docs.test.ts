import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('controller CLI', () => {
  it('documents every flag in the README', () => {
    const main = readFileSync(join(root, 'controller', 'main.ts'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const flags = [...main.matchAll(/['"`](--[a-z][a-z-]+)[ '"`]/g)].map((m) => m[1] as string);
    const unique = [...new Set(flags)].filter((f) => f !== '--help');
    expect(unique.length).toBeGreaterThanOrEqual(12);
    for (const flag of unique) expect(readme, `${flag} missing from README`).toContain(`\`${flag}`);
  });
});
