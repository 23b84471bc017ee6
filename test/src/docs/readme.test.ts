import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SETTINGS } from 'nonstick';
import { repoRoot } from '../support/paths.js';

/** The README is the front door: its configuration table must match the code. */
describe('README', () => {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  it('documents every worker setting with its flag and environment variable', () => {
    for (const s of SETTINGS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`--${s.flag}\` |`));
      assert.ok(row, `README has a row for --${s.flag}`);
      assert.ok(row.includes(`\`${s.env}\``), `row for --${s.flag} names ${s.env}`);
    }
  });
  it('shows the two commands', () => {
    assert.match(readme, /pnpm start/);
    assert.match(readme, /pnpm test/);
  });
});
