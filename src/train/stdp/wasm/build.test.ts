import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('stdp.wasm', () => {
  it('is up to date: a fresh build of stdp.as.ts is byte-identical to the committed binary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiketune-stdp-wasm-'));
    try {
      const fresh = join(dir, 'stdp.wasm');
      execFileSync(process.execPath, [join(root, 'src/train/stdp/wasm/build.mjs'), '--out', fresh], {
        cwd: root,
        stdio: 'pipe',
      });
      const committed = readFileSync(new URL('./stdp.wasm', import.meta.url));
      const built = readFileSync(fresh);
      expect(built.length).toBeGreaterThan(0);
      // On failure: run `node src/train/stdp/wasm/build.mjs` and commit src/train/stdp/wasm/stdp.wasm.
      expect(
        Buffer.compare(built, committed),
        'stdp.wasm is stale: run node src/train/stdp/wasm/build.mjs',
      ).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
