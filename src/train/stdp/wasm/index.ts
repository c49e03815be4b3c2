/**
 * Loader of the STDP network's WebAssembly SIMD kernels (stdp.wasm, compiled from stdp.as.ts by
 * build.mjs and committed). Each network gets its own instance, hence its own linear memory, laid out
 * once by network.ts.
 */
import { readFileSync } from 'node:fs';
import type { WasmMemory } from '../../../snn/wasm/index.ts';

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The functions exported by stdp.wasm (addresses are byte offsets into `memory`). */
export interface StdpWasmExports {
  readonly memory: WasmMemory;
  rowSum(count: number, idx: number, w: number, stride: number, cur: number): void;
  excStep(
    n: number,
    t: number,
    cur: number,
    v: number,
    theta: number,
    until: number,
    crossed: number,
    rest: number,
    d: number,
    thr: number,
    reset: number,
    refr: number,
    learning: number,
    dTheta: number,
    thetaPlus: number,
  ): number;
  depressRows(
    nRows: number,
    rows: number,
    w: number,
    stride: number,
    ps: number,
    tail: number,
    nTail: number,
    saved: number,
  ): void;
  heapBase(): number;
}

let compiled: object | null | undefined;

function stdpModule(): object | null {
  if (compiled === undefined) {
    compiled = null;
    if (wasmApi === undefined) return null;
    try {
      // Compilation validates the module: it fails where the engine lacks 128-bit SIMD.
      compiled = new wasmApi.Module(readFileSync(new URL('./stdp.wasm', import.meta.url)));
    } catch {
      // compiled stays null
    }
  }
  return compiled;
}

/** Whether the STDP SIMD kernels can run here. */
export function stdpWasmAvailable(): boolean {
  return stdpModule() !== null;
}

/** A fresh instance with its own memory. Throws when stdpWasmAvailable() is false. */
export function instantiateStdpKernels(): StdpWasmExports {
  const mod = stdpModule();
  if (mod === null || wasmApi === undefined) {
    throw new Error('the WebAssembly SIMD kernels of the STDP network are not available in this runtime');
  }
  return new wasmApi.Instance(mod, {}).exports as StdpWasmExports;
}
