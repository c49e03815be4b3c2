/**
 * Studies shared by several real processes (not threads) that have nothing in common but the storage,
 * on SQLite (one file) and PostgreSQL (a private cluster started for this file, testing/pg-server.ts,
 * or SPIKETUNE_TEST_PG_URL; SPIKETUNE_SKIP_PG=1 skips it):
 *
 * - 8 worker processes (testing/worker-child.ts: runStudy with a JavaScript objective of 5–20 ms) run
 *   one 300-trial random-search study: every number once, none lost, every result stored, the k-th
 *   trial holds the sampler's k-th proposal (so every ask saw all earlier trials: the ask lock held),
 *   and the work is spread over the processes. The same with SCBO (40 trials): GP asks under the lock.
 * - kill -9: two `spiketune worker --stale-seconds 2` processes run a 12-trial study of an external
 *   command that sleeps 1.5 s; one is SIGKILLed while it runs a trial. The other fails that trial
 *   ("worker lost"), re-queues it (attempt 2, retryOf), runs it, and the study ends with exactly 12
 *   finished trials. No process is left behind (the orphaned command exits; everything is killed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSampler, type SamplerConfig } from '../optim/index.ts';
import { openStorage } from '../storage/index.ts';
import type { Storage } from '../storage/storage.ts';
import { startTestPg, type TestPg } from '../storage/testing/pg-server.ts';
import { parseStudy } from './config-file.ts';
import { studyProblem, type Trial } from './model.ts';
import {
  distributedValue,
  forkWorkers,
  killAll,
  processAlive,
  sleep,
  spawnCliWorker,
  trainerOf,
  trainerPids,
  until,
} from './testing/processes.ts';

const fixture = join(import.meta.dirname, '../workers/fixtures/trainer.mjs');
const skipPg = process.env.SPIKETUNE_SKIP_PG === '1';

const dirs: string[] = [];
const stores: Storage[] = [];
let trainerDirs: string[] = [];

afterEach(async () => {
  // Nothing may outlive a test: workers with their process groups, and external commands (each in
  // its own group) whose pids the fixture recorded.
  killAll(trainerDirs.flatMap(trainerPids));
  trainerDirs = [];
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function open(url: string): Promise<Storage> {
  const s = await openStorage(url);
  stores.push(s);
  return s;
}

const workerName = (pid: number): string => `${hostname()}:${pid}`;
const finished = (t: Trial): boolean => t.state === 'complete' || t.state === 'stopped';

function studyConfig(name: string, sampler: Record<string, unknown>, trials: number, extra = {}) {
  return parseStudy(
    {
      name,
      seed: 11,
      objectives: [{ name: 'accuracy', direction: 'maximize' }],
      space: { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } },
      objective: { kind: 'command', command: [process.execPath, fixture, 'study'], values: ['accuracy'] },
      sampler,
      budget: { trials },
      ...extra,
    },
    'test',
  );
}

/** Runs `n` forked workers on a fresh study to its end; returns the trials and the wall time. */
async function runForked(url: string, config: ReturnType<typeof studyConfig>, n: number) {
  const storage = await open(url);
  const study = await storage.createStudy(config);
  const { workers, go } = forkWorkers(url, study.name, n, { sleepMs: [5, 20] });
  await Promise.all(workers.map((w) => w.ready));
  const t0 = Date.now();
  go();
  const summaries = await Promise.all(workers.map((w) => w.summary));
  const seconds = (Date.now() - t0) / 1000;
  expect(await Promise.all(workers.map((w) => w.exit))).toEqual(workers.map(() => 0));
  for (const s of summaries) expect(s.reason).toBe('budget');
  const trials = await storage.getTrials(study.id);
  const names = new Set(workers.map((w) => workerName(w.pid)));
  const perWorker = workers.map((w) => trials.filter((t) => t.worker === workerName(w.pid)).length);
  return { trials, seconds, names, perWorker };
}

/** Every trial number 0..n-1 exactly once, all complete with the objective's value and its report. */
function expectCompleteStudy(trials: readonly Trial[], n: number, names: ReadonlySet<string>): void {
  expect(trials.map((t) => t.number)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(
    trials.filter((t) => t.state !== 'complete').map((t) => `${t.number}: ${t.state} ${t.error}`),
  ).toEqual([]);
  for (const t of trials) {
    expect(t.values?.[0]).toBeCloseTo(distributedValue(t.params), 12);
    expect(t.reports).toHaveLength(1);
    expect(t.finishedAt).not.toBeNull();
    expect(names.has(t.worker ?? '')).toBe(true);
    expect(t.attempt).toBe(1);
  }
}

function distributedSuite(backend: string, freshUrl: () => Promise<string>): void {
  it(`${backend}: 8 processes run one 300-trial study: every number once, nothing lost, asks serialized`, {
    timeout: 90_000,
  }, async () => {
    const config = studyConfig('many', { kind: 'random' }, 300);
    const { trials, seconds, names, perWorker } = await runForked(await freshUrl(), config, 8);
    expectCompleteStudy(trials, 300, names);
    // Random search is a pure function of (seed, trials so far): the k-th trial must hold the k-th
    // proposal. Two asks that saw the same trial count (a broken ask lock) would duplicate a point.
    const sampler = createSampler(
      { kind: 'random', seed: config.seed } as SamplerConfig,
      studyProblem(config),
    );
    for (const t of trials) {
      const pending = Array.from({ length: t.number }, () => ({}));
      expect(t.params).toEqual(sampler.ask([], pending, 1)[0]);
    }
    // The work was shared: most processes ran trials.
    expect(perWorker.filter((c) => c > 0).length).toBeGreaterThanOrEqual(6);
    console.log(
      `[distributed ${backend}] 300 trials, 8 processes: ${seconds.toFixed(1)} s; per process ${perWorker.join(' ')}`,
    );
  });

  it(`${backend}: 8 processes run a 40-trial SCBO study, each GP ask under the lock seeing the others' points`, {
    timeout: 90_000,
  }, async () => {
    const config = studyConfig('scbo', { kind: 'scbo' }, 40);
    const { trials, seconds, names, perWorker } = await runForked(await freshUrl(), config, 8);
    expectCompleteStudy(trials, 40, names);
    const keys = new Set(trials.map((t) => `${t.params.x},${t.params.y}`));
    expect(keys.size).toBe(40); // no point asked twice: each ask had the running ones as pending
    expect(perWorker.filter((c) => c > 0).length).toBeGreaterThanOrEqual(3);
    console.log(
      `[distributed ${backend}] SCBO 40 trials, 8 processes: ${seconds.toFixed(1)} s; per process ${perWorker.join(' ')}`,
    );
  });

  it(`${backend}: kill -9 of a worker: its trial is failed after the grace period, re-queued and re-run; exact budget`, {
    timeout: 90_000,
  }, async () => {
    const url = await freshUrl();
    const storage = await open(url);
    const pids = tempDir('spiketune-trainers-');
    trainerDirs.push(pids);
    const config = parseStudy(
      {
        name: 'kill',
        seed: 5,
        objectives: [{ name: 'accuracy', direction: 'maximize' }],
        space: { x: { type: 'float', low: 0, high: 1 } },
        objective: {
          kind: 'command',
          command: [process.execPath, fixture, 'sleep', pids, '1500'],
          values: ['accuracy'],
        },
        sampler: { kind: 'sobol' },
        budget: { trials: 12 },
        maxRetries: 1,
      },
      'test',
    );
    const study = await storage.createStudy(config);
    const t0 = Date.now();
    const a = spawnCliWorker(url, study.name, ['--workers', '1', '--stale-seconds', '2']);
    const b = spawnCliWorker(url, study.name, ['--workers', '1', '--stale-seconds', '2']);
    // Once A runs a trial (its command sleeping), kill A — not its command, which is in a group of
    // its own and is thereby orphaned, as when a machine's worker dies.
    const victim = await until(
      'a running trial of worker A',
      async () => {
        const running = await storage.getTrials(study.id, { states: ['running'], reports: false });
        return running.find((t) => t.worker === workerName(a.pid));
      },
      30_000,
    );
    const orphan = await until('the command of A', async () => trainerOf(pids, victim.number), 10_000);
    expect(processAlive(orphan)).toBe(true);
    process.kill(a.pid, 'SIGKILL');
    const killedAt = Date.now();
    expect(await a.exit).toBe('SIGKILL');
    const code = await Promise.race([b.exit, sleep(60_000).then(() => 'timeout')]);
    // runStudy adds an 'abort' listener to its signal on every loop turn (aborted() in its
    // Promise.race) and never removes it, so Node warns past 10; anything else on stderr is an error.
    const stderr = b
      .stderr()
      .replace(/^\(node:\d+\) MaxListenersExceededWarning: .*\n(\(Use `node --trace-warnings.*\n)?/m, '');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(b.stdout()).toMatch(/budget/);
    const seconds = (Date.now() - t0) / 1000;

    const trials = await storage.getTrials(study.id, { reports: true });
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: trials.length }, (_, i) => i));
    expect(trials.filter((t) => t.state === 'queued' || t.state === 'running')).toEqual([]);
    // The killed trial: failed by B's stale check, after the grace period.
    const failed = trials.filter((t) => t.state === 'failed');
    expect(failed.map((t) => t.number)).toEqual([victim.number]);
    const lost = failed[0];
    expect(lost.worker).toBe(workerName(a.pid));
    expect(lost.error).toMatch(/^worker lost \(no heartbeat for \d+(\.\d)? s\)$/);
    expect((lost.finishedAt as number) - (victim.heartbeatAt as number)).toBeGreaterThanOrEqual(2000);
    // Its retry: same params, attempt 2, run to the end by B.
    const retries = trials.filter((t) => t.userAttrs.retryOf !== undefined);
    expect(retries).toHaveLength(1);
    const retry = retries[0];
    expect(retry.userAttrs.retryOf).toBe(victim.number);
    expect(retry.attempt).toBe(2);
    expect(retry.params).toEqual(victim.params);
    expect(retry.state).toBe('complete');
    expect(retry.worker).toBe(workerName(b.pid));
    // Exactly the budget of finished trials, the failed original not counted.
    const done = trials.filter(finished);
    expect(done).toHaveLength(12);
    for (const t of done) {
      expect(t.values?.[0]).toBeCloseTo(t.params.x as number, 12);
      expect(t.reports).toHaveLength(1);
    }
    // No orphans: every command has exited, the one A left behind included (it finishes its sleep).
    const alive = await until(
      'every external command to exit',
      async () => {
        const left = trainerPids(pids).filter(processAlive);
        return left.length === 0 ? left : undefined;
      },
      10_000,
    ).catch(() => trainerPids(pids).filter(processAlive));
    expect(alive).toEqual([]);
    expect(trainerPids(pids).length).toBe(13); // one command per trial, the killed one included
    console.log(
      `[distributed ${backend}] kill -9: study done in ${seconds.toFixed(1)} s, ` +
        `trial #${victim.number} failed ${((lost.finishedAt as number) - killedAt) / 1000} s after the kill, ` +
        `re-run as #${retry.number}`,
    );
  });
}

describe('distributed studies: sqlite', () => {
  distributedSuite('sqlite', async () => `sqlite:${join(tempDir('spiketune-dist-'), 'study.db')}`);
});

describe.skipIf(skipPg)('distributed studies: postgres', () => {
  let server: TestPg | undefined;
  beforeAll(async () => {
    server = await startTestPg();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  distributedSuite('postgres', async () => {
    if (!server) throw new Error('the PostgreSQL test server did not start (see the error of beforeAll)');
    return server.createDatabase();
  });
});
