/**
 * `npm run bench:sg`: the same surrogate-gradient network trained by spiketune and by a plain PyTorch
 * implementation (bench/torch_sg.py, Debian python3-torch), side by side in one run on the same data:
 * training and inference samples/s, test accuracy, peak memory. Each side runs in a fresh process
 * (so that peak RSS is its own), one after the other (never concurrently: 2 cores).
 *
 * Options: --quick (10k training images), --train-limit N, --epochs N, --skip-torch, --configs a,b.
 * Writes bench/results/sg.json and bench/results/sg.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PY = '/usr/bin/python3';

interface BenchConfig {
  readonly name: string;
  readonly dataset: 'fashion-mnist' | 'mnist';
  readonly hidden: string;
  readonly steps: number;
  readonly batch: number;
  readonly epochs: number;
  readonly lr: number;
}

const configs: BenchConfig[] = [
  {
    name: 'fmnist-784-256-10',
    dataset: 'fashion-mnist',
    hidden: '256',
    steps: 25,
    batch: 128,
    epochs: 1,
    lr: 1e-3,
  },
  { name: 'mnist-784-256-10', dataset: 'mnist', hidden: '256', steps: 25, batch: 128, epochs: 1, lr: 1e-3 },
  {
    name: 'fmnist-784-512-256-10',
    dataset: 'fashion-mnist',
    hidden: '512,256',
    steps: 25,
    batch: 128,
    epochs: 1,
    lr: 1e-3,
  },
];

interface SideResult {
  readonly trainSamplesPerSec: number;
  readonly inferSamplesPerSec: number;
  readonly testAccuracy: number;
  readonly peakRssMiB: number;
  readonly seconds: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The flags both sides take, identically. */
function sharedArgs(c: BenchConfig, trainLimit: number | undefined, epochs: number): string[] {
  return [
    '--json',
    '--dataset',
    c.dataset,
    '--hidden',
    c.hidden,
    '--steps',
    String(c.steps),
    '--batch',
    String(c.batch),
    '--epochs',
    String(epochs),
    '--lr',
    String(c.lr),
    '--seed',
    '1',
    ...(trainLimit === undefined ? [] : ['--train-limit', String(trainLimit)]),
  ];
}

/** Runs one side and reads the JSON object on the last line of its output. */
function runSide(cmd: string, args: string[]): { r: Record<string, unknown>; seconds: number } {
  const t0 = performance.now();
  const out = execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  return { r: JSON.parse(out.trim().split('\n').pop() as string), seconds: (performance.now() - t0) / 1000 };
}

function runSpiketune(c: BenchConfig, trainLimit: number | undefined, epochs: number): SideResult {
  const args = [
    join(root, 'bin/spiketune.js'),
    'train',
    'sg',
    ...sharedArgs(c, trainLimit, epochs),
    '--holdout',
    '0',
  ];
  const { r, seconds } = runSide(process.execPath, args);
  return {
    trainSamplesPerSec: (r.train as { samplesPerSec: number }).samplesPerSec,
    inferSamplesPerSec: r.inferenceSamplesPerSec as number,
    testAccuracy: r.testAccuracy as number,
    peakRssMiB: r.peakRssMiB as number,
    seconds,
  };
}

function runTorch(c: BenchConfig, trainLimit: number | undefined, epochs: number): SideResult {
  // One thread is PyTorch's fastest setting here: its matmuls run on Debian's single-threaded
  // reference BLAS, and OpenMP-split element-wise ops are slower on 2 shared cores (measured).
  const args = [join(root, 'bench/torch_sg.py'), ...sharedArgs(c, trainLimit, epochs), '--threads', '1'];
  const { r, seconds } = runSide(PY, args);
  return {
    trainSamplesPerSec: r.trainSamplesPerSec as number,
    inferSamplesPerSec: r.inferSamplesPerSec as number,
    testAccuracy: r.testAccuracy as number,
    peakRssMiB: r.peakRssMiB as number,
    seconds,
  };
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const limitArg = arg('--train-limit');
  const trainLimit = limitArg !== undefined ? Number(limitArg) : quick ? 10_000 : undefined;
  const only = arg('--configs')?.split(',');
  const skipTorch = process.argv.includes('--skip-torch') || !existsSync(PY);
  const rows: Record<string, unknown>[] = [];
  for (const c of configs) {
    if (only !== undefined && !only.includes(c.name)) continue;
    const epochs = Number(arg('--epochs') ?? c.epochs);
    process.stderr.write(`[bench:sg] ${c.name}: spiketune...\n`);
    const st = runSpiketune(c, trainLimit, epochs);
    let torch: SideResult | null = null;
    if (!skipTorch) {
      process.stderr.write(`[bench:sg] ${c.name}: pytorch...\n`);
      try {
        torch = runTorch(c, trainLimit, epochs);
      } catch (err) {
        process.stderr.write(`[bench:sg] pytorch failed: ${(err as Error).message}\n`);
      }
    }
    rows.push({
      config: { ...c, epochs, trainLimit: trainLimit ?? 60_000 },
      spiketune: st,
      pytorch: torch,
      ratios:
        torch === null
          ? null
          : {
              train: st.trainSamplesPerSec / torch.trainSamplesPerSec,
              inference: st.inferSamplesPerSec / torch.inferSamplesPerSec,
              memory: st.peakRssMiB / torch.peakRssMiB,
              accuracyDiffPoints: 100 * (st.testAccuracy - torch.testAccuracy),
            },
    });
  }
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const meta = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
  };
  writeFileSync(join(dir, 'sg.json'), `${JSON.stringify({ meta, rows }, null, 2)}\n`);
  const fmt = (x: number | undefined, d = 0): string => (x === undefined ? '—' : x.toFixed(d));
  let md = `# bench:sg — spiketune vs plain PyTorch (${meta.date}, ${meta.cpus} cores, ${meta.cpu})\n\n`;
  md += '| config | train samples | impl | train samples/s | infer samples/s | test acc | peak RSS MiB |\n';
  md += '|---|---|---|---|---|---|---|\n';
  for (const r of rows as {
    config: BenchConfig & { trainLimit: number };
    spiketune: SideResult;
    pytorch: SideResult | null;
    ratios: Record<string, number> | null;
  }[]) {
    for (const [impl, s] of [
      ['spiketune', r.spiketune],
      ['pytorch', r.pytorch],
    ] as const) {
      if (s === null) continue;
      md += `| ${r.config.name} | ${r.config.trainLimit}×${r.config.epochs} | ${impl} | ${fmt(s.trainSamplesPerSec)} | ${fmt(s.inferSamplesPerSec)} | ${fmt(100 * s.testAccuracy, 2)}% | ${fmt(s.peakRssMiB)} |\n`;
    }
    if (r.ratios !== null) {
      md += `| ${r.config.name} | | **ratio** | **${fmt(r.ratios.train, 2)}×** | **${fmt(r.ratios.inference, 2)}×** | ${r.ratios.accuracyDiffPoints >= 0 ? '+' : ''}${fmt(r.ratios.accuracyDiffPoints, 2)} pts | ${fmt(r.ratios.memory, 2)}× |\n`;
    }
  }
  writeFileSync(join(dir, 'sg.md'), md);
  process.stdout.write(md);
}

main();
