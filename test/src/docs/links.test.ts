import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths.js';
import { anchors, linkTargets, slug } from './markdown.js';

const ROOT = repoRoot();
const DOCS = join(ROOT, 'docs');
const pages = [
  'README.md',
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const text = new Map(pages.map((p) => [p, readFileSync(join(ROOT, p), 'utf8')]));

/** A relative link from `page` to `target` (path and/or `#anchor`), or why it does not resolve. */
function brokenLink(page: string, target: string): string | null {
  const hash = target.indexOf('#');
  const path = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), decodeURIComponent(path));
  const rel = relative(ROOT, file);
  if (rel.startsWith('..')) return `${target} leaves the repository`;
  if (!existsSync(file)) return `${target}: ${rel} does not exist`;
  if (anchor === null) return null;
  if (!rel.endsWith('.md') || statSync(file).isDirectory()) return `${target}: an anchor into ${rel}, which has no headings`;
  if (!anchors(text.get(rel) ?? readFileSync(file, 'utf8')).has(anchor)) return `${target}: ${rel} has no heading #${anchor}`;
  return null;
}

describe('docs links', () => {
  it('anchors follow GitHub: punctuation and code marks dropped, spaces to hyphens, repeats numbered', () => {
    assert.equal(slug('Where Nonstick differs from socket.io, and why'), 'where-nonstick-differs-from-socketio-and-why');
    assert.equal(slug('Worker configuration (the `nonstick` bin)'), 'worker-configuration-the-nonstick-bin');
    assert.equal(slug('Socket.IO 0.6–0.9 clients'), 'socketio-0609-clients');
    assert.equal(slug('See [the docs](docs/x.md) now'), 'see-the-docs-now');
    assert.deepEqual([...anchors('# A\n\n```\n# not a heading\n```\n\n## A\n### B c\n')], ['a', 'a-1', 'b-c']);
  });

  it('finds links outside code only', () => {
    assert.deepEqual(linkTargets('[a](x.md) `[b](y.md)` [c](z.md#q "title")\n```\n[d](w.md)\n```\n'), ['x.md', 'z.md#q']);
  });

  it('every relative link and #anchor in README.md and docs/*.md resolves', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      for (const target of linkTargets(text.get(page)!)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        checked++;
        const why = brokenLink(page, target);
        if (why) broken.push(`${page}: ${why}`);
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(checked >= pages.length, `only ${checked} relative links in ${pages.length} pages`);
  });

  it('the README links every page in docs/', () => {
    const linked = new Set(
      linkTargets(text.get('README.md')!)
        .map((t) => t.split('#')[0]!)
        .filter(Boolean)
        .map((t) => relative(ROOT, resolve(ROOT, t))),
    );
    const unlinked = pages.filter((p) => p !== 'README.md' && !linked.has(p));
    assert.deepEqual(unlinked, [], 'pages in docs/ the README does not link to');
  });
});
