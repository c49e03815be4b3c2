/**
 * Test studies for the dashboard: a real SQLite file in a temp dir with trials run by `runStudy` and a
 * JavaScript objective — complete, silent (stopped by the silent rule) and failed trials, two worker
 * slots — and hostile strings (`<img src=x onerror=alert(1)>`) in a categorical value, a failed trial's
 * error, the worker name and, through raw SQL (study names are validated), a study name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStorage } from '../../storage/index.ts';
import type { Storage, Study } from '../../storage/storage.ts';
import { parseStudy } from '../../study/config-file.ts';
import type { Trial } from '../../study/model.ts';
import type { Objective } from '../../study/objective.ts';
import { runStudy } from '../../study/runner.ts';

export const XSS = '<img src=x onerror=alert(1)>';
export const XSS_WORKER = `<b>worker</b>${XSS}`;

const CHECK = 32;

/**
 * Trial n: fails (with XSS as its error) when n % 5 === 2, is silent from its second report when
 * n % 4 === 1 (stopped at step 64), else completes after 4 reports with accuracy and spikes.
 */
export const fixtureObjective: Objective = async (params, ctx) => {
  const n = ctx.trialNumber;
  const lr = params.lr as number;
  const thr = params.threshold as number;
  for (let i = 1; i <= 4; i++) {
    await new Promise((r) => setTimeout(r, 15));
    if (n % 5 === 2 && i === 2) throw new Error(XSS);
    const silent = n % 4 === 1 && i >= 2;
    const out = Array.from({ length: CHECK }, (_, k) => (silent ? 0 : 1 + ((k + i) % 3)));
    const hidden = Array.from({ length: CHECK }, (_, k) => (silent ? 0.2 : 10 - i + (k % 4)));
    const d = ctx.report({
      step: CHECK * i,
      sampleSpikes: { output: out, hidden },
      metrics: { loss: 2 / i },
    });
    if (d === 'stop') return { status: 'stopped' };
  }
  const accuracy = 0.5 + 0.4 * Math.exp(-((Math.log10(lr) + 2.5) ** 2)) - 0.02 * thr;
  return { status: 'complete', values: [accuracy, 20 * thr + 100 * lr] };
};

export function fixtureConfig(name: string, trials: number, multiObjective = true) {
  const objectives = [
    { name: 'accuracy', direction: 'maximize' },
    { name: 'spikes', direction: 'minimize' },
  ].slice(0, multiObjective ? 2 : 1);
  return parseStudy(
    {
      name,
      seed: 7,
      objectives,
      space: {
        lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
        threshold: { type: 'float', low: 0.1, high: 5 },
        surrogate: { type: 'categorical', choices: ['fast-sigmoid', 'arctan', XSS] },
      },
      // Never run (the tests pass a JavaScript objective), but a study needs a valid definition.
      objective: { kind: 'command', command: ['true'], values: objectives.map((o) => o.name) },
      earlyStopping: {
        rules: [{ kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.5, checkEvery: CHECK }],
      },
      sampler: { kind: 'random' },
      budget: { trials },
    },
    'test',
  );
}

export interface Fixture {
  readonly dir: string;
  readonly path: string;
  readonly url: string;
  /** The storage the trials were written with (the dashboard should open its own). */
  readonly storage: Storage;
  readonly study: Study;
  /** A second, single-objective study whose stored name is `XSS`. */
  readonly xssStudy: Study;
  cleanup(): Promise<void>;
}

export async function makeFixture(trials = 10): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'spiketune-dashboard-'));
  const path = join(dir, 'studies.db');
  const url = `sqlite:${path}`;
  const storage = await openStorage(url);
  const study = await storage.createStudy(fixtureConfig('snn-mo', trials));
  await runStudy({ storage, study, slots: 2, worker: XSS_WORKER, objective: fixtureObjective });

  const other = await storage.createStudy(fixtureConfig('renamed', 3, false));
  await runStudy({
    storage,
    study: other,
    worker: 'w1',
    objective: async (p, ctx) => {
      const o = await fixtureObjective(p, ctx);
      return o.status === 'complete' ? { status: 'complete', values: [o.values[0]] } : o;
    },
  });
  // Study names are validated on creation; a hostile one can still come from a tampered database.
  const db = new Database(path);
  db.prepare('UPDATE studies SET name = ?, config = json_set(config, ?, ?) WHERE id = ?').run(
    XSS,
    '$.name',
    XSS,
    other.id,
  );
  db.close();
  const xssStudy = (await storage.getStudy(other.id)) as Study;
  return {
    dir,
    path,
    url,
    storage,
    study,
    xssStudy,
    cleanup: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Adds one complete trial (with reports) through the library, as a worker would. */
export async function addTrial(storage: Storage, study: Study, worker = 'late-worker'): Promise<Trial> {
  const t = await storage.createTrial(
    study.id,
    { lr: 0.003, threshold: 0.5, surrogate: 'arctan' },
    { state: 'running', worker },
  );
  for (let i = 1; i <= 3; i++) {
    await storage.addReport(t.id, {
      step: CHECK * i,
      spikes: { output: 2, hidden: 8 },
      metrics: { 'silent:output': -0.5 },
    });
  }
  return storage.finishTrial(t.id, { state: 'complete', values: [0.97, 12], constraints: [-0.5], worker });
}
