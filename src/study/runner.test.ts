import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.ts';
import type { Storage } from '../storage/storage.ts';
import { parseStudy } from './config-file.ts';
import { runStudy } from './runner.ts';

const fixture = join(import.meta.dirname, '../workers/fixtures/trainer.mjs');
const dirs: string[] = [];
const stores: Storage[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function freshStorage(): Promise<Storage> {
  const dir = mkdtempSync(join(tmpdir(), 'spiketune-runner-'));
  dirs.push(dir);
  const s = await openStorage(`sqlite:${join(dir, 'study.db')}`);
  stores.push(s);
  return s;
}

const sgStudy = (name: string, trials: number) =>
  parseStudy(
    {
      name,
      seed: 3,
      objectives: [{ name: 'accuracy', direction: 'maximize' }],
      space: {
        threshold: { type: 'float', low: 0.3, high: 40, log: true },
        lr: { type: 'float', low: 1e-3, high: 1e-2, log: true },
      },
      objective: {
        kind: 'sg',
        dataset: 'mnist',
        holdout: 200,
        trainLimit: 512,
        reportEvery: 128,
        fixed: { hidden: '32', steps: 8, batchSize: 32 },
      },
      earlyStopping: {
        rules: [{ kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.9, checkEvery: 128 }],
      },
      sampler: { kind: 'random' },
      budget: { trials },
    },
    'test',
  );

describe('runStudy', () => {
  it('runs a study of the built-in trainer on worker threads: silent networks stopped with their constraint', async () => {
    const storage = await freshStorage();
    const study = await storage.createStudy(sgStudy('sg', 8));
    const summary = await runStudy({ storage, study, slots: 2 });
    expect(summary.reason).toBe('budget');
    const trials = await storage.getTrials(study.id);
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(trials.every((t) => t.state === 'complete' || t.state === 'stopped')).toBe(true);
    const stopped = trials.filter((t) => t.state === 'stopped');
    const complete = trials.filter((t) => t.state === 'complete');
    expect(stopped.length).toBeGreaterThan(0);
    expect(complete.length).toBeGreaterThan(0);
    for (const t of stopped) {
      expect((t.constraints as number[])[0]).toBeGreaterThan(0);
      expect(t.values).toBeNull(); // never evaluated on the hold-out set
      expect(t.error).toMatch(/silent:output/);
      expect(t.reports.length).toBeGreaterThan(0);
    }
    for (const t of complete) {
      expect((t.constraints as number[])[0]).toBeLessThanOrEqual(0);
      expect((t.values as number[])[0]).toBeGreaterThan(0);
      expect(t.reports.length).toBeGreaterThan(0);
    }
    // stopped trials are cheaper: they never reach the hold-out evaluation
    const secs = (t: (typeof trials)[number]): number =>
      ((t.finishedAt as number) - (t.startedAt as number)) / 1000;
    const mean = (ts: typeof trials): number => ts.reduce((s, t) => s + secs(t), 0) / ts.length;
    expect(mean(stopped)).toBeLessThan(mean(complete));
  });

  it('an interrupted run re-queues its running trials and a second run resumes them to the exact budget', async () => {
    const storage = await freshStorage();
    const study = await storage.createStudy(sgStudy('resume', 6));
    const ac = new AbortController();
    let seen = 0;
    await runStudy({
      storage,
      study,
      slots: 2,
      signal: ac.signal,
      onProgress: (p) => {
        seen = p.complete + p.stopped;
        if (seen >= 2 && p.running > 0) ac.abort();
      },
    });
    const mid = await storage.getTrials(study.id);
    expect(mid.some((t) => t.state === 'queued')).toBe(true);
    expect(mid.filter((t) => t.state === 'failed').every((t) => /interrupted/.test(t.error ?? ''))).toBe(
      true,
    );
    const summary = await runStudy({ storage, study, slots: 2 });
    expect(summary.reason).toBe('budget');
    const all = await storage.getTrials(study.id);
    const finished = all.filter((t) => t.state === 'complete' || t.state === 'stopped');
    expect(finished.length).toBe(6);
    expect(all.filter((t) => t.state === 'queued' || t.state === 'running')).toEqual([]);
    // every interrupted trial was re-run once with the same params
    for (const f of all.filter((t) => t.state === 'failed')) {
      const retry = all.find((t) => t.userAttrs.retryOf === f.number);
      expect(retry?.params).toEqual(f.params);
    }
  });

  it('runs external commands, failing a crashed trial with its reason while the study goes on', async () => {
    const storage = await freshStorage();
    const config = parseStudy(
      {
        name: 'cmd',
        objectives: [{ name: 'accuracy', direction: 'maximize' }],
        space: { x: { type: 'float', low: 0, high: 1 } },
        objective: { kind: 'command', command: [process.execPath, fixture, 'study'], values: ['accuracy'] },
        sampler: { kind: 'sobol' },
        budget: { trials: 6 },
      },
      'test',
    );
    const study = await storage.createStudy(config);
    await runStudy({ storage, study, slots: 2 });
    const trials = await storage.getTrials(study.id);
    expect(trials).toHaveLength(6);
    const failed = trials.filter((t) => t.state === 'failed');
    // the fixture crashes for x > 0.8
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) expect(t.error).toMatch(/simulated crash/);
    for (const t of trials.filter((t) => t.state === 'complete'))
      expect((t.values as number[])[0]).toBeCloseTo(t.params.x as number, 6);
  });
});

describe('budgets', () => {
  const jsStudy = (name: string, budget: Record<string, number>) =>
    parseStudy(
      {
        name,
        objectives: [{ name: 'y', direction: 'minimize' }],
        space: { x: { type: 'float', low: 0, high: 1 } },
        objective: { kind: 'command', command: ['unused'], values: ['y'] },
        sampler: { kind: 'random' },
        budget,
      },
      'test',
    );
  const sleepy = async (p: Record<string, unknown>) => {
    await new Promise((r) => setTimeout(r, 50));
    return { status: 'complete' as const, values: [p.x as number] };
  };

  it('stops at the total trial time budget (compute spent)', async () => {
    const storage = await freshStorage();
    const study = await storage.createStudy(jsStudy('total', { totalTrialSeconds: 0.5 }));
    const summary = await runStudy({ storage, study, slots: 2, objective: sleepy });
    expect(summary.reason).toBe('trial-time');
    const n = (await storage.getTrials(study.id)).length;
    // 0.5 s of 50 ms trials: about 10, never wildly more (2 slots may overshoot by what is running)
    expect(n).toBeGreaterThanOrEqual(8);
    expect(n).toBeLessThanOrEqual(14);
  });

  it('stops at the wall-time budget, and a NaN objective fails its trial with the reason', async () => {
    const storage = await freshStorage();
    const study = await storage.createStudy(jsStudy('wall', { wallSeconds: 0.6 }));
    let k = 0;
    const summary = await runStudy({
      storage,
      study,
      slots: 1,
      objective: async (p, _ctx) => (k++ === 1 ? { status: 'complete', values: [Number.NaN] } : sleepy(p)),
    });
    expect(summary.reason).toBe('wall-time');
    const trials = await storage.getTrials(study.id);
    expect(trials.length).toBeGreaterThan(3);
    expect(trials[1].state).toBe('failed');
    expect(trials[1].error).toMatch(/"y" is NaN/);
    expect(trials.filter((t) => t.state === 'complete').length).toBe(trials.length - 1);
  });
});

describe('runStudy with the STDP trainer', () => {
  it('runs Diehl & Cook trials in worker threads; the paper’s silent rule stops silent networks', async () => {
    const storage = await freshStorage();
    const config = parseStudy(
      {
        name: 'stdp',
        seed: 2,
        objectives: [{ name: 'accuracy', direction: 'maximize' }],
        // excThreshold near 0 mV makes the excitatory layer silent
        space: { excThreshold: { type: 'categorical', choices: [-52, -5] } },
        objective: {
          kind: 'stdp',
          dataset: 'mnist',
          holdout: 100,
          trainLimit: 200,
          holdoutLimit: 100,
          reportEvery: 50,
          fixed: { mapSize: 20, time: 100 },
        },
        earlyStopping: {
          rules: [
            { kind: 'silent', layer: 'excitatory', minSpikes: 5, maxSilentFraction: 0.9, checkEvery: 50 },
            { kind: 'silent', layer: 'inhibitory', minSpikes: 1, maxSilentFraction: 0.9, checkEvery: 50 },
          ],
          combine: 'any',
        },
        sampler: { kind: 'sobol' },
        budget: { trials: 4 },
      },
      'test',
    );
    const study = await storage.createStudy(config);
    await runStudy({ storage, study, slots: 2 });
    const trials = await storage.getTrials(study.id);
    expect(trials).toHaveLength(4);
    expect(new Set(trials.map((t) => t.state))).toEqual(new Set(['complete', 'stopped']));
    for (const t of trials) {
      if (t.params.excThreshold === -5) {
        expect(t.state).toBe('stopped');
        expect((t.constraints as number[])[0]).toBeGreaterThan(0);
      } else {
        expect(t.state).toBe('complete');
        expect((t.values as number[])[0]).toBeGreaterThan(0.1);
      }
    }
  });
});
