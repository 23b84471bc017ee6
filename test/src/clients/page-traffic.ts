import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';

export interface NetEntry {
  t: number;
  kind: 'request' | 'response' | 'ws-open' | 'ws-sent' | 'ws-received' | 'ws-close' | 'failed';
  method?: string;
  url: string;
  status?: number;
  /** POST body, response body (polling GETs only) or frame payload. */
  body?: string;
}

/**
 * The network traffic of a Playwright page, for assertions on what an old
 * browser client really sent and received: requests with their POST bodies,
 * the bodies of polling GETs (`pollingGet` tells them apart; their answers
 * are complete, unlike streams'), WebSocket frames; and page errors.
 */
export class PageTraffic {
  readonly net: NetEntry[] = [];
  readonly problems: string[] = [];
  readonly #pending: Array<Promise<unknown>> = [];

  constructor(page: Page, pollingGet: RegExp) {
    const push = (e: Omit<NetEntry, 't'>) => this.net.push({ t: Date.now(), ...e });
    page.on('pageerror', (err) => this.problems.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => {
      const body = r.postData();
      push({ kind: 'request', method: r.method(), url: r.url(), ...(body !== null ? { body } : {}) });
    });
    page.on('requestfailed', (r) => push({ kind: 'failed', method: r.method(), url: r.url(), body: r.failure()?.errorText ?? '' }));
    page.on('response', (r) => {
      const req = r.request();
      if (req.method() === 'GET' && pollingGet.test(r.url())) {
        this.#pending.push(
          r.text().then(
            (body) => push({ kind: 'response', method: 'GET', url: r.url(), status: r.status(), body }),
            () => push({ kind: 'response', method: 'GET', url: r.url(), status: r.status() }),
          ),
        );
      } else {
        push({ kind: 'response', method: req.method(), url: r.url(), status: r.status() });
      }
    });
    page.on('websocket', (ws) => {
      push({ kind: 'ws-open', url: ws.url() });
      ws.on('framesent', (f) => push({ kind: 'ws-sent', url: ws.url(), body: String(f.payload) }));
      ws.on('framereceived', (f) => push({ kind: 'ws-received', url: ws.url(), body: String(f.payload) }));
      ws.on('close', () => push({ kind: 'ws-close', url: ws.url() }));
    });
  }

  /** Network entries so far, once recorded polling bodies are in. */
  async entries(): Promise<NetEntry[]> {
    await Promise.allSettled(this.#pending.splice(0));
    return [...this.net];
  }

  /** A short readable dump of the traffic (minus URLs matching `hide`), for failure messages. */
  async dump(max = 60, hide?: RegExp): Promise<string> {
    const t0 = this.net[0]?.t ?? 0;
    return (await this.entries())
      .filter((e) => !hide?.test(e.url))
      .slice(-max)
      .map(
        (e) =>
          `+${e.t - t0}ms ${e.kind} ${e.method ?? ''} ${e.url.replace(/^https?:\/\/[^/]+/, '')}${e.status !== undefined ? ` ${e.status}` : ''}${e.body !== undefined ? ` ${JSON.stringify(e.body.length > 300 ? `${e.body.slice(0, 300)}…` : e.body)}` : ''}`,
      )
      .join('\n');
  }
}

/** What `pageStep` needs of a page driver. */
export interface TrafficPage {
  readonly problems: string[];
  dump(max?: number): Promise<string>;
}

/**
 * Runs `fn` as a subtest; its failure message gets the page's traffic. Returns
 * false when it failed, so the caller can stop a scenario that cannot go on.
 */
export async function pageStep(t: TestContext, page: TrafficPage, name: string, fn: () => Promise<void>): Promise<boolean> {
  let ok = true;
  await t.test(name, async () => {
    try {
      await fn();
    } catch (err) {
      ok = false;
      const e = err as Error;
      throw new Error(`${e.message}\n--- page traffic (last 60) ---\n${await page.dump()}\n--- page problems: ${page.problems.join('; ') || 'none'}`, {
        cause: e,
      });
    }
  });
  return ok;
}
