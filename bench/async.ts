/**
 * `npm run bench:async`: asynchronous scheduling (spiketune's worker loop) against synchronous batches
 * (the seed paper's: ask `workers` points, wait for all of them, ask the next batch) on a simulated
 * objective whose run times are log-normal — median `--median` s (1), σ `--sigma` (0.8) in log space,
 * times `--scale` (1; 0.1 → median 100 ms) — as training runs of SNNs with random hyperparameters are.
 * The objective only sleeps (the point is scheduling, not CPU): `--workers` (8) slots in this process,
 * SQLite storage in a temporary directory, `--trials` (160) trials, `--sampler` sobol (or random). Trial
 * k sleeps the same time in both modes (drawn from k), so both spend the same total work.
 *
 * - async: `runStudy` with a JavaScript objective: a free slot gets a new point at once.
 * - sync: the same Storage API by hand: getTrials, ask(·, ·, workers) once, createTrial × workers as
 *   running, run them, finishTrial each, wait for the whole batch, repeat.
 *
 * Reported per mode: time to budget (wall time until the last trial is finished), trials/s, worker
 * utilization = Σ objective time / (workers × wall time) — and the same over the steady phase only
 * (from the start to the start of the last trial; after it, the budget is spent and free slots must
 * idle whatever the scheduler) —, storage time per trial (every Storage call timed through a proxy,
 * ask-lock acquisition included, waiting for changes excluded) and ask time per trial (inside the ask
 * lock, less the storage calls made there: samplerInputs + sampler.ask).
 *
 * Then SCBO as the sampler, async and sync, with `--scbo-trials` (48) trials: how much of the wall time
 * goes to ask() (SCBO's ask is synchronous CPU work on the event loop: while it runs, no finished trial
 * is recorded and no slot refilled). `--no-scbo` skips it.
 *
 * Writes bench/results/async.json and bench/results/async.md and prints the table. Runtime at scale 1:
 * about 2 minutes (the synchronous modes take most of it).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { createSampler, type SamplerConfig } from '../src/optim/index.ts';
import { openStorage } from '../src/storage/index.ts';
import type { Storage, Study } from '../src/storage/storage.ts';
import { parseStudy } from '../src/study/config-file.ts';
import { samplerInputs, studyProblem } from '../src/study/model.ts';
import type { Objective } from '../src/study/objective.ts';
import { runStudy } from '../src/study/runner.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// --------------------------------------------------------------------------------------------------
// Options

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function numArg(name: string, dflt: number): number {
  const v = arg(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got ${v}`);
  return n;
}

const opts = {
  scale: numArg('--scale', 1),
  median: numArg('--median', 1),
  sigma: numArg('--sigma', 0.8),
  workers: Math.round(numArg('--workers', 8)),
  trials: Math.round(numArg('--trials', 160)),
  scboTrials: Math.round(numArg('--scbo-trials', 48)),
  sampler: arg('--sampler') ?? 'sobol',
  seed: Math.round(numArg('--seed', 1)),
  scbo: !process.argv.includes('--no-scbo'),
};
if (opts.sampler !== 'sobol' && opts.sampler !== 'random')
  throw new Error(`--sampler: expected sobol or random, got ${opts.sampler}`);

/** Simulated run time of trial `k` in ms (the same in every mode). */
function durationMs(k: number): number {
  const z = new Rng((Math.imul(opts.seed, 1_000_003) + Math.imul(k + 1, 7919)) >>> 0).normal();
  return 1000 * opts.scale * opts.median * Math.exp(opts.sigma * z);
}

const DIMS = 4;
/** The simulated objective's value: a smooth bowl (maximized at x = 0.3). */
function value(params: Readonly<Record<string, unknown>>): number {
  let s = 0;
  for (let i = 0; i < DIMS; i++) s += (Number(params[`x${i}`]) - 0.3) ** 2;
  return 1 - s;
}

function studyConfig(name: string, sampler: string, trials: number) {
  const space: Record<string, unknown> = {};
  for (let i = 0; i < DIMS; i++) space[`x${i}`] = { type: 'float', low: 0, high: 1 };
  return parseStudy(
    {
      name,
      seed: opts.seed,
      objectives: [{ name: 'accuracy', direction: 'maximize' }],
      space,
      // Stored for completeness; the runs use the JavaScript objective below.
      objective: { kind: 'command', command: ['true'], values: ['accuracy'] },
      sampler: { kind: sampler },
      budget: { trials },
    },
    'bench:async',
  );
}

// --------------------------------------------------------------------------------------------------
// Measuring

class Meter {
  storageMs = 0;
  storageCalls = 0;
  askMs = 0;
  asks = 0;
  maxAskMs = 0;
  /** Latency of each Storage call by method, ms (withAskLock: taking and releasing the lock). */
  readonly latency = new Map<string, number[]>();
  /** Objective intervals [start, end] in ms since the run's start. */
  readonly intervals: [number, number][] = [];
  t0 = performance.now();

  record(method: string, ms: number): void {
    this.storageMs += ms;
    this.storageCalls++;
    const l = this.latency.get(method) ?? [];
    l.push(ms);
    this.latency.set(method, l);
  }

  /** Per method: calls, median and max latency in ms. */
  latencySummary(): Record<string, { calls: number; medianMs: number; maxMs: number; totalMs: number }> {
    const out: Record<string, { calls: number; medianMs: number; maxMs: number; totalMs: number }> = {};
    for (const [k, l] of [...this.latency].sort()) {
      const sorted = [...l].sort((a, b) => a - b);
      out[k] = {
        calls: l.length,
        medianMs: sorted[Math.floor(sorted.length / 2)],
        maxMs: sorted[sorted.length - 1],
        totalMs: l.reduce((a, b) => a + b, 0),
      };
    }
    return out;
  }
}

/** The storage with every call timed (nested calls inside the ask lock are counted once). */
function timed(s: Storage, m: Meter): Storage {
  return new Proxy(s, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'waitForChange' || prop === 'close') return v.bind(target);
      if (prop === 'withAskLock') {
        return async <T>(studyId: number, fn: () => Promise<T>): Promise<T> => {
          const t0 = performance.now();
          let inner = 0;
          try {
            return await target.withAskLock(studyId, async () => {
              const s0 = m.storageMs;
              const t1 = performance.now();
              try {
                return await fn();
              } finally {
                inner = performance.now() - t1;
                const ask = inner - (m.storageMs - s0);
                m.askMs += ask;
                m.asks++;
                m.maxAskMs = Math.max(m.maxAskMs, ask);
              }
            });
          } finally {
            m.record('withAskLock', performance.now() - t0 - inner); // taking and releasing the lock
          }
        };
      }
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          m.record(String(prop), performance.now() - t0);
        }
      };
    },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs trial `k`'s simulated work, recording its interval: from its start to when it was due to end
 * (a late timer — the event loop busy in an ask — counts as idle, as a finished trainer waiting to be
 * recorded would).
 */
async function work(m: Meter, k: number): Promise<void> {
  const start = performance.now() - m.t0;
  const ms = durationMs(k);
  await sleep(ms);
  m.intervals.push([start, start + ms]);
}

interface Row {
  mode: 'async' | 'sync';
  sampler: string;
  trials: number;
  workers: number;
  /** Time to budget, s. */
  seconds: number;
  trialsPerSecond: number;
  utilization: number;
  steadyUtilization: number;
  /** Σ simulated work / workers, s: no schedule can finish before (the last trial's tail aside). */
  idealSeconds: number;
  storageMsPerTrial: number;
  storageCallsPerTrial: number;
  askMsPerTrial: number;
  maxAskMs: number;
  /** Fraction of the wall time spent in ask(). */
  askShare: number;
  best: number;
  /** Storage latency per method. */
  storage: ReturnType<Meter['latencySummary']>;
}

function summarize(
  mode: Row['mode'],
  sampler: string,
  m: Meter,
  wallMs: number,
  values: number[],
  trials: number,
): Row {
  const w = opts.workers;
  const busy = m.intervals.reduce((s, [a, b]) => s + (b - a), 0);
  const lastStart = Math.max(...m.intervals.map(([a]) => a));
  let steadyBusy = 0;
  for (const [a, b] of m.intervals) steadyBusy += Math.max(0, Math.min(b, lastStart) - a);
  let work = 0;
  for (let k = 0; k < trials; k++) work += durationMs(k);
  return {
    mode,
    sampler,
    trials,
    workers: w,
    seconds: wallMs / 1000,
    trialsPerSecond: trials / (wallMs / 1000),
    utilization: busy / (w * wallMs),
    steadyUtilization: steadyBusy / (w * lastStart),
    idealSeconds: work / w / 1000,
    storageMsPerTrial: m.storageMs / trials,
    storageCallsPerTrial: m.storageCalls / trials,
    askMsPerTrial: m.askMs / trials,
    maxAskMs: m.maxAskMs,
    askShare: m.askMs / wallMs,
    best: Math.max(...values),
    storage: m.latencySummary(),
  };
}

// --------------------------------------------------------------------------------------------------
// The two schedules

async function fresh(name: string, sampler: string, trials: number) {
  const dir = mkdtempSync(join(tmpdir(), 'spiketune-bench-async-'));
  const raw = await openStorage(`sqlite:${join(dir, 'study.db')}`);
  const study = await raw.createStudy(studyConfig(name, sampler, trials));
  const m = new Meter();
  const done = async (): Promise<void> => {
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { raw, storage: timed(raw, m), study, m, done };
}

async function finishedValues(storage: Storage, study: Study, trials: number): Promise<number[]> {
  const all = await storage.getTrials(study.id, { reports: false });
  const complete = all.filter((t) => t.state === 'complete');
  if (all.length !== trials || complete.length !== trials)
    throw new Error(
      `${study.name}: expected ${trials} complete trials, got ${complete.length} of ${all.length}`,
    );
  return complete.map((t) => (t.values as number[])[0]);
}

async function runAsync(sampler: string, trials: number): Promise<Row> {
  const { raw, storage, study, m, done } = await fresh(`async-${sampler}`, sampler, trials);
  const objective: Objective = async (params, ctx) => {
    await work(m, ctx.trialNumber);
    return { status: 'complete', values: [value(params)] };
  };
  m.t0 = performance.now();
  const summary = await runStudy({ storage, study, slots: opts.workers, objective });
  const wall = performance.now() - m.t0;
  if (summary.reason !== 'budget') throw new Error(`async ${sampler}: stopped by ${summary.reason}`);
  const row = summarize('async', sampler, m, wall, await finishedValues(raw, study, trials), trials);
  await done();
  return row;
}

async function runSync(sampler: string, trials: number): Promise<Row> {
  const { raw, storage, study, m, done } = await fresh(`sync-${sampler}`, sampler, trials);
  const config = study.config;
  const s = createSampler(
    { ...(config.sampler as object), seed: config.seed, parallelism: opts.workers } as SamplerConfig,
    studyProblem(config),
  );
  const worker = 'bench:sync';
  m.t0 = performance.now();
  for (let created = 0; created < trials; ) {
    const n = Math.min(opts.workers, trials - created);
    const { history, pending } = samplerInputs(await storage.getTrials(study.id, { reports: false }));
    const t = performance.now();
    const batch = s.ask(history, pending, n);
    const ask = performance.now() - t;
    m.askMs += ask;
    m.asks++;
    m.maxAskMs = Math.max(m.maxAskMs, ask);
    const running = [];
    for (const params of batch)
      running.push(await storage.createTrial(study.id, params, { state: 'running', worker }));
    created += n;
    await Promise.all(
      running.map(async (trial) => {
        await work(m, trial.number);
        await storage.finishTrial(trial.id, { state: 'complete', worker, values: [value(trial.params)] });
      }),
    );
  }
  const wall = performance.now() - m.t0;
  const row = summarize('sync', sampler, m, wall, await finishedValues(raw, study, trials), trials);
  await done();
  return row;
}

// --------------------------------------------------------------------------------------------------
// Report

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const f = (x: number, d = 2): string => x.toFixed(d);

function markdown(rows: Row[], meta: Record<string, unknown>, derived: Record<string, number>): string {
  let md =
    `# bench:async — asynchronous vs synchronous batches (${meta.date}, ${meta.cores} cores, ${meta.cpu})\n\n` +
    `Simulated objective: log-normal run times, median ${f(opts.median * opts.scale, 3)} s, σ = ${opts.sigma} ` +
    `(scale ${opts.scale}); ${opts.workers} workers (slots of one process); SQLite in a temporary directory.\n\n` +
    '| mode | sampler | trials | time to budget s | ideal s | trials/s | utilization | steady utilization | storage ms/trial | storage calls/trial | ask ms/trial | max ask ms | ask share of wall |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    md +=
      `| ${r.mode} | ${r.sampler} | ${r.trials} | ${f(r.seconds)} | ${f(r.idealSeconds)} | ${f(r.trialsPerSecond)} | ` +
      `${pct(r.utilization)} | ${pct(r.steadyUtilization)} | ${f(r.storageMsPerTrial, 3)} | ${f(r.storageCallsPerTrial, 1)} | ` +
      `${f(r.askMsPerTrial, 3)} | ${f(r.maxAskMs, 1)} | ${pct(r.askShare)} |\n`;
  }
  md +=
    `\n- Time to budget, sync / async (${opts.sampler}): **${f(derived.timeRatio)}×**; ` +
    `utilization ${pct(derived.asyncUtilization)} async vs ${pct(derived.syncUtilization)} sync ` +
    `(target ≥ 95% async: ${derived.asyncUtilization >= 0.95 ? 'met' : 'NOT met'}` +
    `${derived.asyncUtilization < 0.95 ? `; steady phase ${pct(derived.asyncSteadyUtilization)}` : ''}).\n`;
  if (derived.scboTimeRatio !== undefined)
    md += `- SCBO: time to budget sync / async ${f(derived.scboTimeRatio)}×; ask() takes ${pct(derived.scboAskShare)} of the async wall time.\n`;
  md += '\nStorage calls (median / max ms, calls):\n\n';
  for (const r of rows) {
    const parts = Object.entries(r.storage).map(
      ([k, v]) => `${k} ${f(v.medianMs, 3)} / ${f(v.maxMs, 1)} (${v.calls})`,
    );
    md += `- ${r.mode} ${r.sampler}: ${parts.join(', ')}\n`;
  }
  md +=
    '\nUtilization = Σ objective time / (workers × time to budget); steady = the same from the start to the ' +
    'start of the last trial (afterwards the budget is spent and free slots idle in any schedule). ' +
    'Ideal = Σ objective time / workers. Storage = every Storage call, ask-lock acquisition included; ' +
    'ask = samplerInputs + sampler.ask (async: inside the ask lock, less its storage calls).\n';
  return md;
}

async function main(): Promise<void> {
  const start = performance.now();
  const rows: Row[] = [];
  const log = (r: Row): void => {
    rows.push(r);
    process.stderr.write(
      `${r.mode} ${r.sampler}: ${f(r.seconds)} s, utilization ${pct(r.utilization)} (steady ${pct(r.steadyUtilization)}), ` +
        `storage ${f(r.storageMsPerTrial, 3)} ms/trial, ask ${f(r.askMsPerTrial, 3)} ms/trial\n`,
    );
  };
  log(await runAsync(opts.sampler, opts.trials));
  log(await runSync(opts.sampler, opts.trials));
  if (opts.scbo) {
    log(await runAsync('scbo', opts.scboTrials));
    log(await runSync('scbo', opts.scboTrials));
  }
  const [a, s] = rows;
  const derived: Record<string, number> = {
    timeRatio: s.seconds / a.seconds,
    asyncUtilization: a.utilization,
    asyncSteadyUtilization: a.steadyUtilization,
    syncUtilization: s.utilization,
  };
  if (opts.scbo) {
    derived.scboTimeRatio = rows[3].seconds / rows[2].seconds;
    derived.scboAskShare = rows[2].askShare;
  }
  const meta = {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    options: opts,
    totalSeconds: (performance.now() - start) / 1000,
  };
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'async.json'), `${JSON.stringify({ meta, derived, rows }, null, 2)}\n`);
  const md = markdown(rows, meta, derived);
  writeFileSync(join(dir, 'async.md'), md);
  process.stdout.write(md);
}

await main();
