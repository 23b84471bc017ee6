/**
 * Static checks of the container deployment (Docker does not run on the test
 * machines): docker-compose.yml, the Dockerfile, Prometheus and Grafana
 * provisioning, the dashboard's PromQL, and the compose nginx config, which
 * is run through `nginx -t` with its DNS-based upstream swapped for a
 * loopback server line.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadApp, loadConfig, SETTINGS } from 'nonstick';
import { parse as parseYaml } from 'yaml';
import { spawnChild } from '../support/children.js';
import { nginxBinary } from '../support/nginx.js';
import { makeTempDir, repoRoot } from '../support/paths.js';

const ROOT = repoRoot();
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const yamlFile = (p: string): any => parseYaml(read(p));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const compose: Any = yamlFile('docker-compose.yml');
const services: Record<string, Any> = compose.services;

/**
 * Compose's variable interpolation as `docker compose` does it with `host` as
 * the shell environment: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$`.
 */
function interpolate(text: string, host: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}|\$(\w+)/g, (m, braced?: string, op?: string, fallback?: string, bare?: string) => {
    if (m === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = host[name];
    if (op === ':-') return v ? v : fallback!;
    if (op === '-') return v !== undefined ? v : fallback!;
    return v ?? '';
  });
}

/** The worker's env, as a plain object (compose allows a map or a list of K=V), interpolated with `host`. */
function envOf(service: Any, host: Record<string, string> = {}): Record<string, string> {
  const env = service.environment ?? {};
  const pairs: Array<[string, string]> = Array.isArray(env)
    ? env.map((kv: string) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])
    : Object.entries(env).map(([k, v]) => [k, String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, host)]));
}

/** Host side of a short-syntax volume (`./a:/b:ro`), relative to the repo, interpolated with `host`; undefined for named volumes. */
function bindSource(volume: Any, host: Record<string, string> = {}): { source: string; target: string } | undefined {
  if (typeof volume === 'object') return volume.type === 'bind' ? { source: volume.source, target: volume.target } : undefined;
  const [source, target] = interpolate(String(volume), host).split(':');
  if (!source || !target || !/^[./~]/.test(source)) return undefined;
  return { source, target };
}

/** Short-syntax port mappings as { host, container }. */
function portsOf(service: Any): Array<{ host: string | undefined; container: number }> {
  return (service.ports ?? []).map((p: Any) => {
    if (typeof p === 'object') return { host: p.published === undefined ? undefined : String(p.published), container: Number(p.target) };
    const parts = String(p).split(':');
    const container = Number(parts.pop()!.split('/')[0]);
    return { host: parts.length ? parts[parts.length - 1] : undefined, container };
  });
}

/** Dockerfile instructions with continuation lines joined. */
function dockerInstructions(text: string): Array<{ op: string; args: string; stage: number }> {
  const out: Array<{ op: string; args: string; stage: number }> = [];
  let stage = -1;
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: m[2]!, stage });
  }
  return out;
}

/** `include NAME;` inside nginx.conf's upstream block, resolved as nginx would (relative to the conf dir). */
const NGINX_UPSTREAM_PORT_RE = /server\s+worker:(\d+)/;

describe('docker-compose.yml', () => {
  it('has the redis, worker, nginx, prometheus and grafana services on the expected images', () => {
    for (const name of ['redis', 'worker', 'nginx', 'prometheus', 'grafana']) assert.ok(services[name], `service ${name}`);
    assert.match(services.redis.image, /^redis:7/);
    // Pinned to a release (at least major.minor), none floating on a major or `latest`.
    for (const [name, svc] of Object.entries(services)) {
      if (svc.image === undefined || svc.build !== undefined) continue;
      assert.match(String(svc.image), /:v?\d+\.\d+/, `${name}: image ${String(svc.image)} is pinned`);
    }
    assert.match(services.nginx.image, /^nginx:/);
    assert.match(services.prometheus.image, /^prom\/prometheus/);
    assert.match(services.grafana.image, /^grafana\/grafana/);
  });

  it('builds the worker from the repo root and lets it scale (no container_name, no host port, replicas)', () => {
    const w = services.worker;
    const build = typeof w.build === 'string' ? { context: w.build } : w.build;
    assert.equal(resolve(ROOT, build.context), ROOT);
    assert.ok(existsSync(join(ROOT, build.context, build.dockerfile ?? 'Dockerfile')), 'the Dockerfile it builds');
    assert.equal(w.container_name, undefined, 'a container_name would prevent scaling');
    for (const p of portsOf(w)) assert.equal(p.host, undefined, `worker publishes a fixed host port: ${JSON.stringify(p)}`);
    assert.ok(Number(w.deploy?.replicas) >= 2, 'deploy.replicas');
  });

  it('configures the worker only through environment variables the worker knows (SETTINGS)', () => {
    const env = envOf(services.worker);
    const known = new Set(SETTINGS.map((s) => s.env));
    for (const k of Object.keys(env)) assert.ok(known.has(k), `${k} is not a worker setting (known: ${[...known].join(', ')})`);
    assert.equal(env.REDIS_URL, 'redis://redis:6379');
    assert.equal(env.HOST, '0.0.0.0');
    assert.match(env.PORT ?? '', /^\d+$/);
    if (env.NONSTICK_DEMO) assert.ok(['chat', 'echo'].includes(env.NONSTICK_DEMO));
  });

  it('serves the chat demo by default, and the app NONSTICK_APP names in the directory NONSTICK_APP_DIR mounts', async () => {
    // Nothing set where compose runs: no app and no demo asked for, which the bin serves as the chat demo.
    const plain = loadConfig([], envOf(services.worker));
    assert.equal(plain.app, null);
    assert.equal(plain.demo, null);
    // The example the header comment gives.
    const host = { NONSTICK_APP: '/app/user/example.mjs' };
    assert.ok(read('docker-compose.yml').includes(`NONSTICK_APP=${host.NONSTICK_APP} docker compose up`), 'the header shows the example');
    const config = loadConfig([], envOf(services.worker, host));
    assert.equal(config.app, host.NONSTICK_APP);
    const appPath = config.app ?? assert.fail('no app');
    const mounts = (services.worker.volumes ?? []).map((v: Any) => bindSource(v, host)).filter(Boolean) as Array<{ source: string; target: string }>;
    const mount = mounts.find((m) => appPath.startsWith(`${m.target}/`));
    assert.ok(mount, `${appPath} lies in a directory mounted into the worker: ${JSON.stringify(mounts)}`);
    assert.ok(!mount.target.startsWith('/app/packages'), 'the mount leaves the deployed worker package alone');
    // What the workers would load, loaded here: it exports setup.
    const app = await loadApp(join(ROOT, mount.source, appPath.slice(mount.target.length + 1)));
    assert.equal(typeof app.setup, 'function');
    // NONSTICK_APP_DIR mounts another directory there instead.
    const volume = (services.worker.volumes ?? []).find((v: Any) => bindSource(v)?.target === mount.target);
    assert.deepEqual(bindSource(volume, { NONSTICK_APP_DIR: '../my-app' }), { source: '../my-app', target: mount.target });
  });

  it('every bind-mounted file or directory exists', () => {
    let count = 0;
    for (const [name, svc] of Object.entries(services)) {
      for (const v of svc.volumes ?? []) {
        const b = bindSource(v);
        if (!b) continue;
        count++;
        assert.ok(existsSync(join(ROOT, b.source)), `${name}: ${b.source} (mounted at ${b.target}) does not exist`);
      }
    }
    assert.ok(count >= 6, `expected the nginx, prometheus and grafana mounts, found ${count}`);
  });

  it("nginx starts routing once the workers are ready (their healthcheck asks /ready), and Grafana is not on pnpm start's port", () => {
    const hc = services.worker.healthcheck;
    assert.ok(hc, 'the worker service has a healthcheck');
    assert.match(JSON.stringify(hc.test), /\/ready/);
    assert.equal(services.nginx.depends_on?.worker?.condition, 'service_healthy');
    const published = (services.grafana.ports ?? []).map((p: Any) => String(p).split(':')[0]);
    assert.ok(published.length > 0 && !published.includes('3000'), `grafana's host port (${published.join(', ')}) is not 3000`);
    assert.ok(read('docs/deploying.md').includes(`http://localhost:${published[0]}/`), "docs/deploying.md names grafana's port");
  });

  it('nginx uses the project config, the compose upstream and publishes the port listen.conf and docs/deploying.md say', () => {
    const mounts = (services.nginx.volumes ?? []).map(bindSource).filter(Boolean) as Array<{ source: string; target: string }>;
    const byTarget = new Map(mounts.map((m) => [m.target, relative(ROOT, join(ROOT, m.source))]));
    assert.equal(byTarget.get('/etc/nginx/nginx.conf'), 'deploy/nginx/nginx.conf');
    assert.equal(byTarget.get('/etc/nginx/upstream.conf'), 'deploy/nginx/compose/upstream.conf');
    const listenFile = byTarget.get('/etc/nginx/listen.conf');
    assert.ok(listenFile, 'listen.conf mounted');
    const listenPort = Number(/^\s*listen\s+(?:[^\s;]*:)?(\d+)/m.exec(read(listenFile))?.[1]);
    assert.ok(listenPort > 0, 'listen port');
    const published = portsOf(services.nginx);
    assert.ok(
      published.some((p) => p.container === listenPort && p.host === String(listenPort)),
      `nginx publishes ${listenPort}:${listenPort}: ${JSON.stringify(published)}`,
    );
    assert.ok(read('docs/deploying.md').includes(`http://localhost:${listenPort}/`), `docs/deploying.md gives the URL on port ${listenPort}`);
  });

  it('nginx, prometheus and the worker agree on the worker port', () => {
    const port = Number(envOf(services.worker).PORT);
    const upstream = read('deploy/nginx/compose/upstream.conf');
    assert.equal(Number(NGINX_UPSTREAM_PORT_RE.exec(upstream)?.[1]), port, 'nginx upstream port');
    const prom: Any = yamlFile('deploy/prometheus/prometheus.yml');
    const job = prom.scrape_configs.find((j: Any) => j.dns_sd_configs);
    assert.ok(job, 'a scrape job with dns_sd_configs');
    assert.equal(job.metrics_path ?? '/metrics', '/metrics');
    const sd = job.dns_sd_configs[0];
    assert.equal(sd.type, 'A');
    assert.equal(Number(sd.port), port, 'prometheus scrape port');
    assert.ok(
      sd.names.some((n: string) => n === 'worker' || n === 'tasks.worker'),
      `DNS names ${JSON.stringify(sd.names)} find the worker service`,
    );
    const expose = (services.worker.expose ?? []).map(Number);
    if (expose.length) assert.ok(expose.includes(port), 'worker expose');
    assert.match(read('Dockerfile'), new RegExp(`^EXPOSE\\s+${port}\\b`, 'm'));
  });

  it('the compose upstream resolves the scaled service through Docker DNS, with no stickiness', () => {
    const upstream = read('deploy/nginx/compose/upstream.conf').replace(/#.*$/gm, '');
    assert.match(upstream, /resolver\s+127\.0\.0\.11\b[^;]*valid=\d+s/);
    assert.match(upstream, /server\s+worker:\d+\s+[^;]*\bresolve\b/);
    const conf = read('deploy/nginx/nginx.conf').replace(/#.*$/gm, '');
    assert.doesNotMatch(upstream + conf, /\b(ip_hash|hash|sticky|least_conn)\b/);
    assert.match(conf, /zone\s+nonstick_workers/, '`resolve` needs the upstream zone');
  });
});

describe('grafana provisioning', () => {
  it('datasource points at the prometheus service; dashboard provider loads the mounted dashboards', () => {
    const dsFile: Any = yamlFile('deploy/grafana/provisioning/datasources/prometheus.yml');
    assert.equal(dsFile.apiVersion, 1);
    const ds = dsFile.datasources.find((d: Any) => d.type === 'prometheus');
    assert.equal(ds.url, 'http://prometheus:9090');
    assert.ok(portsOf(services.prometheus).some((p) => p.container === 9090));

    const prov: Any = yamlFile('deploy/grafana/provisioning/dashboards/nonstick.yml');
    assert.equal(prov.apiVersion, 1);
    const path: string = prov.providers[0].options.path;
    const mount = (services.grafana.volumes ?? []).map(bindSource).find((m: Any) => m && m.target === path);
    assert.ok(mount, `grafana mounts something at the provider path ${path}`);
    assert.equal(relative(ROOT, join(ROOT, mount.source)), 'deploy/grafana/dashboards');
    assert.ok(existsSync(join(ROOT, mount.source, 'nonstick.json')));
  });
});

/** Metric names the workers export (packages/server/src/metrics). */
const NONSTICK_METRICS = {
  gauge: ['nonstick_sessions', 'nonstick_polls_waiting', 'nonstick_socketio_sockets', 'nonstick_redis_up', 'nonstick_event_loop_lag_seconds'],
  counter: [
    'nonstick_handshakes_total',
    'nonstick_packets_total',
    'nonstick_bytes_total',
    'nonstick_relays_total',
    'nonstick_broadcasts_total',
    'nonstick_heartbeat_timeouts_total',
    'nonstick_errors_total',
  ],
  histogram: [
    'nonstick_poll_wait_seconds',
    'nonstick_relay_latency_seconds',
    'nonstick_queue_depth',
    'nonstick_bus_lag_seconds',
    'nonstick_redis_command_duration_seconds',
  ],
};
/** prom-client's collectDefaultMetrics(). */
const PROM_CLIENT_DEFAULTS = {
  gauge: [
    'process_cpu_user_seconds_total',
    'process_cpu_system_seconds_total',
    'process_cpu_seconds_total',
    'process_start_time_seconds',
    'process_resident_memory_bytes',
    'process_virtual_memory_bytes',
    'process_heap_bytes',
    'process_open_fds',
    'process_max_fds',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_min_seconds',
    'nodejs_eventloop_lag_max_seconds',
    'nodejs_eventloop_lag_mean_seconds',
    'nodejs_eventloop_lag_stddev_seconds',
    'nodejs_eventloop_lag_p50_seconds',
    'nodejs_eventloop_lag_p90_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_active_resources',
    'nodejs_active_resources_total',
    'nodejs_active_handles',
    'nodejs_active_handles_total',
    'nodejs_active_requests',
    'nodejs_active_requests_total',
    'nodejs_heap_size_total_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_external_memory_bytes',
    'nodejs_heap_space_size_total_bytes',
    'nodejs_heap_space_size_used_bytes',
    'nodejs_heap_space_size_available_bytes',
    'nodejs_version_info',
  ],
  histogram: ['nodejs_gc_duration_seconds'],
};
const HISTOGRAMS = new Set([...NONSTICK_METRICS.histogram, ...PROM_CLIENT_DEFAULTS.histogram]);
const ALLOWED = new Set<string>([...NONSTICK_METRICS.gauge, ...NONSTICK_METRICS.counter, ...PROM_CLIENT_DEFAULTS.gauge]);
for (const h of HISTOGRAMS) for (const s of ['_bucket', '_sum', '_count']) ALLOWED.add(h + s);

const PROMQL_WORDS = new Set([
  // aggregations, keywords and binary operators
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels, strings, durations or variables. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range/subquery durations
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\$\{?\w+\}?/g, ' ') // dashboard variables
    .replace(/(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w])/gi, ' '); // numbers
  const names: string[] = [];
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2]) continue; // function call
    if (PROMQL_WORDS.has(m[1]!)) continue;
    names.push(m[1]!);
  }
  return names;
}

describe('grafana dashboard', () => {
  const dashboard: Any = JSON.parse(read('deploy/grafana/dashboards/nonstick.json'));
  const panels: Any[] = dashboard.panels.flatMap((p: Any) => [p, ...(p.panels ?? [])]).filter((p: Any) => p.type !== 'row');
  const exprs: Array<{ panel: string; expr: string }> = panels.flatMap((p) => (p.targets ?? []).map((t: Any) => ({ panel: p.title, expr: String(t.expr) })));
  const varQueries: string[] = dashboard.templating.list
    .filter((v: Any) => v.type === 'query')
    .map((v: Any) => (typeof v.query === 'string' ? v.query : v.query.query));

  it('the metric-name extractor sees metrics and nothing else', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (client, le) (rate(nonstick_redis_command_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
      ),
      ['nonstick_redis_command_duration_seconds_bucket'],
    );
    assert.deepEqual(metricNames('sum(rate(a_total[5m])) / on(instance) group_left b + 1e3'), ['a_total', 'b']);
    assert.deepEqual(metricNames('label_values(nonstick_sessions{job=~"$job"}, instance)'), ['nonstick_sessions', 'instance']);
  });

  it('has a uid, a title, a worker (instance) variable and a Prometheus datasource', () => {
    assert.equal(dashboard.uid, 'nonstick');
    assert.ok(dashboard.title);
    const inst = dashboard.templating.list.find((v: Any) => v.name === 'instance');
    assert.ok(inst && inst.multi && inst.includeAll, 'multi-value instance variable with All');
    assert.ok(dashboard.templating.list.some((v: Any) => v.type === 'datasource' && v.query === 'prometheus'));
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const p of panels) {
      assert.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title}: gridPos`);
      assert.ok(p.fieldConfig?.defaults?.unit, `${p.title}: has a unit`);
      assert.ok(p.description, `${p.title}: has a description`);
    }
  });

  it('every panel queries by worker and every metric name is one the workers export', () => {
    assert.ok(exprs.length >= 20, `${exprs.length} queries`);
    for (const { panel, expr } of exprs) {
      assert.match(expr, /instance=~"\$instance"/, `${panel}: filters by the worker variable`);
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${panel}: ${expr} uses no metric`);
      for (const n of names) assert.ok(ALLOWED.has(n), `${panel}: unknown metric ${n} in ${expr}`);
    }
    for (const q of varQueries) {
      const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q);
      assert.ok(m, `variable query ${q}`);
      for (const n of metricNames(m[1]!)) assert.ok(ALLOWED.has(n), `variable: unknown metric ${n}`);
    }
  });

  it('uses every worker metric, rates for counters and histogram_quantile for histograms', () => {
    const all = exprs.map((e) => e.expr).join('\n');
    for (const m of [
      ...NONSTICK_METRICS.gauge,
      ...NONSTICK_METRICS.counter,
      ...NONSTICK_METRICS.histogram,
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
    ]) {
      assert.match(all, new RegExp(`\\b${m}`), `dashboard uses ${m}`);
    }
    for (const { panel, expr } of exprs) {
      for (const c of [...NONSTICK_METRICS.counter, 'process_cpu_seconds_total']) {
        if (metricNames(expr).includes(c)) assert.match(expr, new RegExp(`(rate|increase)\\(${c}\\b`), `${panel}: counter ${c} only through rate()`);
      }
      for (const h of metricNames(expr).filter((n) => n.endsWith('_bucket'))) {
        assert.match(
          expr,
          new RegExp(`histogram_quantile\\(0?\\.\\d+,\\s*sum by \\(([\\w, ]*\\b)?le\\b[^)]*\\) \\(rate\\(${h}`),
          `${panel}: ${h} through histogram_quantile(sum by (le) (rate()))`,
        );
      }
    }
    for (const h of NONSTICK_METRICS.histogram) {
      for (const p of ['0.5', '0.99'])
        assert.ok(
          exprs.some((e) => e.expr.includes(`histogram_quantile(${p}, `) && e.expr.includes(`${h}_bucket`)) || h === 'nonstick_bus_lag_seconds',
          `${h} p${p}`,
        );
    }
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const ins = dockerInstructions(text);
  const lastStage = Math.max(...ins.map((i) => i.stage));

  it('is multi-stage: a build stage and a node:24.x.y-bookworm-slim runtime (a supported Node, pinned)', () => {
    const froms = ins.filter((i) => i.op === 'FROM');
    assert.ok(froms.length >= 2, 'at least two stages');
    for (const from of froms) assert.match(from.args, /^node:24\.\d+\.\d+-bookworm-slim\b/, `FROM ${from.args}`);
    assert.ok(
      ins.some((i) => i.op === 'COPY' && i.stage === lastStage && /--from=/.test(i.args)),
      'runtime copies from the build stage',
    );
    assert.ok(
      ins.some((i) => i.op === 'RUN' && i.stage < lastStage && /pnpm (install|fetch)\b.*--frozen-lockfile|--frozen-lockfile.*pnpm install/.test(i.args)),
      'frozen-lockfile install',
    );
    assert.ok(
      ins.some((i) => i.op === 'RUN' && i.stage < lastStage && /pnpm .*deploy .*--prod/.test(i.args)),
      'production-only deploy',
    );
    assert.ok(!ins.some((i) => i.op === 'RUN' && i.stage === lastStage && /pnpm|npm (i|install)/.test(i.args)), 'runtime installs nothing');
  });

  it('every file a COPY takes from the build context exists and is not excluded by .dockerignore', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const ignored = (p: string) =>
      ignore.some((pat) => {
        const re = new RegExp(
          `^${pat
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*\*\//g, '\0')
            .replace(/\*/g, '[^/]*')
            .replace(/\0/g, '(.*/)?')}(/.*)?$`,
        );
        return re.test(p);
      });
    for (const i of ins.filter((x) => x.op === 'COPY' && !/--from=/.test(x.args))) {
      const parts = i.args.split(/\s+/).filter((a) => !a.startsWith('--'));
      for (const src of parts.slice(0, -1)) {
        if (src === '.') continue;
        assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: missing`);
        assert.ok(!ignored(src), `COPY ${src}: excluded by .dockerignore`);
      }
    }
    // What the build needs from `COPY . .` must survive .dockerignore.
    for (const p of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'tsconfig.base.json',
      'packages/nonstick/src/bin.ts',
      'packages/server/package.json',
    ]) {
      assert.ok(!ignored(p), `${p} is excluded by .dockerignore`);
    }
    for (const p of ['node_modules', 'packages/server/dist', 'packages/nonstick/dist/tsconfig.tsbuildinfo', '.git'])
      assert.ok(ignored(p), `${p} should be excluded`);
  });

  it('runs as a non-root user, exposes the worker port and runs the built bin', () => {
    const user = ins.filter((i) => i.op === 'USER' && i.stage === lastStage).pop();
    assert.ok(user, 'runtime sets USER');
    assert.doesNotMatch(user.args, /^(root|0)(:|$)/);
    const cmd = ins.filter((i) => i.op === 'CMD' && i.stage === lastStage).pop();
    assert.ok(cmd, 'CMD');
    const argv: string[] = JSON.parse(cmd.args);
    assert.deepEqual(argv, ['node', 'packages/nonstick/dist/src/bin.js']);
    // The build produces that file: the package's build compiles src/bin.ts to dist/src/bin.js.
    assert.ok(existsSync(join(ROOT, 'packages/nonstick/src/bin.ts')));
    const tsconfig = JSON.parse(read('packages/nonstick/tsconfig.json'));
    assert.equal(tsconfig.compilerOptions?.outDir, 'dist');
    const workdir = ins.filter((i) => i.op === 'WORKDIR' && i.stage === lastStage).pop()?.args;
    assert.ok(workdir, 'runtime WORKDIR');
    const copy = ins.find((i) => i.op === 'COPY' && i.stage === lastStage && /--from=/.test(i.args))!;
    const dest = copy.args.split(/\s+/).pop()!;
    assert.equal(resolve(workdir, dest), resolve(workdir, 'packages/nonstick'), 'the deployed package lands where CMD looks');
    assert.ok(
      ins.some((i) => i.op === 'RUN' && /test -f \/out\/dist\/src\/bin\.js/.test(i.args)),
      'the build stage checks the bin was built',
    );
  });

  it("docs/deploying.md's Dockerfile for your app builds on this image and points NONSTICK_APP at the file it copies", () => {
    const block = /```dockerfile\n([\s\S]*?)```/.exec(read('docs/deploying.md'))?.[1];
    assert.ok(block, 'a ```dockerfile block in docs/deploying.md');
    const own = dockerInstructions(block);
    const from = own.find((i) => i.op === 'FROM');
    assert.equal(from?.args.split(':')[0], String(services.worker.image).split(':')[0], 'FROM the image compose builds');
    const workdir = ins.filter((i) => i.op === 'WORKDIR' && i.stage === lastStage).pop()!.args;
    const copy = own.find((i) => i.op === 'COPY');
    assert.ok(copy, 'COPY');
    const [src, dest] = copy.args.split(/\s+/) as [string, string];
    const copied = resolve(workdir, dest.endsWith('/') ? join(dest, src) : dest);
    const env = own.find((i) => i.op === 'ENV' && /\bNONSTICK_APP=/.test(i.args));
    const appPath = /\bNONSTICK_APP=(\S+)/.exec(env?.args ?? '')?.[1];
    assert.ok(appPath, 'ENV NONSTICK_APP=…');
    assert.equal(resolve(workdir, appPath), copied, 'NONSTICK_APP names the copied file');
    assert.match(appPath, /\.(js|mjs|cjs)$/);
    assert.ok(!own.some((i) => i.op === 'USER' || i.op === 'CMD' || i.op === 'ENTRYPOINT'), "the image's user and command stay");
  });

  it('HEALTHCHECK hits /health on the worker port', () => {
    const hc = ins.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(hc, 'HEALTHCHECK');
    assert.match(hc.args, /\/health\b/);
    assert.match(hc.args, /PORT|3000/);
    // The route the image's HEALTHCHECK asks for must be one the worker serves.
    const sources = walk(join(ROOT, 'packages')).filter((f) => f.endsWith('.ts') && f.includes('/src/') && !f.includes('/node_modules/'));
    const served = sources.some((f) => /['"`]\/health['"`]/.test(readFileSync(f, 'utf8')));
    assert.ok(served, 'a worker route "/health" in packages/*/src');
  });
});

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

describe('compose nginx config', () => {
  it('passes nginx -t with the compose upstream include swapped for a loopback server', async () => {
    const temp = makeTempDir('nginx-compose');
    try {
      copyFileSync(join(ROOT, 'deploy/nginx/nginx.conf'), join(temp.path, 'nginx.conf'));
      copyFileSync(join(ROOT, 'deploy/nginx/listen.conf'), join(temp.path, 'listen.conf'));
      // The compose upstream, with its Docker-DNS-only lines replaced: the
      // resolver (127.0.0.11 exists only inside containers) and `resolve`
      // (nginx >= 1.27.3; the image has it, this machine may not).
      const composeUpstream = read('deploy/nginx/compose/upstream.conf');
      const local = composeUpstream.replace(/^\s*resolver(_timeout)?\s[^;]*;/gm, '').replace(/^\s*server\s+worker:(\d+)[^;]*;/m, 'server 127.0.0.1:$1;');
      assert.notEqual(local, composeUpstream);
      assert.doesNotMatch(local.replace(/#.*$/gm, ''), /worker:|resolver/);
      writeFileSync(join(temp.path, 'upstream.conf'), local);
      const log = join(temp.path, 'error.log');
      const global = [`pid ${join(temp.path, 'nginx.pid')};`, `error_log ${log};`].join(' ');
      const check = spawnChild(nginxBinary(), ['-t', '-p', `${temp.path}/`, '-c', join(temp.path, 'nginx.conf'), '-e', log, '-g', global], {
        name: 'nginx -t',
      });
      const exit = await check.waitForExit(10_000);
      assert.equal(exit.code, 0, check.tail());
      assert.match(check.lines().join('\n'), /syntax is ok/);
    } finally {
      temp.remove();
    }
  });
});
