#!/usr/bin/env node
/**
 * Compiles the AssemblyScript SIMD kernels of the STDP network (stdp.as.ts, next to this file) into
 * stdp.wasm, which is committed so that users and CI need no build step; build.test.ts rebuilds it
 * into a temporary file and checks that the committed binary is byte-identical.
 *
 *   node src/train/stdp/wasm/build.mjs              (rebuild stdp.wasm)
 *   node src/train/stdp/wasm/build.mjs --out FILE   (write elsewhere)
 *
 * Flags as scripts/build-wasm.mjs: -O3 without assertions, the stub runtime (nothing is allocated in
 * wasm: the JS side lays out linear memory), 128-bit SIMD, one initial page of growable memory.
 */
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../../..');
export const ENTRY = 'src/train/stdp/wasm/stdp.as.ts';
export const OUTPUT = 'src/train/stdp/wasm/stdp.wasm';
const FLAGS = [
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

/** Compiles the kernels to `out` (relative to the repository root, or absolute); returns its path. */
export async function buildStdpWasm(out = OUTPUT) {
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
    console.error('usage: node src/train/stdp/wasm/build.mjs [--out FILE]');
    process.exit(2);
  }
  const file = await buildStdpWasm(out);
  console.log(`wrote ${relative(process.cwd(), file)}`);
}
