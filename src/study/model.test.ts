import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { parseSpace, space } from '../space/index.ts';
import type { Trial } from './model.ts';
import {
  bestValue,
  canonicalJson,
  checkJson,
  checkStudyConfig,
  configDiff,
  freezeTrial,
  isFinished,
  samplerInputs,
  studyProblem,
  toObservation,
} from './model.ts';

const sp = space().float('lr', 1e-4, 1e-1, { log: true }).categorical('act', ['relu', 'tanh']).build();

function trial(over: Partial<Trial>): Trial {
  return freezeTrial({
    id: 1,
    studyId: 1,
    number: 0,
    params: { lr: 0.01, act: 'relu' },
    state: 'complete',
    values: [0.9],
    constraints: [-1],
    reports: [],
    error: null,
    worker: 'w',
    attempt: 1,
    createdAt: 0,
    startedAt: 0,
    finishedAt: 1,
    heartbeatAt: 0,
    userAttrs: {},
    ...over,
  });
}

describe('checkStudyConfig', () => {
  it('fills defaults, normalizes the space and survives JSON', () => {
    const c = checkStudyConfig({
      name: 'mnist-1',
      space: sp.toJSON(),
      objectives: [{ name: 'acc', direction: 'maximize' }],
    });
    expect(c).toEqual({
      name: 'mnist-1',
      space: sp.toJSON(),
      objectives: [{ name: 'acc', direction: 'maximize' }],
      constraints: [],
      sampler: {},
      earlyStopping: null,
      objective: null,
      budget: {},
      maxRetries: 0,
      seed: 0,
    });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    expect(parseSpace(c.space).toJSON()).toEqual(sp.toJSON());
    const mapForm = checkStudyConfig({
      name: 'm',
      space: {
        params: {
          lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
          act: { type: 'categorical', choices: ['relu', 'tanh'] },
        },
      },
      objectives: [{ name: 'acc', direction: 'maximize' }],
    });
    expect(mapForm.space).toEqual(c.space);
    expect(studyProblem(c).space.names).toEqual(['lr', 'act']);
  });

  it('names the field of every mistake', () => {
    const base = {
      name: 's',
      space: sp.toJSON(),
      objectives: [{ name: 'acc', direction: 'maximize' as const }],
    };
    const bad = (over: object) => () => checkStudyConfig({ ...base, ...over } as never);
    expect(bad({ name: 'has space' })).toThrow(/study\.name/);
    expect(bad({ objectives: [] })).toThrow(/study\.objectives/);
    expect(bad({ objectives: [{ name: 'a', direction: 'up' }] })).toThrow(
      /study\.objectives\[0\]\.direction: "up"/,
    );
    expect(bad({ constraints: ['c', 'c'] })).toThrow(/study\.constraints: "c" \(expected unique/);
    expect(bad({ budget: { trials: 0 } })).toThrow(/study\.budget\.trials/);
    expect(bad({ budget: { wallSeconds: -1 } })).toThrow(/study\.budget\.wallSeconds/);
    expect(bad({ maxRetries: 1.5 })).toThrow(/study\.maxRetries/);
    expect(bad({ sampler: { kind: 'scbo', beta: Number.NaN } })).toThrow(/study\.sampler\.beta: NaN/);
    expect(bad({ sampler: [] })).toThrow(/study\.sampler/);
    expect(bad({ space: { params: [{ name: 'x', type: 'float', low: 1, high: 0 }] } })).toThrow(
      /study\.space\./,
    );
  });

  it('compares configs regardless of key order', () => {
    const a = checkStudyConfig({
      name: 's',
      space: sp.toJSON(),
      objectives: [{ name: 'acc', direction: 'maximize' }],
      sampler: { kind: 'scbo', seed: 1 },
    });
    const b = checkStudyConfig({
      sampler: { seed: 1, kind: 'scbo' },
      objectives: [{ direction: 'maximize', name: 'acc' }],
      space: sp.toJSON(),
      name: 's',
    });
    expect(configDiff(a, b)).toEqual([]);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(configDiff(a, { ...a, seed: 2, budget: { trials: 3 } })).toEqual(['budget', 'seed']);
  });
});

describe('checkJson', () => {
  it('copies plain JSON and rejects what JSON would lose', () => {
    const v = { a: [1, 'x', true, null, { b: 2 }], skip: undefined };
    expect(checkJson('v', v)).toEqual({ a: [1, 'x', true, null, { b: 2 }] });
    expect(() => checkJson('v', { x: Number.POSITIVE_INFINITY })).toThrow(ValidationError);
    expect(() => checkJson('v', { d: new Date() })).toThrow(/v\.d.*plain object/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(() => checkJson('v', cyc)).toThrow(/cycles/);
    expect(() => checkJson('v', { f: () => 1 })).toThrow(/not a function/);
  });
});

describe('observations', () => {
  it('maps finished trials for samplers and refuses unfinished ones', () => {
    expect(toObservation(trial({}))).toEqual({
      params: { lr: 0.01, act: 'relu' },
      state: 'complete',
      values: [0.9],
      constraints: [-1],
    });
    expect(toObservation(trial({ state: 'stopped', values: [0.1], constraints: [5] }))).toMatchObject({
      values: null,
      constraints: [5],
    });
    expect(toObservation(trial({ state: 'failed', values: null, constraints: [1] }))).toMatchObject({
      values: null,
      constraints: null,
    });
    expect(() => toObservation(trial({ state: 'running' }))).toThrow(/#0 is not finished/);
    const { history, pending } = samplerInputs([
      trial({}),
      trial({ state: 'queued', params: { lr: 0.05, act: 'tanh' } }),
      trial({ state: 'running' }),
    ]);
    expect(history).toHaveLength(1);
    expect(pending).toEqual([
      { lr: 0.05, act: 'tanh' },
      { lr: 0.01, act: 'relu' },
    ]);
    expect(isFinished('stopped') && !isFinished('queued')).toBe(true);
  });

  it('finds the best feasible value in the objective direction', () => {
    const trials = [
      trial({ values: [0.5], constraints: [-1] }),
      trial({ values: [0.99], constraints: [0.1] }),
      trial({ values: [0.7], constraints: [0] }),
      trial({ state: 'stopped', values: [0.95], constraints: [-1] }),
    ];
    const max = { objectives: [{ name: 'acc', direction: 'maximize' as const }], constraints: ['silence'] };
    expect(bestValue(max, trials)).toBe(0.7);
    expect(bestValue({ ...max, objectives: [{ name: 'loss', direction: 'minimize' }] }, trials)).toBe(0.5);
    expect(bestValue({ ...max, constraints: [] }, trials)).toBe(0.99);
    expect(bestValue(max, [])).toBeNull();
  });

  it('freezes trial snapshots deeply', () => {
    const t = trial({
      reports: [{ step: 1, spikes: { out: 1 }, metrics: {}, at: 0 }],
      userAttrs: { a: { b: 1 } },
    });
    expect(
      Object.isFrozen(t.params) &&
        Object.isFrozen(t.reports[0].spikes) &&
        Object.isFrozen(t.userAttrs.a as object),
    ).toBe(true);
  });
});
