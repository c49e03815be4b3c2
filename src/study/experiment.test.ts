import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSplits } from '../data/index.ts';
import { openStorage } from '../storage/index.ts';
import type { Storage } from '../storage/storage.ts';
import { parseStudy } from './config-file.ts';
import {
  checkExperiment,
  computeToReach,
  experimentRuns,
  loadExperimentFile,
  summarizeRun,
} from './experiment.ts';
import { experimentMarkdown } from './experiment-report.ts';
import { runExperiment } from './experiment-run.ts';
import type { Trial } from './model.ts';
import type { Objective } from './objective.ts';

const dirs: string[] = [];
const stores: Storage[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'spiketune-exp-'));
  dirs.push(d);
  return d;
}

const rule = { kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.9, checkEvery: 100 };
const base = {
  name: 'toy',
  objectives: [{ name: 'accuracy', direction: 'maximize' }],
  space: { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } },
  objective: {
    kind: 'sg',
    dataset: 'mnist',
    holdout: 100,
    trainLimit: 256,
    fixed: { hidden: '16', steps: 6 },
  },
  earlyStopping: { rules: [rule], probe: { samples: 32 } },
  sampler: { kind: 'scbo' },
  budget: { trials: 10 },
};

describe('experiment files', () => {
  it('builds one study per arm and seed, with the budget replaced, the sampler replaced, early stopping merged', () => {
    const spec = checkExperiment({
      name: 'abl',
      base,
      seeds: [1, 2],
      budget: { totalTrialSeconds: 30 },
      arms: [
        { name: 'a' },
        { name: 'b', earlyStopping: { action: 'observe' } },
        { name: 'c', sampler: { kind: 'random' } },
      ],
      reference: 'b',
    });
    const runs = experimentRuns(spec);
    expect(runs.map((r) => r.config.name)).toEqual([
      'abl.a.s1',
      'abl.b.s1',
      'abl.c.s1',
      'abl.a.s2',
      'abl.b.s2',
      'abl.c.s2',
    ]);
    const b = runs[1].config;
    expect(b.seed).toBe(1);
    expect(b.budget).toEqual({ totalTrialSeconds: 30 });
    expect(b.earlyStopping).toMatchObject({ rules: [rule], probe: { samples: 32 }, action: 'observe' });
    expect(b.constraints).toEqual(['silent:output']);
    expect(runs[2].config.sampler).toEqual({ kind: 'random' });
    expect(runs[0].config.sampler).toEqual({ kind: 'scbo' });
  });

  it('names the field and the value of a bad experiment', () => {
    const ok = { name: 'e', base, budget: { trials: 3 }, arms: [{ name: 'a' }] };
    expect(() => checkExperiment({ ...ok, name: 'a b' })).toThrow(/experiment.name: "a b"/);
    expect(() => checkExperiment({ ...ok, budget: {} })).toThrow(/experiment.budget/);
    expect(() => checkExperiment({ ...ok, arms: [] })).toThrow(/experiment.arms/);
    expect(() => checkExperiment({ ...ok, seeds: [1.5] })).toThrow(/experiment.seeds\[0\]: 1.5/);
    expect(() => checkExperiment({ ...ok, arms: [{ name: 'a' }, { name: 'a' }] })).toThrow(/unique/);
    expect(() => checkExperiment({ ...ok, arms: [{ name: 'a', smapler: {} }] })).toThrow(
      /experiment.arms\[0\].smapler.*unknown arm field/,
    );
    expect(() => checkExperiment({ ...ok, reference: 'z' })).toThrow(/experiment.reference: "z"/);
    expect(() =>
      checkExperiment({ ...ok, arms: [{ name: 'a', earlyStopping: { action: 'pause' } }] }),
    ).toThrow(/earlyStopping.action: "pause"/);
    expect(() => checkExperiment({ ...ok, arms: [{ name: 'a', sampler: { kind: 'tpe' } }] })).toThrow(
      /sampler.kind: "tpe"/,
    );
  });

  it('reads the ablation of docs/results.md, with its base study beside it', () => {
    const spec = loadExperimentFile(join(import.meta.dirname, '../../examples/ablation/experiment.yaml'));
    expect(spec.arms.map((a) => a.name)).toEqual([
      'scbo-stop',
      'scbo-nostop',
      'random-stop',
      'scbo-paper',
      'random-nostop',
    ]);
    expect(spec.storage).toMatch(/examples\/ablation\/ablation-mnist\.db$/);
    expect(experimentRuns(spec)).toHaveLength(spec.arms.length * spec.seeds.length);
  });
});

/** A finished trial for the summaries (times in seconds from 0). */
function trial(
  number: number,
  state: Trial['state'],
  start: number,
  end: number,
  value: number | null,
  attrs: Record<string, unknown> = {},
  constraint = -0.5,
): Trial {
  return {
    id: number + 1,
    studyId: 1,
    number,
    params: { x: number / 10 },
    state,
    values: value === null ? null : [value],
    constraints: [constraint],
    reports: [],
    error: null,
    worker: 'w',
    attempt: 1,
    createdAt: start * 1000,
    startedAt: start * 1000,
    finishedAt: end * 1000,
    heartbeatAt: null,
    userAttrs: attrs,
  };
}

describe('summarizeRun', () => {
  const config = parseStudy(base, 'test');
  it('accounts compute: silent networks, what stopping would save, testing stopped networks, best against compute', () => {
    const trials = [
      trial(0, 'complete', 0, 10, 0.8, { probe: { silent: false } }),
      trial(
        1,
        'stopped',
        10,
        11,
        null,
        { stop: { step: 100, seconds: 1, reason: 'x' }, probe: { silent: true } },
        0.1,
      ),
      trial(
        2,
        'complete',
        11,
        21,
        0.1,
        { wouldStop: { step: 100, seconds: 2, reason: 'x' }, probe: { silent: true } },
        0.1,
      ),
      trial(
        3,
        'stopped',
        21,
        24,
        0.1,
        {
          stop: { step: 100, seconds: 1, reason: 'x' },
          evaluatedAfterStop: true,
          metrics: { evalSeconds: 2 },
        },
        0.1,
      ),
      trial(4, 'complete', 24, 34, 0.9, { probe: { silent: true } }),
      trial(5, 'stopped', 34, 34.1, null, { probe: { silent: true } }, 0.1), // stopped by the probe itself
      trial(6, 'failed', 35, 36, null),
    ];
    const s = summarizeRun('a', 1, config, trials);
    expect(s).toMatchObject({ trials: 7, complete: 3, stopped: 3, failed: 1, best: 0.9, bestTrial: 4 });
    expect(s.computeSeconds).toBeCloseTo(10 + 1 + 10 + 3 + 10 + 0.1 + 1);
    expect(s.silentSeconds).toBeCloseTo(1 + 10 + 3 + 0.1);
    expect(s.wouldSaveSeconds).toBeCloseTo(8);
    expect(s.evalAfterStopSeconds).toBeCloseTo(2);
    expect(s.silentFraction).toBeCloseTo(4 / 7);
    // Trial 5 was stopped by the probe, so the rule never judged it: it does not score the probe.
    expect(s.probe).toEqual({ tp: 2, fp: 1, fn: 0, tn: 1 });
    expect(s.curve[0]).toEqual([10, 0.8]);
    expect(s.curve.at(-1)?.[1]).toBe(0.9);
    expect(computeToReach(s, 0.85, 'maximize')).toBeCloseTo(34);
    expect(computeToReach(s, 0.95, 'maximize')).toBeNull();
  });
});

describe('runExperiment', () => {
  it('runs every arm and seed at equal budget, resumes, retrains the bests and writes the tables', async () => {
    const dir = tmp();
    const storage = await openStorage(`sqlite:${join(dir, 'e.db')}`);
    stores.push(storage);
    // A toy objective: silent when x > 0.5 (its output never spikes), value 1 − |y − 0.3| otherwise.
    let calls = 0;
    const objective: Objective = async (params, ctx) => {
      calls++;
      const x = params.x as number;
      const y = params.y as number;
      for (let step = 100; step <= 400; step += 100) {
        const spikes = new Int32Array(100).fill(x > 0.5 ? 0 : 3);
        await new Promise((r) => setTimeout(r, 5));
        if (ctx.report({ step, sampleSpikes: { output: spikes } }) === 'stop') {
          return ctx.evaluateStopped === true ? { status: 'stopped', values: [0.1] } : { status: 'stopped' };
        }
      }
      return { status: 'complete', values: [1 - Math.abs(y - 0.3)], metrics: { evalSeconds: 0.001 } };
    };
    const spec = checkExperiment({
      name: 'toy',
      base: { ...base, earlyStopping: { rules: [rule] }, sampler: { kind: 'random' } },
      seeds: [1, 2],
      budget: { trials: 8 },
      arms: [
        { name: 'stop' },
        { name: 'nostop', earlyStopping: { action: 'observe' } },
        { name: 'paper', earlyStopping: { action: 'stop-and-evaluate' } },
      ],
      reference: 'nostop',
      retrain: { epochs: 1 },
    });
    const data = loadSplits({ name: 'mnist' }, { holdout: 0, seed: 0, limitTrain: 256, limitTest: 100 });
    const ac = new AbortController();
    const results = await runExperiment(spec, storage, { objective, retrainData: data, signal: ac.signal });
    // Six runs on one signal leave no listener behind.
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(results.runs).toHaveLength(6);
    expect(calls).toBe(48);
    for (const r of results.runs) {
      expect(r.trials).toBe(8);
      if (r.arm === 'nostop') {
        expect(r.stopped).toBe(0);
        expect(r.wouldSaveSeconds).toBeGreaterThan(0);
      } else expect(r.stopped).toBe(r.silentFraction * 8);
      if (r.arm === 'paper') expect(r.evalAfterStopSeconds).toBe(0); // the toy reports no evalSeconds
    }
    // Same seed, same sampler: the three arms propose the same points.
    const paramsOf = async (name: string) =>
      (await storage.getTrials((await storage.getStudy(name))?.id as number)).map((t) => t.params);
    expect(await paramsOf('toy.nostop.s1')).toEqual(await paramsOf('toy.stop.s1'));
    // Retraining: each run's best configuration, on the data given, tested.
    expect(Object.keys(results.retrain).sort()).toEqual(results.runs.map((r) => r.study).sort());
    for (const r of Object.values(results.retrain)) {
      expect(r.testSamples).toBe(100);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
    }
    // A second call resumes: nothing is run or retrained again.
    const again = await runExperiment(spec, storage, {
      objective,
      retrained: results.retrain,
      retrainData: data,
    });
    expect(calls).toBe(48);
    expect(again.runs.map((r) => r.best)).toEqual(results.runs.map((r) => r.best));
    const md = experimentMarkdown(results);
    expect(md).toMatch(/\| stop \| .*\|/);
    expect(md).toMatch(/Compute \(CPU-minutes\) to reach the best hold-out value of \*\*nostop\*\*/);
    writeFileSync(join(dir, 'e.md'), md);
  });
});
