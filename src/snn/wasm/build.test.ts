import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('kernels.wasm', () => {
  it('is up to date: a fresh build of as/kernels.as.ts is byte-identical to the committed binary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiketune-wasm-'));
    try {
      const fresh = join(dir, 'kernels.wasm');
      execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs'), '--out', fresh], {
        cwd: root,
        stdio: 'pipe',
      });
      const committed = readFileSync(new URL('./kernels.wasm', import.meta.url));
      const built = readFileSync(fresh);
      expect(built.length).toBeGreaterThan(0);
      // On failure: run `npm run build:wasm` and commit src/snn/wasm/kernels.wasm.
      expect(Buffer.compare(built, committed), 'kernels.wasm is stale: run npm run build:wasm').toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
