/**
 * `spiketune train sg`: trains one surrogate-gradient network with a progress bar, then prints
 * hold-out and test accuracy, per-layer spike rates, throughput and peak memory.
 */
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { type EncoderSpec, encoderKinds } from '../data/encoders.ts';
import { datasetNames, loadSplits } from '../data/index.ts';
import type { DatasetSpec } from '../data/mnist.ts';
import type { NeuronSpec } from '../snn/neuron.ts';
import { type SurrogateSpec, surrogateKinds } from '../snn/surrogate.ts';
import type { SgConfig } from '../train/sg/config.ts';
import { type LossSpec, lossKinds } from '../train/sg/loss.ts';
import { runSg, type SgRunReport } from '../train/sg/run.ts';
import { formatArchitecture, parseArchitecture } from './arch.ts';
import { createBar, int, num } from './util.ts';

export interface SgCliOptions {
  dataset: string;
  data?: string;
  hidden: string;
  steps: string;
  batch: string;
  epochs: string;
  lr: string;
  weightDecay: string;
  neuron: string;
  beta: string;
  threshold: string;
  reset: string;
  refractory: string;
  rho: string;
  adaptation: string;
  surrogate: string;
  slope: string;
  loss: string;
  correctRate: string;
  incorrectRate: string;
  encoder: string;
  gain: string;
  holdout: string;
  trainLimit?: string;
  holdoutLimit?: string;
  testLimit?: string;
  seed: string;
  json?: boolean;
}

function surrogateFrom(o: SgCliOptions): SurrogateSpec {
  const k = o.surrogate;
  const slope = num('--slope', o.slope);
  switch (k) {
    case 'fast-sigmoid':
    case 'sigmoid':
      return { kind: k, slope };
    case 'arctan':
      return { kind: 'arctan', alpha: slope };
    case 'triangle':
      return { kind: 'triangle', width: 1 / slope, scale: slope };
    default:
      throw new Error(`invalid --surrogate: "${k}" (expected one of ${surrogateKinds.join(', ')})`);
  }
}

/** Builds a validated-on-use SgConfig from CLI options. */
export function sgConfigFromCli(o: SgCliOptions): SgConfig {
  const common = {
    beta: num('--beta', o.beta),
    threshold: num('--threshold', o.threshold),
    reset: o.reset as 'subtract' | 'zero',
    refractory: int('--refractory', o.refractory),
    detachReset: true,
    surrogate: surrogateFrom(o),
  };
  const neuron: NeuronSpec =
    o.neuron === 'alif'
      ? { ...common, model: 'alif', rho: num('--rho', o.rho), adaptation: num('--adaptation', o.adaptation) }
      : { ...common, model: 'lif' };
  if (o.neuron !== 'lif' && o.neuron !== 'alif')
    throw new Error(`invalid --neuron: "${o.neuron}" (expected lif or alif)`);
  let loss: LossSpec;
  if (o.loss === 'rate-mse') {
    loss = {
      kind: 'rate-mse',
      correctRate: num('--correct-rate', o.correctRate),
      incorrectRate: num('--incorrect-rate', o.incorrectRate),
    };
  } else if (o.loss === 'count-ce' || o.loss === 'membrane-ce') {
    loss = { kind: o.loss };
  } else {
    throw new Error(`invalid --loss: "${o.loss}" (expected one of ${lossKinds.join(', ')})`);
  }
  let encoder: EncoderSpec;
  if (o.encoder === 'poisson') encoder = { kind: 'poisson', gain: num('--gain', o.gain) };
  else if (o.encoder === 'latency') encoder = { kind: 'latency' };
  else if (o.encoder === 'direct') encoder = { kind: 'direct' };
  else throw new Error(`invalid --encoder: "${o.encoder}" (expected one of ${encoderKinds.join(', ')})`);
  return {
    network: { hidden: parseArchitecture(o.hidden), neuron },
    encoder,
    steps: int('--steps', o.steps),
    batchSize: int('--batch', o.batch),
    epochs: int('--epochs', o.epochs),
    lr: num('--lr', o.lr),
    weightDecay: num('--weight-decay', o.weightDecay),
    loss,
    seed: int('--seed', o.seed),
  };
}

export function datasetFromCli(name: string, dir: string | undefined): DatasetSpec {
  if (name === 'mnist') return { name: 'mnist' };
  if (name === 'fashion-mnist') return dir === undefined ? { name } : { name, dir };
  throw new Error(`invalid --dataset: "${name}" (expected one of ${datasetNames.join(', ')})`);
}

export function sgCommand(): Command {
  return new Command('sg')
    .description('train one spiking network with surrogate gradients (BPTT)')
    .addOption(new Option('--dataset <name>', 'dataset').choices([...datasetNames]).default('mnist'))
    .option(
      '--data <dir>',
      'directory of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)',
    )
    .option('--hidden <layers>', 'hidden layers: "256,128" or "conv:12:5,pool:2,conv:32:5,pool:2"', '256')
    .option('--steps <T>', 'time steps per sample', '25')
    .option('--batch <B>', 'mini-batch size', '128')
    .option('--epochs <n>', 'training epochs', '1')
    .option('--lr <x>', 'Adam learning rate', '1e-3')
    .option('--weight-decay <x>', 'decoupled weight decay (AdamW)', '0')
    .addOption(new Option('--neuron <model>', 'neuron model').choices(['lif', 'alif']).default('lif'))
    .option('--beta <x>', 'membrane decay per step, in (0, 1]', '0.9')
    .option('--threshold <x>', 'firing threshold', '1')
    .addOption(
      new Option('--reset <mode>', 'reset mechanism').choices(['subtract', 'zero']).default('subtract'),
    )
    .option('--refractory <steps>', 'refractory period in steps', '0')
    .option('--rho <x>', 'ALIF adaptation decay', '0.95')
    .option('--adaptation <x>', 'ALIF adaptation strength', '0.2')
    .addOption(
      new Option('--surrogate <kind>', 'surrogate derivative')
        .choices([...surrogateKinds])
        .default('fast-sigmoid'),
    )
    .option('--slope <k>', 'surrogate slope / scale', '25')
    .addOption(new Option('--loss <kind>', 'loss').choices([...lossKinds]).default('count-ce'))
    .option('--correct-rate <x>', 'rate-mse: target rate of the label neuron', '0.8')
    .option('--incorrect-rate <x>', 'rate-mse: target rate of the other neurons', '0.2')
    .addOption(
      new Option('--encoder <kind>', 'input spike encoder').choices([...encoderKinds]).default('poisson'),
    )
    .option('--gain <x>', 'poisson: spike probability per step = gain · intensity', '1')
    .option('--holdout <n>', 'training images held out for validation (the optimisation objective)', '12000')
    .option('--train-limit <n>', 'use only the first N training images')
    .option('--holdout-limit <n>', 'use only the first N hold-out images')
    .option('--test-limit <n>', 'use only the first N test images')
    .option('--seed <n>', 'seed of every random choice', '1')
    .option('--json', 'print one JSON object instead of the table')
    .action(async (o: SgCliOptions) => {
      const config = sgConfigFromCli(o);
      const splits = loadSplits(datasetFromCli(o.dataset, o.data), {
        holdout: int('--holdout', o.holdout),
        seed: config.seed,
        ...(o.trainLimit !== undefined ? { limitTrain: int('--train-limit', o.trainLimit) } : {}),
        ...(o.holdoutLimit !== undefined ? { limitHoldout: int('--holdout-limit', o.holdoutLimit) } : {}),
        ...(o.testLimit !== undefined ? { limitTest: int('--test-limit', o.testLimit) } : {}),
      });
      const bar = o.json === true ? null : createBar();
      const report = await runSg(config, splits, {
        ...(bar === null
          ? {}
          : {
              onBatch: (p) => {
                if (p.batch === 0) bar.start(p.batches, 0, { epoch: `${p.epoch + 1}/${p.epochs}` });
                bar.update(p.batch + 1, {
                  epoch: `${p.epoch + 1}/${p.epochs}`,
                  loss: p.loss.toFixed(3),
                  spikes: p.spikesPerSample.map((s) => s.toFixed(0)).join('/'),
                  rate: p.samplesPerSec.toFixed(0),
                });
                if (p.batch + 1 === p.batches) bar.stop();
              },
            }),
      });
      bar?.stop();
      if (o.json === true) {
        process.stdout.write(
          `${JSON.stringify({ ...report, architecture: formatArchitecture(config.network.hidden) })}\n`,
        );
      } else {
        printReport(report, o.dataset);
      }
    });
}

function pct(x: number | null): string {
  return x === null ? '—' : `${(100 * x).toFixed(2)}%`;
}

export function printReport(r: SgRunReport, dataset: string): void {
  const out = process.stdout;
  out.write(
    `${pc.bold('spiketune train sg')} on ${dataset}: ${r.train.status}, ${r.train.epochsRun} epoch(s)\n`,
  );
  out.write(`  hold-out accuracy   ${pc.green(pct(r.holdoutAccuracy))}\n`);
  out.write(`  test accuracy       ${pc.green(pct(r.testAccuracy))}\n`);
  out.write(`  train loss / acc    ${r.train.trainLoss.toFixed(4)} / ${pct(r.train.trainAccuracy)}\n`);
  out.write(
    `  training            ${r.train.samplesPerSec.toFixed(0)} samples/s (${r.train.seconds.toFixed(1)} s)\n`,
  );
  if (r.inferenceSamplesPerSec !== null) {
    out.write(`  inference           ${r.inferenceSamplesPerSec.toFixed(0)} samples/s\n`);
  }
  const ph = r.train.phases;
  const tot = ph.encode + ph.forward + ph.loss + ph.backward + ph.optimizer;
  const share = (x: number): string => `${((100 * x) / Math.max(tot, 1e-9)).toFixed(0)}%`;
  out.write(
    `  time per phase      encode ${share(ph.encode)}, forward ${share(ph.forward)}, loss ${share(ph.loss)}, backward ${share(ph.backward)}, Adam ${share(ph.optimizer)} (${r.kernels} kernels)\n`,
  );
  out.write(`  peak memory         ${r.peakRssMiB.toFixed(0)} MiB resident\n`);
  out.write('  spike activity (training, last epoch):\n');
  for (const a of r.train.activity) {
    out.write(
      `    ${a.name.padEnd(10)} ${String(a.neurons).padStart(6)} neurons  ${a.spikesPerSample.toFixed(1).padStart(9)} spikes/sample  rate ${a.rate.toFixed(4)}\n`,
    );
  }
}
