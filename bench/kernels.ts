/**
 * Dense-layer kernels: plain JS (jsDenseKernels) against WebAssembly SIMD (wasmDenseKernels) on the
 * shapes of the surrogate-gradient engine on Fashion-MNIST (T = 25 steps × B = 128 samples = 3200 rows):
 * the hidden layer 784 → 256 fed Poisson spikes (~28% active), the output layer 256 → 10 fed hidden
 * spikes (~19% active), and a direct-encoded (dense, ~50% nonzero) input layer.
 *
 *   npx tsx bench/kernels.ts [--reps N] [--js-reps N]
 *
 * Prints, per kernel, the median ms per call of each implementation, the speed-up, the wasm throughput
 * in G float-adds/s (one add, or one multiply-add, per active entry per output column) and the share of
 * the wasm call spent copying operands in and out of wasm memory; writes bench/results/kernels.json.
 * Two more rows give yardsticks: the gather kernel with every index equal to 0 (one source row,
 * L1-resident), the in-cache ceiling of the kernel on this machine; and the peak f32x4.add rate of one
 * core (no loads), against which the "% of peak" column is computed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng } from '../src/core/rng.ts';
import { type DenseKernels, jsDenseKernels } from '../src/snn/kernels.ts';
import { indexSpikes } from '../src/snn/tensor.ts';
import {
  GATHER_INIT,
  type KernelProfile,
  WasmDenseKernels,
  wasmSimdAvailable,
} from '../src/snn/wasm/index.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const REPS = arg('--reps', 9);
const JS_REPS = arg('--js-reps', 5);

const rng = new Rng(2024);

function uniform(n: number, lo = -0.1, hi = 0.1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

function spikes(rows: number, cols: number, p: number) {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = rng.next() < p ? 1 : 0;
  return indexSpikes(values, rows, cols, undefined, undefined);
}

function denseInput(rows: number, cols: number, p: number): Float32Array {
  const a = new Float32Array(rows * cols);
  for (let i = 0; i < a.length; i++) if (rng.next() < p) a[i] = rng.next();
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median and min ms of `reps` calls after `warm` untimed ones (wasm needs a call or two to tier up). */
function time(fn: () => void, reps: number, warm: number): { median: number; min: number } {
  for (let i = 0; i < warm; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return { median: median(ts), min: Math.min(...ts) };
}

interface Case {
  readonly name: string;
  readonly shape: string;
  /** Float adds (or multiply-adds) per call. */
  readonly flops: number;
  run(k: DenseKernels): void;
}

const ROWS = 25 * 128;
const cases: Case[] = [];

{
  const [nIn, out, p] = [784, 256, 0.28];
  const x = spikes(ROWS, nIn, p);
  const nnz = x.rowPtr[ROWS];
  const W = uniform(nIn * out);
  const b = uniform(out);
  const Y = new Float32Array(ROWS * out);
  const dY = uniform(ROWS * out);
  const dW = new Float32Array(nIn * out);
  const db = new Float32Array(out);
  const shape = `${ROWS}×${nIn}→${out}, ${((100 * nnz) / (ROWS * nIn)).toFixed(0)}% active`;
  cases.push({
    name: 'hidden forwardSpikes',
    shape,
    flops: nnz * out,
    run: (k) => k.forwardSpikes(ROWS, out, x.rowPtr, x.colIdx, W, b, Y),
  });
  cases.push({
    name: 'hidden weightGradSpikes',
    shape,
    flops: nnz * out,
    run: (k) => k.weightGradSpikes(ROWS, out, x.rowPtr, x.colIdx, dY, dW),
  });
  cases.push({
    name: 'hidden biasGrad',
    shape: `${ROWS}×${out}`,
    flops: ROWS * out,
    run: (k) => k.biasGrad(ROWS, out, dY, db),
  });
}
{
  const [nIn, out, p] = [256, 10, 0.19];
  const x = spikes(ROWS, nIn, p);
  const nnz = x.rowPtr[ROWS];
  const W = uniform(nIn * out);
  const b = uniform(out);
  const Y = new Float32Array(ROWS * out);
  const dY = uniform(ROWS * out);
  const dW = new Float32Array(nIn * out);
  const dX = new Float32Array(ROWS * nIn);
  const shape = `${ROWS}×${nIn}→${out}, ${((100 * nnz) / (ROWS * nIn)).toFixed(0)}% active`;
  cases.push({
    name: 'output forwardSpikes',
    shape,
    flops: nnz * out,
    run: (k) => k.forwardSpikes(ROWS, out, x.rowPtr, x.colIdx, W, b, Y),
  });
  cases.push({
    name: 'output weightGradSpikes',
    shape,
    flops: nnz * out,
    run: (k) => k.weightGradSpikes(ROWS, out, x.rowPtr, x.colIdx, dY, dW),
  });
  cases.push({
    name: 'output inputGrad',
    shape: `${ROWS}×${out}→${nIn}, dY dense`,
    flops: ROWS * nIn * out,
    run: (k) => k.inputGrad(ROWS, nIn, out, dY, W, dX),
  });
}
{
  const [nIn, out, p] = [784, 256, 0.5];
  const X = denseInput(ROWS, nIn, p);
  let nz = 0;
  for (const v of X) if (v !== 0) nz++;
  const W = uniform(nIn * out);
  const b = uniform(out);
  const Y = new Float32Array(ROWS * out);
  const dY = uniform(ROWS * out);
  const dW = new Float32Array(nIn * out);
  const shape = `${ROWS}×${nIn}→${out}, ${((100 * nz) / X.length).toFixed(0)}% nonzero`;
  cases.push({
    name: 'dense forwardDense',
    shape,
    flops: nz * out,
    run: (k) => k.forwardDense(ROWS, nIn, out, X, W, b, Y),
  });
  cases.push({
    name: 'dense weightGradDense',
    shape,
    flops: nz * out,
    run: (k) => k.weightGradDense(ROWS, nIn, out, X, dY, dW),
  });
}

if (!wasmSimdAvailable()) {
  console.error('WebAssembly SIMD is not available in this runtime');
  process.exit(1);
}
const wasm = new WasmDenseKernels();

interface Row {
  name: string;
  shape: string;
  /** Median ms per call. */
  jsMs: number;
  wasmMs: number;
  /** Fastest call (the least disturbed by other load on a shared machine). */
  jsMinMs: number;
  wasmMinMs: number;
  speedup: number;
  jsGaddPerS: number;
  wasmGaddPerS: number;
  /** Mean ms per wasm call per phase. */
  wasmPhasesMs: KernelProfile;
  copyShare: number;
}

const rows: Row[] = [];
for (const c of cases) {
  const js = time(() => c.run(jsDenseKernels), JS_REPS, 1);
  const ws = time(() => c.run(wasm), REPS, 3);
  const jsMs = js.median;
  const wasmMs = ws.median;
  const profile: KernelProfile = { copyIn: 0, index: 0, kernel: 0, copyOut: 0 };
  wasm.profile = profile;
  for (let i = 0; i < REPS; i++) c.run(wasm);
  wasm.profile = null;
  const phases: KernelProfile = {
    copyIn: profile.copyIn / REPS,
    index: profile.index / REPS,
    kernel: profile.kernel / REPS,
    copyOut: profile.copyOut / REPS,
  };
  const total = phases.copyIn + phases.index + phases.kernel + phases.copyOut;
  rows.push({
    name: c.name,
    shape: c.shape,
    jsMs,
    wasmMs,
    jsMinMs: js.min,
    wasmMinMs: ws.min,
    speedup: jsMs / wasmMs,
    jsGaddPerS: c.flops / jsMs / 1e6,
    wasmGaddPerS: c.flops / wasmMs / 1e6,
    wasmPhasesMs: phases,
    copyShare: (phases.copyIn + phases.copyOut) / total,
  });
  console.error(`  ${c.name}: done`);
}

/**
 * Peak f32x4.add throughput of one core under V8: a hand-assembled wasm loop adding into 12 independent
 * f32x4 accumulators (no loads), in G float-adds/s. The gather kernels need one load per add, so they
 * cannot reach it; it is the yardstick.
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

function peakAddRate(): number {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n !== 0) byte |= 0x80;
      out.push(byte);
    } while (n !== 0);
    return out;
  };
  const ACC = 12;
  const D = ACC + 1; // local index of the increment vector; 0 is the loop counter, 1..ACC accumulate
  const addF32x4 = [0xfd, 0xe4, 0x01];
  const body: number[] = [0x01, D, 0x7b]; // locals: D × v128 (zero-initialised)
  body.push(0xfd, 0x0c, ...new Uint8Array(new Float32Array([1e-7, 1e-7, 1e-7, 1e-7]).buffer), 0x21, D);
  body.push(0x03, 0x40); // loop
  for (let i = 1; i <= ACC; i++) body.push(0x20, i, 0x20, D, ...addF32x4, 0x21, i);
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // n -= 1; br_if n != 0; end
  body.push(0x20, 1);
  for (let i = 2; i <= ACC; i++) body.push(0x20, i, ...addF32x4);
  body.push(0xfd, 0x1f, 0, 0x0b); // f32x4.extract_lane 0; end
  const code = [0x01, ...leb(body.length), ...body];
  const bytes = new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d], // type: (i32) -> f32
    ...[0x03, 0x02, 0x01, 0x00], // function 0 has type 0
    ...[0x07, 0x08, 0x01, 0x04, 0x70, 0x65, 0x61, 0x6b, 0x00, 0x00], // export "peak"
    ...[0x0a, ...leb(code.length), ...code],
  ]);
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { exports } = new wa.Instance(new wa.Module(bytes), {}) as { exports: { peak(n: number): number } };
  const n = 2e7;
  const { min } = time(() => exports.peak(n), REPS, 3);
  return (n * ACC * 4) / min / 1e6;
}
const peak = peakAddRate();

// In-cache ceiling: the forward gather of the hidden shape with every index 0 (one W row, in L1).
let ceiling: { ms: number; gaddPerS: number };
{
  const [nIn, out] = [784, 256];
  const x = spikes(ROWS, nIn, 0.28);
  const nnz = x.rowPtr[ROWS];
  const ex = wasm.wasm;
  const base = Math.ceil(ex.heapBase() / 64) * 64;
  const pRP = base;
  const pCI = pRP + 4 * (ROWS + 1) + 64;
  const pW = pCI + 4 * nnz + 64;
  const pB = pW + 4 * nIn * out + 64;
  const pY = pB + 4 * out + 64;
  const end = pY + 4 * ROWS * out + 64;
  const mem = ex.memory;
  if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
  new Int32Array(mem.buffer, pRP, ROWS + 1).set(x.rowPtr.subarray(0, ROWS + 1));
  new Int32Array(mem.buffer, pCI, nnz).fill(0);
  new Float32Array(mem.buffer, pW, nIn * out).set(uniform(nIn * out));
  const ms = time(
    () => ex.gather(0, ROWS, out, pRP, pCI, 0, pW, out, pY, out, pB, GATHER_INIT),
    REPS,
    3,
  ).median;
  ceiling = { ms, gaddPerS: (nnz * out) / ms / 1e6 };
}

const f = (x: number, d = 2): string => x.toFixed(d);
const header = [
  'kernel',
  'shape',
  'JS ms',
  'wasm ms',
  'speed-up',
  'JS Gadd/s',
  'wasm Gadd/s',
  '% of peak',
  'copy %',
];
const table = rows.map((r) => [
  r.name,
  r.shape,
  f(r.jsMs, 1),
  f(r.wasmMs),
  `${f(r.speedup, 1)}×`,
  f(r.jsGaddPerS),
  f(r.wasmGaddPerS),
  f((100 * r.wasmGaddPerS) / peak, 0),
  f(100 * r.copyShare, 1),
]);
table.push([
  'gather, all idx 0 (L1)',
  'hidden forward shape',
  '',
  f(ceiling.ms),
  '',
  '',
  f(ceiling.gaddPerS),
  f((100 * ceiling.gaddPerS) / peak, 0),
  '',
]);
table.push(['f32x4.add peak, no loads', '12 accumulators', '', '', '', '', f(peak), '100', '']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]): string =>
  cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const t of table) console.log(line(t));
console.log('\nwasm phases, mean ms per call (copy in / index build / gather / copy out):');
for (const r of rows) {
  const p = r.wasmPhasesMs;
  console.log(
    `  ${r.name.padEnd(widths[0])}  ${f(p.copyIn)} / ${f(p.index)} / ${f(p.kernel)} / ${f(p.copyOut)}`,
  );
}

const cpu = cpus();
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpu[0]?.model ?? 'unknown',
  cores: cpu.length,
  reps: { wasm: REPS, js: JS_REPS, statistic: 'median' },
  wasmMemoryBytes: wasm.memoryBytes,
  results: rows,
  inCacheCeiling: ceiling,
  peakF32x4AddGaddPerS: peak,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/kernels.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('\nwrote bench/results/kernels.json');
