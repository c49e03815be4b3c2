/**
 * `npm run bench:bo`: SCBO against random search, scrambled Sobol' and Optuna's TPE on the constrained
 * test problems of src/optim/testfns.ts (known optima), plus SCBO's ask() latency against the size of
 * the history.
 *
 * Studies run the way spiketune runs them, asynchronously: `--pending` (default 4) trials are kept
 * running; at each step the OLDEST running trial finishes (is evaluated and joins the history) and one
 * new configuration is asked for with the other running ones as `pending`. The first ones are asked one
 * at a time, each with the earlier ones pending. This applies to scbo, random and sobol (SCBO gets
 * `parallelism: pending`). Optuna's TPE (bench/optuna_bo.py: TPESampler(multivariate=True, seed,
 * constraints_func), /usr/bin/python3 with Debian's python3-optuna) runs SEQUENTIALLY in a subprocess
 * per (problem, seed) — one trial at a time, which gives it a small advantage (it always sees every
 * earlier result).
 *
 * For every run it records the best feasible objective value after each evaluation (null until a
 * feasible one), and reports per problem and method: median and interquartile range of the final best
 * (runs without a feasible point count as worst), the median curve at 25/50/100/150/200 evaluations,
 * the fraction of runs that found a feasible point, and the median wall time per run. Then the time of
 * one SCBO ask (4 pending) on an 18-D problem with 2 constraints (constrained Ackley) after 100, 500,
 * 1000, 2000 random observations (median of 3), with the trust region's restarts switched off so that
 * every timed ask fits the GPs (a random history would otherwise keep restarting it, and an ask right
 * after a restart is a cheap Sobol' draw).
 *
 * Runtime (2 cores, default options): SCBO takes ~45–110 s per 200-evaluation run (about 5.5 min of CPU
 * per seed over the four problems), so the default 10 seeds take ~30 min with 2 runs at a time; the
 * baselines take seconds, Optuna ~1–4 s per run. The first seed prints an estimate of the whole.
 *
 * Options: --seeds N (10), --evals N (200), --pending K (4), --problems a,b, --methods a,b (scbo,
 * random, sobol, optuna-tpe; "optuna" works too), --jobs N (runs at a time, each in its own process;
 * default: the number of cores; 1 runs the TypeScript samplers in this process),
 * --quick (3 seeds, 60 evals, no latency point at 2000), --no-latency, --out NAME (bo).
 * Writes bench/results/NAME.json and bench/results/NAME.md and prints the table. (--worker
 * PROBLEM,METHOD,SEED is internal: one run, printed as JSON, for the parallel runs.)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { RandomSampler, SobolSampler } from '../src/optim/baselines.ts';
import {
  asProblem,
  constrainedAckley,
  evaluate,
  type TestProblem,
  testProblem,
  testProblems,
} from '../src/optim/testfns.ts';
import type { Observation, Sampler } from '../src/optim/types.ts';
import type { ParamValues } from '../src/space/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PY = '/usr/bin/python3';
const METHODS = ['scbo', 'random', 'sobol', 'optuna-tpe'] as const;
type Method = (typeof METHODS)[number];
const CHECKPOINTS = [25, 50, 100, 150, 200];

// --------------------------------------------------------------------------------------------------
// Options

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function intArg(name: string, dflt: number): number {
  const s = arg(name);
  if (s === undefined) return dflt;
  const v = Number(s);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, got ${s}`);
  return v;
}

const quick = process.argv.includes('--quick');
const opts = {
  quick,
  seeds: intArg('--seeds', quick ? 3 : 10),
  evals: intArg('--evals', quick ? 60 : 200),
  pending: intArg('--pending', 4),
  jobs: intArg('--jobs', cpus().length),
  latency: !process.argv.includes('--no-latency'),
  latencySizes: quick ? [100, 500, 1000] : [100, 500, 1000, 2000],
  problems: (arg('--problems')?.split(',') ?? Object.keys(testProblems)).map((n) => testProblem(n).name),
  methods: (arg('--methods')?.split(',') ?? [...METHODS]).map((m): Method => {
    const name = m === 'optuna' ? 'optuna-tpe' : m;
    if (!(METHODS as readonly string[]).includes(name)) {
      throw new Error(`--methods: unknown method ${m}; expected ${METHODS.join(', ')}`);
    }
    return name as Method;
  }),
  out: arg('--out') ?? 'bo',
};

// --------------------------------------------------------------------------------------------------
// Samplers. SCBO comes through createSampler (src/optim/index.ts), loaded lazily so that the baselines
// still run while the SCBO/GP modules do not load.

type OptimModule = typeof import('../src/optim/index.ts');
let optim: OptimModule | null = null;
let optimError: string | null = null;
try {
  optim = await import('../src/optim/index.ts');
} catch (err) {
  optimError = (err as Error).message.split('\n')[0];
}

function makeSampler(method: Exclude<Method, 'optuna-tpe'>, tp: TestProblem, seed: number): Sampler {
  if (optim !== null) {
    const problem = asProblem(tp);
    return method === 'scbo'
      ? optim.createSampler({ kind: 'scbo', seed, parallelism: opts.pending }, problem)
      : optim.createSampler({ kind: method, seed }, problem);
  }
  if (method === 'random') return new RandomSampler(tp.space, seed);
  if (method === 'sobol') return new SobolSampler(tp.space, seed);
  throw new Error(`scbo unavailable: src/optim/index.ts does not load (${optimError})`);
}

// --------------------------------------------------------------------------------------------------
// Runs

interface Run {
  readonly problem: string;
  readonly method: Method;
  readonly seed: number;
  /** Best feasible value after each evaluation (null until a feasible one). */
  readonly best: (number | null)[];
  /** Feasible evaluations. */
  readonly feasible: number;
  /** Wall seconds of the run (Optuna: the study itself, without interpreter start-up). */
  readonly seconds: number;
  /** Median / max ms per ask (TypeScript samplers). */
  readonly askMs?: { readonly median: number; readonly max: number };
  readonly error?: string;
}

function better(tp: TestProblem, a: number, b: number | null): boolean {
  return b === null || (tp.direction === 'maximize' ? a > b : a < b);
}

/** An asynchronous study: `pending` trials running, the oldest finishes, a new one is asked for. */
function runTs(tp: TestProblem, method: Exclude<Method, 'optuna-tpe'>, seed: number): Run {
  const t0 = performance.now();
  const sampler = makeSampler(method, tp, seed);
  const history: Observation[] = [];
  const running: ParamValues[] = [];
  const best: (number | null)[] = [];
  const askMs: number[] = [];
  let cur: number | null = null;
  let asked = 0;
  let feasible = 0;
  while (history.length < opts.evals) {
    while (running.length < opts.pending && asked < opts.evals) {
      const ta = performance.now();
      const [p] = sampler.ask(history, running, 1);
      askMs.push(performance.now() - ta);
      running.push(p);
      asked++;
    }
    const p = running.shift() as ParamValues;
    const e = evaluate(tp, p);
    history.push({ params: p, state: 'complete', values: [e.value], constraints: e.constraints });
    if (e.feasible) {
      feasible++;
      if (better(tp, e.value, cur)) cur = e.value;
    }
    best.push(cur);
  }
  return {
    problem: tp.name,
    method,
    seed,
    best,
    feasible,
    seconds: (performance.now() - t0) / 1000,
    askMs: { median: median(askMs), max: Math.max(...askMs) },
  };
}

function runOptuna(tp: TestProblem, seed: number): Promise<Run> {
  const args = [
    join(root, 'bench/optuna_bo.py'),
    '--problem',
    tp.name,
    '--evals',
    String(opts.evals),
    '--seed',
    String(seed),
  ];
  return new Promise((resolve) => {
    execFile(PY, args, { encoding: 'utf8', maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const fail = (why: string): void =>
        resolve({
          problem: tp.name,
          method: 'optuna-tpe',
          seed,
          best: [],
          feasible: 0,
          seconds: 0,
          error: why,
        });
      if (err !== null) return fail(`${err.message.split('\n')[0]} ${stderr.trim().split('\n').pop() ?? ''}`);
      try {
        const r = JSON.parse(stdout.trim().split('\n').pop() as string) as {
          best: (number | null)[];
          feasible: number;
          seconds: number;
          optuna: string;
        };
        optunaVersion = r.optuna;
        resolve({
          problem: tp.name,
          method: 'optuna-tpe',
          seed,
          best: r.best,
          feasible: r.feasible,
          seconds: r.seconds,
        });
      } catch (e) {
        fail(`bad output: ${(e as Error).message}`);
      }
    });
  });
}
let optunaVersion: string | null = null;

function failed(tp: TestProblem, method: Method, seed: number, err: unknown): Run {
  const error = (err as Error).message.split('\n')[0];
  return { problem: tp.name, method, seed, best: [], feasible: 0, seconds: 0, error };
}

function runInProcess(tp: TestProblem, method: Exclude<Method, 'optuna-tpe'>, seed: number): Promise<Run> {
  return new Promise((resolve) => {
    setImmediate(() => {
      try {
        resolve(runTs(tp, method, seed));
      } catch (err) {
        resolve(failed(tp, method, seed, err));
      }
    });
  });
}

/** One run in a child process: this script in worker mode (same loader flags, same options). */
function runWorker(tp: TestProblem, method: Exclude<Method, 'optuna-tpe'>, seed: number): Promise<Run> {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    '--worker',
    `${tp.name},${method},${seed}`,
    '--evals',
    String(opts.evals),
    '--pending',
    String(opts.pending),
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      if (err !== null) return resolve(failed(tp, method, seed, new Error(`${err.message} ${stderr}`)));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as Run);
      } catch (e) {
        resolve(failed(tp, method, seed, e));
      }
    });
  });
}

/** Runs `tasks` with at most `jobs` at a time, in order. */
async function pool<T>(
  tasks: (() => Promise<T>)[],
  jobs: number,
  done: (r: T, i: number) => void,
): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
      done(out[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return out;
}

// --------------------------------------------------------------------------------------------------
// Statistics

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Quantile (linear interpolation) of values where null is the worst; the result is null when worst. */
function quantile(tp: TestProblem, xs: readonly (number | null)[], q: number): number | null {
  const sign = tp.direction === 'maximize' ? 1 : -1;
  const s = xs.map((x) => (x === null ? Number.NEGATIVE_INFINITY : sign * x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const v = s[lo] === Number.NEGATIVE_INFINITY ? s[lo] : s[lo] + (h - lo) * (s[hi] - s[lo]);
  return Number.isFinite(v) ? sign * v : null;
}

interface Summary {
  readonly problem: string;
  readonly method: Method;
  readonly runs: number;
  readonly errors: string[];
  /** Fraction of runs that found a feasible point. */
  readonly feasibleRuns: number;
  /** Final best: median and the worse / better quartile (null: no feasible point at that rank). */
  readonly final: {
    readonly median: number | null;
    readonly worseQuartile: number | null;
    readonly betterQuartile: number | null;
  };
  /** Median of |best − optimum| (gap to the known optimum) at the end; null when the median run has none. */
  readonly medianGap: number | null;
  /** Median best at each checkpoint. */
  readonly curve: Record<string, number | null>;
  readonly secondsPerRun: number;
  readonly askMsMedian: number | null;
}

function checkpoints(): number[] {
  const c = CHECKPOINTS.filter((k) => k <= opts.evals);
  if (c[c.length - 1] !== opts.evals) c.push(opts.evals);
  return c;
}

function summarize(tp: TestProblem, method: Method, runs: readonly Run[]): Summary {
  const ok = runs.filter((r) => r.error === undefined);
  const finals = ok.map((r) => r.best[opts.evals - 1] ?? null);
  const med = quantile(tp, finals, 0.5);
  const curve: Record<string, number | null> = {};
  for (const k of checkpoints())
    curve[k] = quantile(
      tp,
      ok.map((r) => r.best[k - 1] ?? null),
      0.5,
    );
  const asks = ok.flatMap((r) => (r.askMs === undefined ? [] : [r.askMs.median]));
  return {
    problem: tp.name,
    method,
    runs: ok.length,
    errors: runs.flatMap((r) => (r.error === undefined ? [] : [`seed ${r.seed}: ${r.error}`])),
    feasibleRuns: ok.length === 0 ? 0 : ok.filter((r) => r.feasible > 0).length / ok.length,
    final: {
      median: med,
      worseQuartile: quantile(tp, finals, 0.25),
      betterQuartile: quantile(tp, finals, 0.75),
    },
    medianGap: med === null ? null : Math.abs(med - tp.optimum),
    curve,
    secondsPerRun: median(ok.map((r) => r.seconds)),
    askMsMedian: asks.length === 0 ? null : median(asks),
  };
}

// --------------------------------------------------------------------------------------------------
// Latency of one SCBO ask

interface LatencyPoint {
  readonly observations: number;
  readonly ms: number;
  readonly samples: number[];
}

function latency(sizes: readonly number[]): LatencyPoint[] {
  const tp = constrainedAckley(18);
  const rng = new Rng(123);
  const random = (): ParamValues => tp.space.sampleUniform(rng);
  const observe = (p: ParamValues): Observation => {
    const e = evaluate(tp, p);
    return { params: p, state: 'complete', values: [e.value], constraints: e.constraints };
  };
  const pending = Array.from({ length: 4 }, random);
  const all: Observation[] = [];
  const out: LatencyPoint[] = [];
  // A random history makes the replayed trust region fail and restart over and over, and right after a
  // restart SCBO asks for Sobol' points (no model): with restarts off, every ask here takes the model
  // path (GPs on the maxGpPoints nearest the incumbent, Thompson sampling), whose cost is what we want.
  if (optim === null) throw new Error('scbo unavailable');
  const sampler = optim.createSampler(
    { kind: 'scbo', seed: 7, parallelism: 4, trustRegion: { failureTolerance: Number.MAX_SAFE_INTEGER } },
    asProblem(tp),
  );
  for (const n of sizes) {
    while (all.length < n) all.push(observe(random()));
    const history = all.slice(0, n);
    if (out.length === 0) sampler.ask(history, pending, 1); // warm-up (JIT), untimed
    const samples: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      sampler.ask(history, pending, 1);
      samples.push(performance.now() - t);
    }
    out.push({ observations: n, ms: median(samples), samples });
    process.stderr.write(`[bench:bo] latency d=18, n=${n}: ${median(samples).toFixed(0)} ms\n`);
  }
  return out;
}

// --------------------------------------------------------------------------------------------------
// Report

function fmt(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 2);
}

function secs(s: number): string {
  return s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}

function markdown(
  summaries: readonly Summary[],
  lat: LatencyPoint[] | null,
  meta: Record<string, unknown>,
): string {
  const cps = checkpoints();
  let md = `# bench:bo — constrained BO on test problems with known optima\n\n`;
  md += `${meta.date}, ${meta.cpus} cores (${meta.cpu}), node ${meta.node}, optuna ${meta.optuna ?? '—'}, `;
  md += `optimizer sources ${meta.sourceHash}; `;
  md += `${opts.seeds} seeds × ${opts.evals} evaluations; scbo/random/sobol asynchronous with ${opts.pending} `;
  md += 'running (oldest finishes first), optuna-tpe sequential. Best feasible value; runs with no feasible ';
  md += `point count as worst (—). ${opts.jobs} runs at a time (s/run: wall time of one run; ms/ask: median `;
  md += 'over runs of the median ask() time).\n';
  for (const name of opts.problems) {
    const tp = testProblem(name);
    md += `\n## ${tp.name} (${tp.direction}, optimum ${fmt(tp.optimum)})\n\n${tp.title}\n\n`;
    md += `| method | feasible runs | final median [IQR] | gap to optimum | ${cps.map((k) => `@${k}`).join(' | ')} | s/run | ms/ask |\n`;
    md += `|---|---|---|---|${cps.map(() => '---').join('|')}|---|---|\n`;
    for (const s of summaries.filter((x) => x.problem === name)) {
      // The interquartile range in numeric order (a missing quartile — no feasible point — is shown as —).
      const q = [s.final.worseQuartile, s.final.betterQuartile];
      if (tp.direction === 'minimize') q.reverse();
      const iqr = `${fmt(s.final.median)} [${fmt(q[0])}, ${fmt(q[1])}]`;
      const curve = cps.map((k) => fmt(s.curve[k])).join(' | ');
      const err = s.errors.length > 0 ? ` (${s.errors.length} failed)` : '';
      md += `| ${s.method}${err} | ${(100 * s.feasibleRuns).toFixed(0)}% of ${s.runs} | ${iqr} | ${fmt(s.medianGap, 3)} | ${curve} | ${s.secondsPerRun.toFixed(2)} | ${s.askMsMedian === null ? '—' : s.askMsMedian.toFixed(1)} |\n`;
    }
  }
  if (lat !== null) {
    md += '\n## SCBO ask() latency (18-D constrained Ackley, 2 constraints, 4 pending, median of 3)\n\n';
    md += 'Random histories; trust-region restarts off, so that every ask fits the GPs (on at most ';
    md += 'maxGpPoints = 256 points nearest the incumbent) and Thompson-samples the candidates.\n\n';
    md += '| observations | ms per ask |\n|---|---|\n';
    for (const l of lat) md += `| ${l.observations} | ${l.ms.toFixed(0)} |\n`;
  }
  return md;
}

/**
 * A hash of the optimizer's sources (src/optim, src/linalg, src/space, src/core; tests excluded), taken
 * at the start and the end of a run: worker processes load the sources afresh, so an edit made while
 * the benchmark runs would mix versions in one set of results.
 */
function sourceHash(): string {
  const h = createHash('sha256');
  for (const dir of ['src/optim', 'src/linalg', 'src/space', 'src/core']) {
    const files = readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .sort();
    for (const f of files)
      h.update(`${dir}/${f}\0`)
        .update(readFileSync(join(root, dir, f)))
        .update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

// --------------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const worker = arg('--worker');
  if (worker !== undefined) {
    const [name, method, seed] = worker.split(',');
    const tp = testProblem(name);
    const m = method as Exclude<Method, 'optuna-tpe'>;
    const r = runTs(tp, m, Number(seed));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const t0 = performance.now();
  const hashAtStart = sourceHash();
  const problems = opts.problems.map(testProblem);
  const tsMethods = opts.methods.filter((m): m is Exclude<Method, 'optuna-tpe'> => m !== 'optuna-tpe');
  const notes: string[] = [];
  if (optim === null) {
    const msg = `src/optim/index.ts does not load (${optimError}): scbo skipped, random/sobol built directly`;
    notes.push(msg);
    process.stderr.write(`[bench:bo] ${msg}\n`);
  }
  const methods = optim === null ? tsMethods.filter((m) => m !== 'scbo') : tsMethods;
  const runs: Run[] = [];

  // One task per (seed, problem, method), seed-major: the first seed's runs give an estimate of the
  // whole. `jobs` at a time, each in its own process when jobs > 1 (TypeScript runs: this script in
  // worker mode; Optuna: always a Python subprocess).
  const optuna = opts.methods.includes('optuna-tpe') && existsSync(PY);
  if (opts.methods.includes('optuna-tpe') && !optuna) notes.push(`${PY} not found: optuna-tpe skipped`);
  const all: Method[] = [...methods, ...(optuna ? (['optuna-tpe'] as const) : [])];
  const tasks: { tp: TestProblem; method: Method; seed: number }[] = [];
  for (let seed = 0; seed < opts.seeds; seed++) {
    for (const tp of problems) for (const method of all) tasks.push({ tp, method, seed });
  }
  const perSeed = problems.length * all.length;
  process.stderr.write(
    `[bench:bo] ${tasks.length} runs (${opts.seeds} seeds × ${problems.length} problems × ${all.length} methods), ` +
      `${opts.evals} evaluations each, ${opts.jobs} at a time\n`,
  );
  const tStart = performance.now();
  const firstSeed = new Map<Method, number>();
  await pool(
    tasks.map(({ tp, method, seed }) => (): Promise<Run> => {
      if (method === 'optuna-tpe') return runOptuna(tp, seed);
      return opts.jobs > 1 ? runWorker(tp, method, seed) : runInProcess(tp, method, seed);
    }),
    opts.jobs,
    (r, i) => {
      runs.push(r);
      if (r.seed === 0) firstSeed.set(r.method, (firstSeed.get(r.method) ?? 0) + r.seconds);
      const el = (performance.now() - tStart) / 1000;
      const eta = (el / runs.length) * (tasks.length - runs.length);
      const last = r.best[r.best.length - 1];
      const what =
        r.error === undefined ? `best ${fmt(last)} in ${r.seconds.toFixed(1)} s` : `FAILED ${r.error}`;
      process.stderr.write(
        `[bench:bo] ${r.method} ${r.problem} seed ${r.seed}: ${what} (${runs.length}/${tasks.length}, ` +
          `${secs(el)} elapsed, ETA ${secs(eta)})\n`,
      );
      if (runs.length === perSeed && opts.seeds > 1 && i < tasks.length) {
        const parts = all.map((m) => `${m} ${secs((firstSeed.get(m) ?? 0) * opts.seeds)}`);
        process.stderr.write(
          `[bench:bo] estimate from seed 0: ${secs(el * opts.seeds)} wall in all; CPU time per method for ` +
            `${opts.seeds} seeds: ${parts.join(', ')}\n`,
        );
      }
    },
  );
  runs.sort((a, b) => a.seed - b.seed);

  const summaries: Summary[] = [];
  for (const tp of problems) {
    for (const m of opts.methods) {
      const rs = runs.filter((r) => r.problem === tp.name && r.method === m);
      if (rs.length > 0) summaries.push(summarize(tp, m, rs));
    }
  }

  let lat: LatencyPoint[] | null = null;
  if (opts.latency && opts.methods.includes('scbo')) {
    if (optim === null) notes.push('latency skipped: scbo unavailable');
    else {
      try {
        lat = latency(opts.latencySizes);
      } catch (err) {
        notes.push(`latency failed: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }

  const hashAtEnd = sourceHash();
  if (hashAtEnd !== hashAtStart) {
    const msg = `optimizer sources changed during the run (${hashAtStart} → ${hashAtEnd}): results mix versions`;
    notes.push(msg);
    process.stderr.write(`[bench:bo] WARNING ${msg}\n`);
  }
  const meta = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    optuna: optunaVersion,
    sourceHash: hashAtEnd,
    options: opts,
    totalSeconds: (performance.now() - t0) / 1000,
    notes,
  };
  const problemsInfo = problems.map((tp) => ({
    name: tp.name,
    title: tp.title,
    direction: tp.direction,
    dims: tp.dims,
    constraints: tp.constraintNames,
    optimum: tp.optimum,
    reference: tp.reference,
  }));
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${opts.out}.json`),
    `${JSON.stringify({ meta, problems: problemsInfo, summaries, latency: lat, runs }, null, 1)}\n`,
  );
  let md = markdown(summaries, lat, meta);
  if (notes.length > 0) md += `\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
  md += `\nTotal wall time ${secs(meta.totalSeconds)}.\n`;
  writeFileSync(join(dir, `${opts.out}.md`), md);
  process.stdout.write(md);
}

await main();
