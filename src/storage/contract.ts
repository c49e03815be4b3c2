/**
 * The storage contract: one test suite every backend must pass, against a real database. Run by
 * sqlite.test.ts and postgres.test.ts. The concurrency cases (child processes) are in
 * contract-concurrency.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import type { StudyConfigInput } from '../study/model.ts';
import { checkStudyConfig, toObservation } from '../study/model.ts';
import { concurrencyContract } from './contract-concurrency.ts';
import { StorageError, StudyExistsError, TrialStateError } from './errors.ts';
import { openStorage } from './index.ts';
import type { Storage } from './storage.ts';

export interface StorageFactory {
  /** URL of a new, empty database. */
  freshUrl(): Promise<string>;
  /** URL of a new database at schema `version` only, in which `statements` (plain SQL) were run. */
  legacyUrl(version: number, statements: readonly string[]): Promise<string>;
  /** The schema version of the database at `url`. */
  schemaVersion(url: string): Promise<number>;
  readonly latestVersion: number;
}

export function studyConfig(name: string, extra: Partial<StudyConfigInput> = {}): StudyConfigInput {
  return {
    name,
    space: {
      params: {
        lr: { type: 'float', low: 1e-5, high: 1e-1, log: true },
        act: { type: 'categorical', choices: ['relu', 'tanh'] },
        bn: { type: 'categorical', choices: [true, false] },
        width: { type: 'int', low: 1, high: 512 },
      },
    },
    objectives: [{ name: 'accuracy', direction: 'maximize' }],
    constraints: ['silence'],
    ...extra,
  };
}

/** Opens storages and closes them after each test. */
export function storageOpener(): (url: string) => Promise<Storage> {
  const open: Storage[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (url) => {
    const s = await openStorage(url);
    open.push(s);
    return s;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function storageContract(name: string, factory: StorageFactory): void {
  describe(`storage contract: ${name}`, () => {
    const open = storageOpener();
    const fresh = async () => open(await factory.freshUrl());

    it('creates, gets and lists studies with counts per state and the best value', async () => {
      const s = await fresh();
      const a = await s.createStudy(studyConfig('a'));
      expect(a.config).toEqual(checkStudyConfig(studyConfig('a')));
      expect(await s.getStudy('a')).toEqual(a);
      expect(await s.getStudy(a.id)).toEqual(a);
      expect(await s.getStudy('nope')).toBeNull();
      expect(await s.getOrCreateStudy(studyConfig('a'))).toEqual(a);
      await expect(s.createStudy(studyConfig('a'))).rejects.toThrow(
        /already exists.*same config.*getOrCreateStudy/,
      );
      const other = studyConfig('a', { seed: 7, budget: { trials: 10 } });
      const err = await s.getOrCreateStudy(other).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StudyExistsError);
      expect((err as StudyExistsError).differences).toEqual(['budget', 'seed']);
      expect((err as Error).message).toMatch(/different config \(differs in: budget, seed\)/);
      const b = await s.getOrCreateStudy(
        studyConfig('b', { objectives: [{ name: 'loss', direction: 'minimize' }] }),
      );
      const fin = async (
        id: number,
        values: number[] | null,
        c: number[],
        state: 'complete' | 'stopped' = 'complete',
      ) => {
        const t = await s.createTrial(
          id,
          { lr: 0.01, act: 'relu', bn: true, width: 8 },
          { state: 'running', worker: 'w' },
        );
        await s.finishTrial(t.id, { state, values, constraints: c });
      };
      await fin(a.id, [0.8], [-1]);
      await fin(a.id, [0.95], [0.5]); // infeasible: not the best
      await fin(a.id, [0.9], [0]);
      await fin(a.id, null, [3], 'stopped');
      await s.createTrial(a.id, { lr: 0.01, act: 'relu', bn: false, width: 9 }, { state: 'queued' });
      await fin(b.id, [0.3], [-1]);
      await fin(b.id, [0.2], [-1]);
      const list = await s.listStudies();
      expect(list.map((x) => x.study.name)).toEqual(['a', 'b']);
      expect(list[0].counts).toEqual({ queued: 1, running: 0, complete: 3, stopped: 1, failed: 0 });
      expect(list[0].best).toBe(0.9);
      expect(list[1].best).toBe(0.2);
    });

    it('round-trips params (strings, booleans, numbers) and user attributes as JSON', async () => {
      const s = await fresh();
      const study = await s.createStudy(studyConfig('json'));
      const params = {
        lr: 0.1 + 0.2,
        act: 'tanh "quoted" ü ✓',
        bn: false,
        width: 512,
        tiny: 1e-300,
        neg: -0,
      };
      const attrs = { note: 'hi', nested: { list: [1, 'two', true, null] } };
      const t = await s.createTrial(study.id, params, { state: 'queued', userAttrs: attrs });
      const back = await s.getTrial(t.id);
      expect(back?.params).toEqual({ ...params, neg: 0 });
      expect(back?.params.lr).toBe(0.1 + 0.2);
      expect(typeof back?.params.bn).toBe('boolean');
      expect(back?.userAttrs).toEqual(attrs);
      expect(Object.isFrozen(back) && Object.isFrozen(back?.params)).toBe(true);
      expect(back).toMatchObject({ state: 'queued', number: 0, attempt: 1, worker: null, startedAt: null });
    });

    it('rejects non-finite values with a clear error, leaving the trial running', async () => {
      const s = await fresh();
      const study = await s.createStudy(studyConfig('nan'));
      await expect(s.createTrial(study.id, { lr: Number.NaN }, { state: 'queued' })).rejects.toThrow(
        /invalid params\.lr: NaN/,
      );
      const t = await s.createTrial(study.id, { lr: 0.1 }, { state: 'running', worker: 'w' });
      const err = await s
        .finishTrial(t.id, { state: 'complete', values: [Number.NaN], constraints: [0] })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(/result\.values\[0\]: NaN.*finite.*fail the trial/);
      await expect(
        s.finishTrial(t.id, { state: 'complete', values: [1], constraints: [Number.POSITIVE_INFINITY] }),
      ).rejects.toThrow(/result\.constraints\[0\]: Infinity/);
      await expect(s.addReport(t.id, { step: 1, spikes: { out: Number.NaN }, metrics: {} })).rejects.toThrow(
        /report\.spikes\.out: NaN/,
      );
      await expect(s.addReport(t.id, { step: 1, spikes: {}, metrics: { loss: -Infinity } })).rejects.toThrow(
        /report\.metrics\.loss/,
      );
      expect((await s.getTrial(t.id))?.state).toBe('running');
      const failed = await s.finishTrial(t.id, { state: 'failed', error: 'objective is NaN' });
      expect(failed).toMatchObject({ state: 'failed', error: 'objective is NaN', values: null });
    });

    it('merges attributes given when a trial finishes into its own', async () => {
      const s = await fresh();
      const study = await s.createStudy(studyConfig('attrs'));
      const t = await s.createTrial(study.id, { lr: 0.1 }, { state: 'running', userAttrs: { retryOf: 3 } });
      const done = await s.finishTrial(t.id, {
        state: 'stopped',
        constraints: [0.5],
        userAttrs: { stopStep: 1024, probe: { silent: true } },
      });
      expect(done.userAttrs).toEqual({ retryOf: 3, stopStep: 1024, probe: { silent: true } });
      expect((await s.getTrial(t.id))?.userAttrs).toEqual(done.userAttrs);
      const u = await s.createTrial(study.id, { lr: 0.2 }, { state: 'running' });
      await expect(
        s.finishTrial(u.id, {
          state: 'failed',
          error: 'x',
          userAttrs: [1] as unknown as Record<string, unknown>,
        }),
      ).rejects.toThrow(/result\.userAttrs/);
      const plain = await s.finishTrial(u.id, { state: 'failed', error: 'x' });
      expect(plain.userAttrs).toEqual({});
    });

    it('enforces the finishing rules', async () => {
      const s = await fresh();
      const study = await s.createStudy(studyConfig('rules'));
      const q = await s.createTrial(study.id, { lr: 0.1 }, { state: 'queued' });
      await expect(s.finishTrial(q.id, { state: 'complete', values: [1], constraints: [0] })).rejects.toThrow(
        /cannot finish as complete trial \d+ \(#0 .*\): it is queued, not running/,
      );
      const t = await s.createTrial(study.id, { lr: 0.2 }, { state: 'running', worker: 'w1' });
      await expect(
        s.finishTrial(t.id, { state: 'complete', values: [1, 2], constraints: [0] }),
      ).rejects.toThrow(/expected 1 number\(s\), one per objective/);
      await expect(s.finishTrial(t.id, { state: 'complete', constraints: [0] })).rejects.toThrow(
        /needs its objective/,
      );
      await expect(s.finishTrial(t.id, { state: 'complete', values: [1] })).rejects.toThrow(
        /needs its constraint/,
      );
      await expect(s.finishTrial(t.id, { state: 'failed' })).rejects.toThrow(/needs a reason/);
      const wrong = await s
        .finishTrial(t.id, { state: 'stopped', constraints: [2], worker: 'w2' })
        .catch((e) => e);
      expect(wrong).toBeInstanceOf(TrialStateError);
      expect(wrong.message).toMatch(/running on worker "w1", not "w2"/);
      const done = await s.finishTrial(t.id, { state: 'stopped', constraints: [2], worker: 'w1' });
      expect(done).toMatchObject({ state: 'stopped', constraints: [2], values: null, worker: 'w1' });
      expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!);
      expect(toObservation(done)).toEqual({
        params: { lr: 0.2 },
        state: 'stopped',
        values: null,
        constraints: [2],
      });
      const again = await s.finishTrial(t.id, { state: 'failed', error: 'late' }).catch((e) => e);
      expect(again).toBeInstanceOf(TrialStateError);
      expect(again.message).toMatch(
        /no longer running: already stopped at .*held by worker "w1"; this result is not recorded/,
      );
      await expect(s.heartbeat(t.id, 'w1')).rejects.toThrow(/cannot heartbeat .* already stopped/);
      await expect(s.finishTrial(99999, { state: 'failed', error: 'x' })).rejects.toThrow(
        /no trial with id 99999/,
      );
      await expect(s.createTrial(99999, { lr: 1 }, { state: 'queued' })).rejects.toThrow(
        /no study with id 99999/,
      );
    });

    it('stores reports in order and filters trials by state and number', async () => {
      const s = await fresh();
      const study = await s.createStudy(studyConfig('reports'));
      const t = await s.createTrial(study.id, { lr: 0.1 }, { state: 'running', worker: 'w' });
      const reports = [
        { step: 100, spikes: { hidden: 3.5, out: 0.25 }, metrics: { loss: 2.3 }, at: 1000 },
        { step: 200, spikes: { hidden: 4, out: 1 }, metrics: { loss: 1.1, acc: 0.5 }, at: 2000 },
      ];
      for (const r of reports) await s.addReport(t.id, r);
      const before = Date.now();
      await s.addReport(t.id, { step: 300, spikes: { out: 0 }, metrics: {} });
      const got = await s.getTrial(t.id);
      expect(got?.reports.slice(0, 2)).toEqual(reports);
      expect(got?.reports[2].step).toBe(300);
      expect(got?.reports[2].at).toBeGreaterThanOrEqual(before - 1000);
      const other = await s.createTrial(study.id, { lr: 0.2 }, { state: 'queued' });
      await expect(s.addReport(other.id, { step: 1, spikes: {}, metrics: {} })).rejects.toThrow(
        /queued, not running/,
      );
      const fin = await s.finishTrial(t.id, { state: 'complete', values: [0.5], constraints: [-1] });
      expect(fin.reports).toHaveLength(3);
      await expect(s.addReport(t.id, { step: 400, spikes: {}, metrics: {} })).rejects.toThrow(
        TrialStateError,
      );
      await s.createTrial(study.id, { lr: 0.3 }, { state: 'running', worker: 'w' });
      const all = await s.getTrials(study.id);
      expect(all.map((x) => [x.number, x.state])).toEqual([
        [0, 'complete'],
        [1, 'queued'],
        [2, 'running'],
      ]);
      expect(all[0].reports).toHaveLength(3);
      expect((await s.getTrials(study.id, { reports: false }))[0].reports).toEqual([]);
      expect((await s.getTrials(study.id, { states: ['queued', 'running'] })).map((x) => x.number)).toEqual([
        1, 2,
      ]);
      expect(
        (await s.getTrials(study.id, { sinceNumber: 1, states: ['running'] })).map((x) => x.number),
      ).toEqual([2]);
      expect(await s.getTrials(study.id, { states: [] })).toEqual([]);
    });

    it('fails trials without heartbeat and re-queues them up to maxRetries', async () => {
      const s = await fresh();
      const study = await s.createStudy(studyConfig('stale', { maxRetries: 1 }));
      const lost = await s.createTrial(
        study.id,
        { lr: 0.1 },
        { state: 'running', worker: 'w1', userAttrs: { k: 1 } },
      );
      const alive = await s.createTrial(study.id, { lr: 0.2 }, { state: 'running', worker: 'w2' });
      await sleep(300);
      await s.heartbeat(alive.id, 'w2');
      await expect(s.heartbeat(alive.id, 'w3')).rejects.toThrow(/running on worker "w2", not "w3"/);
      const r1 = await s.failStaleTrials(study.id, 200, 1);
      expect(r1.failed.map((t) => t.id)).toEqual([lost.id]);
      expect(r1.failed[0].error).toMatch(/^worker lost \(no heartbeat for \d+(\.\d)? s\)$/);
      expect(Date.now() - r1.failed[0].heartbeatAt!).toBeGreaterThanOrEqual(200);
      expect(r1.requeued).toHaveLength(1);
      expect(r1.requeued[0]).toMatchObject({ state: 'queued', attempt: 2, params: { lr: 0.1 }, number: 2 });
      expect(r1.requeued[0].userAttrs).toEqual({ k: 1, retryOf: 0 });
      expect((await s.failStaleTrials(study.id, 200, 1)).failed).toEqual([]);
      const late = await s
        .finishTrial(lost.id, { state: 'complete', values: [1], constraints: [0] })
        .catch((e) => e);
      expect(late.message).toMatch(
        /already failed .*\(worker lost \(no heartbeat for .* s\)\); it was held by worker "w1"/,
      );
      await expect(s.heartbeat(lost.id, 'w1')).rejects.toThrow(TrialStateError);
      const retry = await s.claimQueuedTrial(study.id, 'w3');
      expect(retry).toMatchObject({ id: r1.requeued[0].id, state: 'running', worker: 'w3', attempt: 2 });
      expect(retry?.heartbeatAt).not.toBeNull();
      await sleep(300);
      await s.heartbeat(alive.id, 'w2');
      const r2 = await s.failStaleTrials(study.id, 200, 1);
      expect(r2.failed.map((t) => t.id)).toEqual([retry?.id]);
      expect(r2.requeued).toEqual([]); // attempt 2 was the last (1 retry)
      expect(await s.claimQueuedTrial(study.id, 'w3')).toBeNull();
      const counts = (await s.listStudies())[0].counts;
      expect(counts).toEqual({ queued: 0, running: 1, complete: 0, stopped: 0, failed: 2 });
    });

    it('waits for changes from another connection, and times out otherwise', async () => {
      const url = await factory.freshUrl();
      const a = await open(url);
      const b = await open(url); // another connection
      const study = await a.createStudy(studyConfig('wait'));
      const t = await b.createTrial(study.id, { lr: 0.1 }, { state: 'running', worker: 'w' });
      await a.waitForChange(study.id, 0); // sets the baseline
      let t0 = Date.now();
      expect(await a.waitForChange(study.id, 150)).toBe(false);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      await b.heartbeat(t.id, 'w'); // not a change
      expect(await a.waitForChange(study.id, 100)).toBe(false);
      t0 = Date.now();
      setTimeout(() => void b.addReport(t.id, { step: 1, spikes: {}, metrics: {} }), 50);
      expect(await a.waitForChange(study.id, 5000)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(1000);
      await b.finishTrial(t.id, { state: 'failed', error: 'x' }); // before the call: not lost
      expect(await a.waitForChange(study.id, 5000)).toBe(true);
      expect(await a.waitForChange(study.id, 50)).toBe(false);
    });

    it('migrates a database made by an older version', async () => {
      const config = JSON.stringify(checkStudyConfig(studyConfig('old'))).replace(/'/g, "''");
      const url = await factory.legacyUrl(1, [
        `INSERT INTO studies (name, config, created_at, next_number) VALUES ('old', '${config}', 1000, 1)`,
        `INSERT INTO trials (study_id, number, params, state, objective_values, constraint_values, worker, attempt,
           created_at, started_at, finished_at, heartbeat_at)
         VALUES (1, 0, '{"lr":0.25,"act":"relu"}', 'complete', '[0.5]', '[-1]', 'w', 1, 1000, 1000, 2000, 1500)`,
        `INSERT INTO reports (trial_id, step, spikes, metrics, at) VALUES (1, 10, '{"out":3}', '{}', 1200)`,
      ]);
      expect(await factory.schemaVersion(url)).toBe(1);
      const s = await open(url);
      expect(await factory.schemaVersion(url)).toBe(factory.latestVersion);
      const study = await s.getStudy('old');
      const [t] = await s.getTrials(study!.id);
      expect(t).toMatchObject({ number: 0, params: { lr: 0.25, act: 'relu' }, values: [0.5], userAttrs: {} });
      expect(t.reports).toEqual([{ step: 10, spikes: { out: 3 }, metrics: {}, at: 1200 }]);
      expect((await s.createTrial(study!.id, { lr: 0.5 }, { state: 'queued' })).number).toBe(1);
      const newer = await factory.legacyUrl(factory.latestVersion, [
        'UPDATE schema_version SET version = 99',
      ]);
      const err = await openStorage(newer).catch((e) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(err.message).toMatch(/schema version 99 is newer than this spiketune supports \(\d+\); upgrade/);
    });

    concurrencyContract(name, factory, open);
  });
}
