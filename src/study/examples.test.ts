import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStudyFile } from './config-file.ts';

const dir = join(import.meta.dirname, '../../examples');

describe('example study files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  it('exist', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'mnist-quick.yaml',
        'mnist-stdp.yaml',
        'fmnist-sg.yaml',
        'fmnist-sg-energy.yaml',
      ]),
    );
  });
  for (const f of files) {
    it(`${f} is a valid study`, () => {
      const { config, storage } = loadStudyFile(join(dir, f));
      expect(config.name).toBe(f.replace(/\.yaml$/, ''));
      expect(storage).toMatch(/^sqlite:.*\.db$/);
      expect(config.constraints.every((c) => c.startsWith('silent:'))).toBe(true);
    });
  }
  it('the STDP example searches the seed paper’s 18 parameters', () => {
    expect(loadStudyFile(join(dir, 'mnist-stdp.yaml')).config.space.params).toHaveLength(18);
  });
});
