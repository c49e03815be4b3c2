import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStorage } from '../storage/index.ts';
import { parseStudy } from '../study/config-file.ts';
import { main } from './main.ts';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('spiketune retrain', () => {
  it('retrains the best feasible trial on the training set and prints its test accuracy; names a bad trial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiketune-retrain-'));
    dirs.push(dir);
    const url = `sqlite:${join(dir, 's.db')}`;
    const storage = await openStorage(url);
    const study = await storage.createStudy(
      parseStudy(
        {
          name: 'r',
          objectives: [{ name: 'accuracy', direction: 'maximize' }],
          space: { lr: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
          objective: {
            kind: 'sg',
            dataset: 'mnist',
            holdout: 100,
            fixed: { hidden: '32', steps: 8, threshold: 0.5, batchSize: 32 },
          },
          earlyStopping: {
            rules: [
              { kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.9, checkEvery: 64 },
            ],
          },
          budget: { trials: 3 },
        },
        't',
      ),
    );
    for (const [lr, v, c] of [
      [1e-4, 0.5, -0.5],
      [5e-3, 0.8, -0.5],
      [1e-1, 0.9, 0.1], // best value, but infeasible
    ]) {
      const t = await storage.createTrial(study.id, { lr }, { state: 'running' });
      await storage.finishTrial(t.id, { state: 'complete', values: [v], constraints: [c] });
    }
    await storage.close();
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const args = [
      'retrain',
      '--storage',
      url,
      '--study',
      'r',
      '--limit-train',
      '1024',
      '--limit-test',
      '200',
    ];
    expect(await main([...args, '--json'])).toBe(0);
    const r = JSON.parse(out.join(''));
    expect(r).toMatchObject({
      trial: 1,
      params: { lr: 5e-3 },
      holdout: 0.8,
      trainSamples: 1024,
      testSamples: 200,
    });
    expect(r.testAccuracy).toBeGreaterThan(0.3);
    out.length = 0;
    expect(await main([...args, '--trial', '7'])).toBe(2);
  });
});
