import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SETTINGS } from 'nonstick';
import { repoRoot } from '../support/paths.js';

const read = (path: string): string => readFileSync(join(repoRoot(), path), 'utf8');

/** The commands of the README's "Two commands" block, comments and blank lines left out. */
function twoCommands(readme: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Two commands'));
  assert.ok(section, 'README has a "Two commands" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, '"Two commands" has a sh block');
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** The configuration reference must match the code; the README's commands must be the ones CI runs. */
describe('docs', () => {
  it('docs/configuration.md documents every worker setting with its flag and environment variable', () => {
    const rows = read('docs/configuration.md').split('\n');
    for (const s of SETTINGS) {
      const row = rows.find((l) => l.startsWith(`| \`--${s.flag}\` |`));
      assert.ok(row, `docs/configuration.md has a row for --${s.flag}`);
      assert.ok(row.includes(`\`${s.env}\``), `row for --${s.flag} names ${s.env}`);
    }
  });

  it('the README shows the two commands', () => {
    const commands = twoCommands(read('README.md'));
    assert.ok(
      commands.some((c) => /(^|&& )pnpm start$/.test(c)),
      `a command ends in pnpm start: ${JSON.stringify(commands)}`,
    );
    assert.equal(commands.at(-1), 'pnpm test');
  });

  it(".ci/run runs exactly the README's test command", () => {
    const testCommand = twoCommands(read('README.md')).at(-1);
    const ciLines = read('.ci/run')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(ciLines.at(-1), testCommand, '.ci/run ends with the README test command');
  });
});
