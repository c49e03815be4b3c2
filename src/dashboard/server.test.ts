import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.ts';
import { ValidationError } from '../core/errors.ts';
import { openStorage } from '../storage/index.ts';
import type { Storage } from '../storage/storage.ts';
import {
  type ChangeEvent,
  createDashboardApp,
  type DashboardApp,
  isLoopbackHost,
  startDashboard,
} from './server.ts';
import { addTrial, type Fixture, makeFixture, XSS } from './testing/fixture.ts';

let f: Fixture;
let storage: Storage;
let dash: DashboardApp;
const N = 8;

beforeAll(async () => {
  f = await makeFixture(N);
  storage = await openStorage(f.url); // the dashboard's own connection, as `spiketune dashboard` has
  dash = createDashboardApp({ storage });
});
afterAll(async () => {
  dash.close();
  await storage.close();
  await f.cleanup();
});

const get = (path: string, init?: RequestInit) => dash.app.request(path, init);
const json = async (path: string) => {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return res.json() as Promise<Record<string, unknown>>;
};
type TrialJson = {
  number: number;
  state: string;
  reports?: { step: number }[];
  stopStep?: number | null;
  params: Record<string, unknown>;
};

describe('JSON API', () => {
  it('GET /api/studies: every study with counts per state (stopped = silent) and the best value', async () => {
    const { studies } = (await json('/api/studies')) as { studies: Record<string, unknown>[] };
    expect(studies.map((s) => s.name)).toEqual(['snn-mo', XSS]);
    const s = studies[0] as {
      counts: Record<string, number>;
      silent: number;
      trials: number;
      best: number | null;
      objectives: unknown[];
      constraints: string[];
      id: number;
      createdAt: number;
    };
    expect(Object.keys(s.counts).sort()).toEqual(['complete', 'failed', 'queued', 'running', 'stopped']);
    expect(s.trials).toBe(N);
    expect(Object.values(s.counts).reduce((a, b) => a + b, 0)).toBe(N);
    expect(s.counts.stopped).toBeGreaterThan(0);
    expect(s.counts.failed).toBeGreaterThan(0);
    expect(s.silent).toBe(s.counts.stopped);
    expect(typeof s.best).toBe('number');
    expect(s.objectives).toEqual([
      { name: 'accuracy', direction: 'maximize' },
      { name: 'spikes', direction: 'minimize' },
    ]);
    expect(s.constraints).toEqual(['silent:output']);
    expect(typeof s.id).toBe('number');
    expect(typeof s.createdAt).toBe('number');
  });

  it('GET /api/studies/:name: the config; 404 for an unknown study; odd names work URL-encoded', async () => {
    const s = (await json('/api/studies/snn-mo')) as {
      name: string;
      config: { space: { params: unknown[] } };
    };
    expect(s.name).toBe('snn-mo');
    expect(s.config.space.params).toHaveLength(3);
    const x = (await json(`/api/studies/${encodeURIComponent(XSS)}`)) as { name: string };
    expect(x.name).toBe(XSS);
    const res = await get('/api/studies/no-such-study');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/no study named "no-such-study"/);
  });

  it('GET /api/studies/:name/trials: all trials without reports; state, since and reports filters', async () => {
    const all = ((await json('/api/studies/snn-mo/trials')) as { trials: TrialJson[] }).trials;
    expect(all.map((t) => t.number)).toEqual([...Array(N).keys()]);
    expect(all.every((t) => !('reports' in t))).toBe(true);
    const stopped = ((await json('/api/studies/snn-mo/trials?state=stopped')) as { trials: TrialJson[] })
      .trials;
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.every((t) => t.state === 'stopped' && t.stopStep === 64)).toBe(true);
    const two = ((await json('/api/studies/snn-mo/trials?state=stopped,failed')) as { trials: TrialJson[] })
      .trials;
    const twoRepeated = (
      (await json('/api/studies/snn-mo/trials?state=stopped&state=failed')) as {
        trials: TrialJson[];
      }
    ).trials;
    expect(two.map((t) => t.number)).toEqual(twoRepeated.map((t) => t.number));
    expect(two.map((t) => t.number)).toEqual(
      all.filter((t) => t.state === 'stopped' || t.state === 'failed').map((t) => t.number),
    );
    const since = ((await json('/api/studies/snn-mo/trials?since=5')) as { trials: TrialJson[] }).trials;
    expect(since.map((t) => t.number)).toEqual([5, 6, 7]);
    const withReports = ((await json('/api/studies/snn-mo/trials?reports=1')) as { trials: TrialJson[] })
      .trials;
    expect(withReports.every((t) => Array.isArray(t.reports))).toBe(true);
    expect(withReports[0].reports?.length).toBe(4);

    expect((await get('/api/studies/snn-mo/trials?state=bogus')).status).toBe(400);
    expect((await get('/api/studies/snn-mo/trials?since=-1')).status).toBe(400);
    expect((await get('/api/studies/nope/trials')).status).toBe(404);
  });

  it('GET /api/studies/:name/trials/:number: one trial with its reports; 404 / 400 otherwise', async () => {
    const t = (await json('/api/studies/snn-mo/trials/1')) as TrialJson & { error: string };
    expect(t.number).toBe(1);
    expect(t.state).toBe('stopped');
    expect(t.reports?.map((r) => r.step)).toEqual([32, 64]);
    expect(t.stopStep).toBe(64);
    expect(t.error).toMatch(/^silent:output/);
    const failed = (await json('/api/studies/snn-mo/trials/2')) as TrialJson & { error: string };
    expect(failed.state).toBe('failed');
    expect(failed.error).toBe(XSS);
    expect((await get('/api/studies/snn-mo/trials/999')).status).toBe(404);
    expect((await get('/api/studies/snn-mo/trials/abc')).status).toBe(400);
    expect((await get('/api/studies/nope/trials/0')).status).toBe(404);
  });

  it('is read-only: any other method than GET/HEAD is 405', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/api/studies', '/api/studies/snn-mo/trials', '/']) {
        const res = await get(path, { method });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
      }
    }
    expect((await get('/api/studies', { method: 'HEAD' })).status).toBe(200);
  });

  it('unknown paths are 404 JSON', async () => {
    const res = await get('/api/nothing');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found' });
    expect((await get('/assets/secret.txt')).status).toBe(404);
    expect((await get('/assets/..%2Fserver.ts')).status).toBe(404);
  });
});

describe('page and assets', () => {
  it('serves the page with a strict CSP and its assets from the server itself', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//); // no CDN
    for (const a of ['style.css', 'echarts.min.js', 'app.js']) expect(html).toContain(`/assets/${a}`);
    const echarts = await get('/assets/echarts.min.js');
    expect(echarts.status).toBe(200);
    expect(echarts.headers.get('content-type')).toMatch(/javascript/);
    expect((await echarts.text()).length).toBeGreaterThan(100_000);
    const charts = await get('/assets/charts.js');
    expect(charts.status).toBe(200);
    const code = await charts.text();
    // the shared TypeScript chart definitions, compiled to a browser module
    for (const fn of [
      'historyOption',
      'feasibilityOption',
      'parallelOption',
      'paretoOption',
      'spikesOption',
      'timelineOption',
      'escapeHtml',
      'filterTrials',
    ])
      expect(code).toMatch(new RegExp(`export \\{[^}]*\\b${fn}\\b`, 's'));
    expect((await get('/assets/app.js')).status).toBe(200);
    expect((await get('/assets/style.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('answers only loopback Host headers when it listens on loopback without a token (DNS rebinding)', async () => {
    const d = createDashboardApp({ storage, loopbackOnly: true });
    try {
      const h = (host: string) => d.app.request('/api/studies', { headers: { host } });
      expect((await h('evil.example:8750')).status).toBe(403);
      expect((await h('127.0.0.1:8750')).status).toBe(200);
      expect((await h('localhost:8750')).status).toBe(200);
      expect((await h('[::1]:8750')).status).toBe(200);
    } finally {
      d.close();
    }
  });
});

describe('token', () => {
  const token = 'sEcret-t0ken-<"&>';
  it('401 without the token or with a wrong one; 200 with it in the Authorization header or ?token=', async () => {
    const d = createDashboardApp({ storage, token });
    try {
      const r401 = await d.app.request('/api/studies');
      expect(r401.status).toBe(401);
      expect(r401.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await d.app.request('/')).status).toBe(401);
      expect((await d.app.request('/assets/app.js')).status).toBe(401);
      expect((await d.app.request('/api/studies/snn-mo/events')).status).toBe(401);
      expect(
        (await d.app.request('/api/studies', { headers: { authorization: 'Bearer nope' } })).status,
      ).toBe(401);
      expect((await d.app.request('/api/studies?token=nope')).status).toBe(401);
      expect(
        (await d.app.request('/api/studies', { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
      expect((await d.app.request(`/api/studies?token=${encodeURIComponent(token)}`)).status).toBe(200);
      // not allowed either way, but unauthenticated requests learn nothing
      expect((await d.app.request('/api/studies', { method: 'POST' })).status).toBe(401);
      expect(
        (
          await d.app.request('/api/studies', {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          })
        ).status,
      ).toBe(405);
      // the page carries the token to its assets, escaped
      const page = await (await d.app.request(`/?token=${encodeURIComponent(token)}`)).text();
      expect(page).toContain(`/assets/app.js?token=${encodeURIComponent(token)}`);
      expect(page).not.toContain(token);
    } finally {
      d.close();
    }
  });

  it('refuses a non-loopback host without a token', async () => {
    await expect(startDashboard({ storage, host: '0.0.0.0', port: 0 })).rejects.toThrow(ValidationError);
    await expect(startDashboard({ storage, host: '192.0.2.1', port: 0 })).rejects.toThrow(/--token/);
    await expect(startDashboard({ storage, host: '::', port: 0 })).rejects.toThrow(/non-loopback/);
    await expect(startDashboard({ storage, port: 0, token: 'short' })).rejects.toThrow(/8 characters/);
    expect(['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com', '127.0.0.1.example.com'].some(isLoopbackHost)).toBe(
      false,
    );
  });

  it('spiketune dashboard refuses a non-loopback --host without --token', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['dashboard', '--storage', f.url, '--host', '0.0.0.0', '--port', '0'])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /non-loopback address without a token/,
      );
    } finally {
      err.mockRestore();
    }
  });
});

/** Reads server-sent events from a fetch response until `until` returns true for one. */
async function readEvents(
  res: Response,
  until: (event: string, data: string) => boolean,
  timeoutMs = 20_000,
): Promise<{ event: string; data: string }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  const seen: { event: string; data: string }[] = [];
  let buf = '';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no matching event after ${timeoutMs} ms: ${JSON.stringify(seen)}`);
    const chunk = await Promise.race([
      reader.read(),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error('event timeout')), left)),
    ]);
    if (chunk.done) throw new Error('stream ended');
    buf += dec.decode(chunk.value, { stream: true });
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\n');
      if (!block.startsWith(':')) {
        seen.push({ event, data });
        if (until(event, data)) {
          reader.releaseLock();
          return seen;
        }
      }
      i = buf.indexOf('\n\n');
    }
  }
}

describe('server-sent events (real server)', () => {
  it('pushes the new and changed trials when the storage changes, and drops leaving clients', async () => {
    const token = 'events-token-123';
    const server = await startDashboard({ storage, port: 0, token, pollMs: 200 });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect(server.url).toBe(`${base}/?token=${token}`);
      expect((await fetch(`${base}/api/studies/snn-mo/events`)).status).toBe(401);
      const ac = new AbortController();
      const res = await fetch(`${base}/api/studies/snn-mo/events?token=${token}`, { signal: ac.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await readEvents(res, (e) => e === 'ready');
      expect(server.dashboard.subscribers(f.study.id)).toBe(1);
      const added = addTrial(f.storage, f.study); // another connection, as another process would
      const events = await readEvents(res, (e, d) => {
        if (e !== 'change') return false;
        const c = JSON.parse(d) as ChangeEvent;
        return c.trials.some((t) => t.number === N && t.state === 'complete');
      });
      await added;
      const last = JSON.parse(events[events.length - 1].data) as ChangeEvent;
      expect(last.study).toBe('snn-mo');
      expect(last.total).toBe(N + 1);
      expect(last.counts.complete).toBeGreaterThan(0);
      expect(last.trials.every((t) => !('reports' in t))).toBe(true);
      // unchanged finished trials are not sent again
      expect(last.trials.map((t) => t.number)).toEqual([N]);
      ac.abort();
      for (let i = 0; i < 100 && server.dashboard.subscribers(f.study.id) > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(server.dashboard.subscribers(f.study.id)).toBe(0);
      // a study that does not exist has no stream
      expect((await fetch(`${base}/api/studies/nope/events?token=${token}`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('close() ends open event streams', async () => {
    const server = await startDashboard({ storage, port: 0 });
    const res = await fetch(`http://127.0.0.1:${server.port}/api/studies/snn-mo/events`);
    await readEvents(res, (e) => e === 'ready');
    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
