/**
 * The dashboard's HTTP server (hono on Node): one page, its assets, and a read-only JSON API over a
 * `Storage`, with a server-sent-events stream per study that pushes the trials that changed whenever
 * `storage.waitForChange` fires.
 *
 * Security: it listens on 127.0.0.1 unless told otherwise and refuses a non-loopback address without a
 * token; with a token every request must carry it (`Authorization: Bearer T`, or `?token=T`, which the
 * page and the event stream use), else 401. Without a token, requests must name a loopback host (Host
 * header), so a web page elsewhere cannot read the API through DNS rebinding. Only GET and HEAD: any
 * other method is 405. Every response carries a strict Content-Security-Policy (scripts from the
 * dashboard only, no inline script), on top of the escaping of every user-supplied string.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { ValidationError } from '../core/errors.ts';
import type { Storage, Study } from '../storage/storage.ts';
import { bestValue, type Trial, type TrialState, trialStates } from '../study/model.ts';
import { getAsset } from './assets.ts';
import { countStates, stopStep } from './charts.ts';
import { indexHtml } from './page.ts';

export interface DashboardAppOptions {
  readonly storage: Storage;
  /** When set, every request must carry it. */
  readonly token?: string | null;
  /**
   * Answer only requests whose Host header names a loopback host (against DNS rebinding);
   * `startDashboard` sets it when it listens on loopback without a token.
   */
  readonly loopbackOnly?: boolean;
  /** Longest wait of one `waitForChange` call (ms, default 1000): how fast idle watchers notice leaving clients. */
  readonly pollMs?: number;
  /** Interval of keep-alive comments on event streams (ms, default 15 s). */
  readonly keepAliveMs?: number;
}

/** A trial as the API returns it: the stored trial (reports only where asked), and its stop step. */
export type TrialJson = Omit<Trial, 'reports'> & {
  readonly reports?: Trial['reports'];
  /** Stopped trials: the step at which the rule fired. */
  readonly stopStep?: number | null;
};

/** What the event stream sends on each change (`event: change`). */
export interface ChangeEvent {
  readonly study: string;
  readonly counts: Record<TrialState, number>;
  readonly best: number | null;
  readonly total: number;
  /** Trials created or changed since the previous event, and every running trial (its reports may have grown). */
  readonly trials: TrialJson[];
}

export function trialJson(t: Trial, withReports: boolean): TrialJson {
  const { reports, ...rest } = t;
  const stop = t.state === 'stopped' ? { stopStep: stopStep(t) } : {};
  return withReports ? { ...rest, reports, ...stop } : { ...rest, ...stop };
}

const signature = (t: Trial): string =>
  `${t.state}|${t.finishedAt}|${t.startedAt}|${t.worker}|${t.attempt}|${t.values?.join(',')}|${t.error}`;

/** One watcher per study, shared by all its event streams (one `waitForChange` loop per study). */
class StudyWatch {
  private readonly subs = new Set<(e: ChangeEvent) => void>();
  private snapshot = new Map<number, string>();
  private loop: Promise<void> | null = null;
  private ready: Promise<void> = Promise.resolve();
  private failed = false;
  closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly study: Study,
    private readonly pollMs: number,
  ) {}

  get subscribers(): number {
    return this.subs.size;
  }

  /** Subscribes; resolves once changes from now on are sure to be sent. */
  async subscribe(fn: (e: ChangeEvent) => void): Promise<() => void> {
    this.subs.add(fn);
    const unsubscribe = () => {
      this.subs.delete(fn);
    };
    if (this.loop === null) this.start();
    try {
      await this.ready;
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }

  private start(): void {
    const ready = this.baseline();
    this.ready = ready;
    this.loop = ready
      .then(() => this.run())
      .catch(() => {
        this.failed = true; // the storage is gone (closed): stop watching
      })
      .finally(() => {
        this.loop = null;
        // Someone subscribed while the loop was ending: watch again.
        if (this.subs.size > 0 && !this.closed && !this.failed) this.start();
      });
  }

  private async baseline(): Promise<void> {
    // Start counting changes before the snapshot, so that none between the two is missed.
    await this.storage.waitForChange(this.study.id, 0);
    const trials = await this.storage.getTrials(this.study.id, { reports: false });
    this.snapshot = new Map(trials.map((t) => [t.number, signature(t)]));
  }

  private async run(): Promise<void> {
    while (this.subs.size > 0 && !this.closed) {
      const changed = await this.storage.waitForChange(this.study.id, this.pollMs);
      if (!changed || this.closed) continue;
      const trials = await this.storage.getTrials(this.study.id, { reports: false });
      const updated = trials.filter(
        (t) => t.state === 'running' || this.snapshot.get(t.number) !== signature(t),
      );
      this.snapshot = new Map(trials.map((t) => [t.number, signature(t)]));
      const event: ChangeEvent = {
        study: this.study.name,
        counts: countStates(trials),
        best: bestValue(this.study.config, trials),
        total: trials.length,
        trials: updated.map((t) => trialJson(t, false)),
      };
      for (const fn of this.subs) fn(event);
    }
  }
}

export interface DashboardApp {
  readonly app: Hono;
  /** Ends the event streams and the watchers. */
  close(): void;
  /** Event-stream subscribers of a study (for tests). */
  subscribers(studyId: number): number;
}

function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

function hostName(hostHeader: string | undefined): string {
  if (hostHeader === undefined) return '';
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0];
}

const LOOPBACK_NAMES = ['localhost', '[::1]', '::1'];

/** True for the loopback names and addresses (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return LOOPBACK_NAMES.includes(h) || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h);
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

class HttpError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** The dashboard as a hono app (no socket: `app.request()` in tests, `startDashboard` to listen). */
export function createDashboardApp(opts: DashboardAppOptions): DashboardApp {
  const { storage } = opts;
  const token = opts.token ?? null;
  const loopbackOnly = opts.loopbackOnly ?? false;
  const pollMs = opts.pollMs ?? 1000;
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  const watches = new Map<number, StudyWatch>();
  const streams = new Set<() => void>();
  let closed = false;

  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-store');
    if (loopbackOnly && !isLoopbackHost(hostName(c.req.header('host')))) {
      return c.json({ error: 'unexpected Host header (the dashboard answers loopback names only)' }, 403);
    }
    if (token !== null) {
      const auth = c.req.header('authorization');
      const given = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : c.req.query('token');
      if (given === undefined || !sameSecret(given, token)) {
        c.header('WWW-Authenticate', 'Bearer realm="spiketune"');
        return c.json({ error: 'missing or wrong token' }, 401);
      }
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      c.header('Allow', 'GET, HEAD');
      return c.json({ error: `method ${c.req.method} not allowed: the dashboard is read-only` }, 405);
    }
    await next();
    return undefined;
  });

  const study = async (c: Context): Promise<Study> => {
    const name = c.req.param('name') ?? '';
    const s = await storage.getStudy(name);
    if (s === null) throw new HttpError(404, `no study named ${JSON.stringify(name)}`);
    return s;
  };

  app.get('/', (c) => c.html(indexHtml(token)));

  app.get('/assets/:file', async (c) => {
    const asset = getAsset(c.req.param('file'));
    if (asset === null) throw new HttpError(404, 'no such asset');
    const a = await asset;
    return c.body(a.body, 200, { 'Content-Type': a.type });
  });

  app.get('/api/studies', async (c) => {
    const all = await storage.listStudies();
    return c.json({
      studies: all.map((s) => ({
        name: s.study.name,
        id: s.study.id,
        createdAt: s.study.createdAt,
        objectives: s.study.config.objectives,
        constraints: s.study.config.constraints,
        trials: Object.values(s.counts).reduce((a, b) => a + b, 0),
        counts: s.counts,
        /** Trials stopped early as silent networks (= counts.stopped). */
        silent: s.counts.stopped,
        best: s.best,
      })),
    });
  });

  app.get('/api/studies/:name', async (c) => {
    const s = await study(c);
    return c.json({ name: s.name, id: s.id, createdAt: s.createdAt, config: s.config });
  });

  app.get('/api/studies/:name/trials', async (c) => {
    const s = await study(c);
    const states = (c.req.queries('state') ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
    for (const st of states) {
      if (!(trialStates as readonly string[]).includes(st))
        throw new HttpError(400, `unknown state ${JSON.stringify(st)}: expected ${trialStates.join(', ')}`);
    }
    const since = c.req.query('since');
    if (since !== undefined && !/^\d+$/.test(since))
      throw new HttpError(400, 'since: expected a trial number (an integer ≥ 0)');
    const reports = ['1', 'true', 'yes'].includes(c.req.query('reports') ?? '');
    const trials = await storage.getTrials(s.id, {
      reports,
      ...(states.length > 0 ? { states: states as TrialState[] } : {}),
      ...(since !== undefined ? { sinceNumber: Number(since) } : {}),
    });
    return c.json({ study: s.name, trials: trials.map((t) => trialJson(t, reports)) });
  });

  app.get('/api/studies/:name/trials/:number', async (c) => {
    const s = await study(c);
    const n = c.req.param('number');
    if (!/^\d+$/.test(n)) throw new HttpError(400, 'expected a trial number (an integer ≥ 0)');
    const [head] = await storage.getTrials(s.id, { sinceNumber: Number(n), reports: false });
    const t = head?.number === Number(n) ? await storage.getTrial(head.id) : null;
    if (t === null) throw new HttpError(404, `no trial #${n} in study ${JSON.stringify(s.name)}`);
    return c.json(trialJson(t, true));
  });

  app.get('/api/studies/:name/events', async (c) => {
    const s = await study(c);
    if (closed) throw new HttpError(404, 'the dashboard is closing');
    let watch = watches.get(s.id);
    if (watch === undefined) {
      watch = new StudyWatch(storage, s, pollMs);
      watches.set(s.id, watch);
    }
    const w = watch;
    return streamSSE(c, async (stream) => {
      let end: () => void = () => undefined;
      const ended = new Promise<void>((r) => {
        end = r;
      });
      streams.add(end);
      stream.onAbort(end);
      let unsubscribe = () => {};
      try {
        unsubscribe = await w.subscribe((e) => {
          stream.writeSSE({ event: 'change', data: JSON.stringify(e) }).catch(end);
        });
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ study: s.name }), retry: 2000 });
        while (!stream.aborted && !stream.closed && !closed) {
          let timer: NodeJS.Timeout | undefined;
          const tick = new Promise<'tick'>((r) => {
            timer = setTimeout(() => r('tick'), keepAliveMs);
          });
          const why = await Promise.race([tick, ended.then(() => 'end' as const)]);
          clearTimeout(timer);
          if (why === 'end') break;
          await stream.write(': keep-alive\n\n');
        }
      } catch {
        // the client went away, or the storage was closed
      } finally {
        unsubscribe();
        streams.delete(end);
      }
    });
  });

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json({ error: err.message }, err.status);
    if (err instanceof ValidationError) return c.json({ error: err.message }, 400);
    return c.json({ error: 'internal error' }, 500);
  });

  return {
    app,
    close() {
      closed = true;
      for (const end of streams) end();
      for (const w of watches.values()) w.closed = true;
    },
    subscribers(studyId) {
      return watches.get(studyId)?.subscribers ?? 0;
    },
  };
}

export interface StartOptions extends Omit<DashboardAppOptions, 'loopbackOnly'> {
  /** Address to listen on (default 127.0.0.1); not loopback: a token is required. */
  readonly host?: string;
  /** Port (default 8750; 0: any free port). */
  readonly port?: number;
}

export interface RunningDashboard {
  /** The page's URL (with the token when there is one). */
  readonly url: string;
  readonly port: number;
  readonly dashboard: DashboardApp;
  /** Stops listening and ends open event streams (the storage stays open). */
  close(): Promise<void>;
}

/** Listens; refuses (ValidationError) a non-loopback host without a token. */
export async function startDashboard(opts: StartOptions): Promise<RunningDashboard> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? null;
  if (token !== null && token.length < 8) {
    throw new ValidationError('--token', '(hidden)', 'expected a token of at least 8 characters');
  }
  const loopback = isLoopbackHost(host);
  if (!loopback && token === null) {
    throw new ValidationError(
      '--host',
      host,
      'refusing to listen on a non-loopback address without a token: pass --token (or bind 127.0.0.1 and tunnel)',
    );
  }
  const bare = host.replace(/^\[|\]$/g, '');
  const dashboard = createDashboardApp({ ...opts, token, loopbackOnly: loopback && token === null });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: dashboard.app.fetch, hostname: bare, port: opts.port ?? 8750 }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = bare.includes(':') ? `[${bare}]` : bare;
  const url = `http://${urlHost}:${port}/${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  return {
    url,
    port,
    dashboard,
    close: () =>
      new Promise<void>((resolve) => {
        dashboard.close();
        server.close(() => resolve());
        const http = server as { closeAllConnections?: () => void };
        setTimeout(() => http.closeAllConnections?.(), 100).unref();
      }),
  };
}
