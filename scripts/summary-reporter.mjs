// A node:test reporter that writes one JSON line at the end: the runner's own
// counters (tests, pass, fail, cancelled, skipped, todo) and each file's wall
// time (its subprocess, start-up included). scripts/run-tests.mjs adds these up over
// the tiers it runs.
const COUNTERS = new Set(['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms']);

export default async function* summaryReporter(source) {
  const counts = {};
  const fileMs = {};
  for await (const event of source) {
    const { type, data } = event;
    // The runner's own entry for a whole file is the one named after it.
    if (type === 'test:complete' && data.nesting === 0 && data.file && data.name === data.file) {
      fileMs[data.file] = data.details?.duration_ms ?? 0;
    } else if (type === 'test:diagnostic' && data.nesting === 0) {
      const [name, value] = String(data.message).split(' ');
      if (COUNTERS.has(name) && value !== undefined) counts[name] = Number(value);
    }
  }
  yield `${JSON.stringify({ counts, fileMs })}\n`;
}
