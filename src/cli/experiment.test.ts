import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';

const fixture = join(import.meta.dirname, '../workers/fixtures/trainer.mjs');
const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('spiketune experiment', () => {
  it('runs the arms and seeds of an experiment file and writes its tables and charts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiketune-experiment-cli-'));
    dirs.push(dir);
    const study = {
      name: 'toy',
      objectives: [{ name: 'accuracy', direction: 'maximize' }],
      space: { x: { type: 'float', low: 0, high: 0.8 } },
      objective: { kind: 'command', command: [process.execPath, fixture, 'study'], values: ['accuracy'] },
      earlyStopping: {
        rules: [{ kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.9, checkEvery: 3 }],
      },
      sampler: { kind: 'random' },
    };
    writeFileSync(join(dir, 'study.json'), JSON.stringify(study));
    const experiment = {
      name: 'toy',
      study: 'study.json',
      seeds: [1, 2],
      budget: { trials: 3 },
      arms: [
        { name: 'stop', label: 'with stopping' },
        { name: 'observe', earlyStopping: { action: 'observe' } },
      ],
      reference: 'observe',
    };
    writeFileSync(join(dir, 'experiment.json'), JSON.stringify(experiment));
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const outDir = join(dir, 'out');
    expect(await main(['experiment', join(dir, 'experiment.json'), '--out', outDir, '--quiet'])).toBe(0);
    for (const f of [
      'experiment.json',
      'experiment.md',
      'best-vs-compute.svg',
      'best-vs-compute.png',
      'compute.png',
    ])
      expect(existsSync(join(outDir, f))).toBe(true);
    const results = JSON.parse(readFileSync(join(outDir, 'experiment.json'), 'utf8'));
    expect(results.runs.map((r: { study: string }) => r.study)).toEqual([
      'toy.stop.s1',
      'toy.observe.s1',
      'toy.stop.s2',
      'toy.observe.s2',
    ]);
    expect(results.runs.every((r: { trials: number }) => r.trials === 3)).toBe(true);
    expect(readFileSync(join(outDir, 'best-vs-compute.svg'), 'utf8')).toMatch(/^<svg/);
    expect(out.join('')).toMatch(/\| with stopping \|/);
    // `spiketune report --experiment` draws the same charts again from experiment.json.
    const again = join(dir, 'again');
    expect(await main(['report', '--experiment', join(outDir, 'experiment.json'), '--out', again])).toBe(0);
    const svg = readFileSync(join(again, 'best-vs-compute.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('with stopping');
    expect(existsSync(join(again, 'compute.png'))).toBe(true);
    expect(await main(['report', '--experiment', join(dir, 'study.json'), '--out', again])).toBe(2);
    // Retraining needs a built-in trainer: said when the file is read, naming the field.
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...experiment, retrain: {} }));
    expect(await main(['experiment', join(dir, 'bad.json'), '--out', outDir])).toBe(2);
  });
});
