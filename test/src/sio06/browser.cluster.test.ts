// The cluster half of browser.test.ts, a file of its own so the test runner can
// run it alongside the single-worker half (see splitTargets).
process.env['NONSTICK_TEST_TARGET'] = 'cluster';
await import('./browser.test.js');
