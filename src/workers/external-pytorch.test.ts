/**
 * examples/external-pytorch end to end: its study file, run through the real command objective and
 * runStudy (SQLite in a temp dir) on a tiny MNIST subset. Needs Debian's /usr/bin/python3 with torch
 * (python3-torch, which .ci/run installs); skipped without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.ts';
import type { Storage } from '../storage/storage.ts';
import { loadStudyFile } from '../study/config-file.ts';
import type { JsonValue, StudyConfig, Trial } from '../study/model.ts';
import type { CommandObjectiveDef } from '../study/objective-def.ts';
import { runStudy } from '../study/runner.ts';

const exampleDir = join(import.meta.dirname, '../../examples/external-pytorch');
const hasTorch =
  spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 }).status === 0;
const title = (s: string): string =>
  hasTorch ? s : `${s} [skipped: /usr/bin/python3 cannot import torch; apt-get install python3-torch]`;

const dirs: string[] = [];
const stores: Storage[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** examples/external-pytorch/study.yaml, shrunk: one trial on `trainLimit` images, 10 steps. */
function tinyStudy(name: string, trainLimit: number, extraArgs: string[] = []): StudyConfig {
  const { config } = loadStudyFile(join(exampleDir, 'study.yaml'));
  const def = config.objective as unknown as CommandObjectiveDef;
  const objective: CommandObjectiveDef = {
    ...def,
    cwd: exampleDir,
    // argparse keeps the last value of a repeated option, and later --set entries win
    command: [
      ...def.command,
      ...['--train-limit', String(trainLimit), '--holdout-limit', '300', '--report-every', '256'],
      ...['--set', 'steps=10', '--set', 'batchSize=32', ...extraArgs],
    ],
    graceSeconds: 2,
  };
  const rules = [{ kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.9, checkEvery: 256 }];
  return {
    ...config,
    name,
    budget: { trials: 1 },
    objective: objective as unknown as JsonValue,
    earlyStopping: { rules },
  };
}

/** Runs one queued trial with `params` through runStudy; returns it as stored, and the run's seconds. */
async function runOne(config: StudyConfig, params: Record<string, number>): Promise<[Trial, number]> {
  const dir = mkdtempSync(join(tmpdir(), 'spiketune-external-pytorch-'));
  dirs.push(dir);
  const storage = await openStorage(`sqlite:${join(dir, 'study.db')}`);
  stores.push(storage);
  const study = await storage.createStudy(config);
  await storage.createTrial(study.id, params, { state: 'queued' });
  const t0 = performance.now();
  const summary = await runStudy({ storage, study, slots: 1 });
  const seconds = (performance.now() - t0) / 1000;
  expect(summary.reason).toBe('budget');
  const trials = await storage.getTrials(study.id);
  expect(trials).toHaveLength(1);
  return [trials[0], seconds];
}

const good = { lr: 2e-3, layers: 1, width1: 128, beta: 0.9, threshold: 1, slope: 25, gain: 1 };

describe('examples/external-pytorch', () => {
  it('study.yaml is a valid command study with a silent rule on the output layer', () => {
    const { config, storage } = loadStudyFile(join(exampleDir, 'study.yaml'));
    expect(storage).toBe(`sqlite:${join(exampleDir, 'external-pytorch.db')}`);
    expect(config.constraints).toEqual(['silent:output']);
    const def = config.objective as unknown as CommandObjectiveDef;
    expect(def.kind).toBe('command');
    expect(def.command.slice(0, 2)).toEqual(['/usr/bin/python3', 'trainer.py']);
    // Its relative cwd is relative to the study file, wherever spiketune runs.
    expect(def.cwd).toBe(exampleDir);
  });

  it.skipIf(!hasTorch)(
    title('trains a PyTorch SNN through the protocol: complete, hold-out accuracy well above chance'),
    async () => {
      const [t, seconds] = await runOne(tinyStudy('good', 2048), good);
      expect(t.error).toBeNull();
      expect(t.state).toBe('complete');
      expect((t.values as number[])[0]).toBeGreaterThan(0.5); // chance: 0.1
      expect((t.constraints as number[])[0]).toBeLessThanOrEqual(0);
      // a report every 256 samples, with every layer's mean spikes per sample
      expect(t.reports.map((r) => r.step)).toEqual([256, 512, 768, 1024, 1280, 1536, 1792, 2048]);
      for (const r of t.reports) {
        expect(Object.keys(r.spikes).sort()).toEqual(['hidden1', 'output']);
        expect(r.metrics.loss).toBeGreaterThan(0);
      }
      expect(t.reports.at(-1)?.spikes.output).toBeGreaterThan(1);
      console.log(`external-pytorch: complete trial, accuracy ${t.values?.[0]}, ${seconds.toFixed(1)} s`);
    },
    60_000,
  );

  it.skipIf(!hasTorch)(
    title('a silent network (threshold 20) is stopped by the silent rule at its first check'),
    async () => {
      const [t, seconds] = await runOne(tinyStudy('silent', 16_384), { ...good, threshold: 20 });
      expect(t.state).toBe('stopped');
      expect(t.error).toMatch(/silent:output/);
      expect(t.values).toBeNull(); // never evaluated on the hold-out set
      expect((t.constraints as number[])[0]).toBeGreaterThan(0); // silent fraction - 0.9
      // stopped after the first 256 of 16,384 training samples (a report may be in flight)
      expect(t.reports.length).toBeGreaterThan(0);
      expect(Math.max(...t.reports.map((r) => r.step))).toBeLessThanOrEqual(512);
      expect(t.reports[0].spikes.output).toBe(0);
      console.log(`external-pytorch: stopped trial after ${seconds.toFixed(1)} s`);
    },
    60_000,
  );

  it.skipIf(!hasTorch)(
    title('an unknown parameter fails the trial with the trainer’s message naming it'),
    async () => {
      const [t] = await runOne(tinyStudy('unknown', 256, ['--set', 'tau=3']), good);
      expect(t.state).toBe('failed');
      expect(t.error).toMatch(/exited with code 2/);
      expect(t.error).toMatch(/unknown parameter tau = 3/);
    },
    60_000,
  );
});
