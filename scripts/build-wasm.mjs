#!/usr/bin/env node
/**
 * Compiles the AssemblyScript SIMD kernels (src/snn/wasm/as/kernels.as.ts) into src/snn/wasm/kernels.wasm,
 * which is committed so that users and CI need no build step; src/snn/wasm/build.test.ts rebuilds it into
 * a temporary file and checks that the committed binary is byte-identical.
 *
 *   node scripts/build-wasm.mjs              (npm run build:wasm)
 *   node scripts/build-wasm.mjs --out FILE   (write elsewhere)
 *
 * Flags: -O3 with no assertions, the stub runtime (the kernels allocate nothing; the JS wrapper lays out
 * linear memory itself), 128-bit SIMD, one initial page of exported, growable memory.
 */
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY = 'src/snn/wasm/as/kernels.as.ts';
export const OUTPUT = 'src/snn/wasm/kernels.wasm';
export const FLAGS = [
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '--initialMemory',
  '1',
];

/** Compiles the kernels to `out` (a path, relative to the repository root or absolute). */
export async function buildWasm(out = OUTPUT) {
  const outFile = relative(root, resolve(root, out));
  const { error, stderr } = await asc.main([ENTRY, '--baseDir', root, '--outFile', outFile, ...FLAGS], {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  return resolve(root, outFile);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i >= 0 ? process.argv[i + 1] : OUTPUT;
  if (out === undefined) {
    console.error('usage: node scripts/build-wasm.mjs [--out FILE]');
    process.exit(2);
  }
  const file = await buildWasm(out);
  console.log(`wrote ${relative(process.cwd(), file)}`);
}
