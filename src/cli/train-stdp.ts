/**
 * `spiketune train stdp`: trains the Diehl & Cook (2015) network by unsupervised STDP with a
 * progress bar (samples, excitatory / inhibitory spikes per sample, samples/s), then prints hold-out
 * and test accuracy for every decoder, throughput and peak memory.
 */
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { datasetNames, loadSplits } from '../data/index.ts';
import { type StdpConfigInput, type StdpDecoder, stdpDecoders, stdpDefaults } from '../train/stdp/config.ts';
import { defaultStdpKernels } from '../train/stdp/network.ts';
import { runStdp, type StdpProgress, type StdpRunReport } from '../train/stdp/run.ts';
import { datasetFromCli } from './train-sg.ts';
import { int, num } from './util.ts';

/** CLI flag → config field, for the numeric options (flags are the kebab-case field names). */
const NUMERIC: readonly {
  readonly field: keyof StdpConfigInput;
  readonly int: boolean;
  readonly help: string;
}[] = [
  { field: 'mapSize', int: true, help: 'excitatory (and inhibitory) neurons' },
  { field: 'time', int: true, help: 'time steps (ms) per sample' },
  { field: 'intensity', int: false, help: 'Poisson rate of a white pixel, Hz' },
  { field: 'epochs', int: true, help: 'passes over the training set' },
  { field: 'nuPre', int: false, help: 'pre-synaptic (depression) learning rate' },
  { field: 'nuPost', int: false, help: 'post-synaptic (potentiation) learning rate' },
  { field: 'tcPre', int: false, help: 'input trace time constant, ms' },
  { field: 'tcPost', int: false, help: 'excitatory trace time constant, ms' },
  { field: 'wmax', int: false, help: 'maximum input weight' },
  { field: 'wInit', int: false, help: 'initial weights uniform in [0, w-init)' },
  { field: 'norm', int: false, help: 'sum of each excitatory neuron’s input weights' },
  { field: 'excStrength', int: false, help: 'excitatory → inhibitory weight, mV' },
  { field: 'inhStrength', int: false, help: 'inhibitory → excitatory weight, mV (negative)' },
  { field: 'excThreshold', int: false, help: 'excitatory threshold, mV' },
  { field: 'excRest', int: false, help: 'excitatory resting potential, mV' },
  { field: 'excReset', int: false, help: 'excitatory reset potential, mV' },
  { field: 'excRefractory', int: true, help: 'excitatory refractory period, steps' },
  { field: 'excTcDecay', int: false, help: 'excitatory membrane time constant, ms' },
  { field: 'thetaPlus', int: false, help: 'adaptive threshold increase per spike, mV' },
  { field: 'tcThetaDecay', int: false, help: 'adaptive threshold time constant, ms' },
  { field: 'inhThreshold', int: false, help: 'inhibitory threshold, mV' },
  { field: 'inhRest', int: false, help: 'inhibitory resting potential, mV' },
  { field: 'inhReset', int: false, help: 'inhibitory reset potential, mV' },
  { field: 'inhRefractory', int: true, help: 'inhibitory refractory period, steps' },
  { field: 'inhTcDecay', int: false, help: 'inhibitory membrane time constant, ms' },
  { field: 'logregEpochs', int: true, help: 'epochs of the logistic-regression read-out' },
  { field: 'logregLr', int: false, help: 'Adam learning rate of the logistic-regression read-out' },
  { field: 'seed', int: true, help: 'seed of every random choice' },
];

function kebab(field: string): string {
  return field.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}

export type StdpCliOptions = Record<string, string | boolean | undefined>;

/** The run configuration from parsed CLI options (validated by runStdp, naming the field). */
export function stdpConfigFromCli(o: StdpCliOptions): StdpConfigInput {
  const out: Record<string, unknown> = {};
  for (const { field, int: isInt } of NUMERIC) {
    const v = o[field];
    if (typeof v === 'string') out[field] = isInt ? int(`--${kebab(field)}`, v) : num(`--${kebab(field)}`, v);
  }
  if (typeof o.labelSamples === 'string') out.labelSamples = int('--label-samples', o.labelSamples);
  if (typeof o.oneSpike === 'boolean') out.oneSpike = o.oneSpike;
  if (typeof o.decoder === 'string') out.decoder = o.decoder as StdpDecoder;
  return out as StdpConfigInput;
}

function createStdpBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        '{phase} [{bar}] {value}/{total} samples | spikes/sample exc {exc} inh {inh} | {rate} samples/s',
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
}

export function stdpCommand(): Command {
  const cmd = new Command('stdp').description(
    'train the Diehl & Cook (2015) network by unsupervised STDP (BindsNET DiehlAndCook2015)',
  );
  cmd.addOption(new Option('--dataset <name>', 'dataset').choices([...datasetNames]).default('mnist'));
  cmd.option(
    '--data <dir>',
    'directory of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)',
  );
  for (const { field, help } of NUMERIC) {
    const def = (stdpDefaults as Record<string, unknown>)[field];
    cmd.option(`--${kebab(field)} <x>`, `${help} (default ${String(def)})`);
  }
  cmd
    .option(
      '--label-samples <n>',
      'training images re-presented frozen to assign labels (default all; 0: reuse training activity)',
    )
    .option('--one-spike', 'at most one excitatory spike per step (BindsNET one_spike; default)')
    .option('--no-one-spike', 'let every excitatory neuron that crosses threshold spike')
    .addOption(
      new Option('--decoder <name>', 'decoder of the reported accuracy')
        .choices([...stdpDecoders])
        .default('all'),
    )
    .option('--holdout <n>', 'training images held out for validation (the optimisation objective)', '12000')
    .option('--train-limit <n>', 'use only the first N training images')
    .option('--holdout-limit <n>', 'use only the first N hold-out images')
    .option('--test-limit <n>', 'use only the first N test images')
    .option('--progress-every <n>', 'samples between progress updates', '50')
    .option('--json', 'print one JSON object instead of the table')
    .action(async (o: StdpCliOptions) => {
      const config = stdpConfigFromCli(o);
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const trainLimit = str('trainLimit');
      const holdoutLimit = str('holdoutLimit');
      const testLimit = str('testLimit');
      const splits = loadSplits(datasetFromCli(String(o.dataset), str('data')), {
        holdout: int('--holdout', String(o.holdout)),
        seed: config.seed ?? stdpDefaults.seed,
        ...(trainLimit !== undefined ? { limitTrain: int('--train-limit', trainLimit) } : {}),
        ...(holdoutLimit !== undefined ? { limitHoldout: int('--holdout-limit', holdoutLimit) } : {}),
        ...(testLimit !== undefined ? { limitTest: int('--test-limit', testLimit) } : {}),
      });
      const bar = o.json === true ? null : createStdpBar();
      let phase: string | null = null;
      const onProgress = (p: StdpProgress): void => {
        if (bar === null) return;
        const label = p.phase === 'train' ? `train ${p.epoch + 1}/${p.epochs}` : p.phase;
        const payload = {
          phase: label.padEnd(9),
          exc: p.excPerSample.toFixed(1),
          inh: p.inhPerSample.toFixed(1),
          rate: p.samplesPerSec.toFixed(0),
        };
        if (phase !== p.phase) {
          if (phase !== null) bar.stop();
          phase = p.phase;
          bar.start(p.total, p.done, payload);
        }
        bar.update(p.done, payload);
      };
      const { report } = await runStdp(config, splits, {
        onProgress,
        progressEvery: int('--progress-every', String(o.progressEvery)),
      });
      bar?.stop();
      if (o.json === true) {
        process.stdout.write(`${JSON.stringify({ ...report, kernels: defaultStdpKernels() })}\n`);
      } else {
        printStdpReport(report, String(o.dataset));
      }
    });
  return cmd;
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(100 * x).toFixed(2)}%`;
}

export function printStdpReport(r: StdpRunReport, dataset: string): void {
  const out = process.stdout;
  const c = r.config;
  out.write(
    `${pc.bold('spiketune train stdp')} on ${dataset}: ${r.status}, ${c.mapSize} excitatory neurons, ${r.train.epochsRun} epoch(s), ${c.time} steps/sample${c.oneSpike ? ', one spike/step' : ''}\n`,
  );
  out.write(
    `  accuracy (${pc.bold(c.decoder)})     hold-out ${pc.green(pct(r.holdoutAccuracy))}   test ${pc.green(pct(r.testAccuracy))}\n`,
  );
  if (r.holdout !== null || r.test !== null) {
    out.write('  decoder      hold-out     test\n');
    for (const d of stdpDecoders) {
      const mark = d === c.decoder ? '*' : ' ';
      out.write(
        `  ${mark}${d.padEnd(10)} ${pct(r.holdout?.accuracy[d]).padStart(9)} ${pct(r.test?.accuracy[d]).padStart(9)}\n`,
      );
    }
  }
  const t = r.train;
  out.write(
    `  training            ${t.samplesPerSec.toFixed(0)} samples/s (${t.samples} samples, ${t.seconds.toFixed(1)} s)\n`,
  );
  if (r.label !== null) {
    out.write(
      `  label assignment    ${r.label.samplesPerSec.toFixed(0)} samples/s (${r.label.samples} samples), ${r.assignedNeurons} of ${c.mapSize} neurons assigned\n`,
    );
  }
  if (r.inferenceSamplesPerSec !== null) {
    out.write(`  inference           ${r.inferenceSamplesPerSec.toFixed(0)} samples/s\n`);
  }
  out.write(
    `  spikes/sample       training: exc ${t.excSpikesPerSample.toFixed(1)}, inh ${t.inhSpikesPerSample.toFixed(1)}, input ${t.inputSpikesPerSample.toFixed(0)}; silent ${pct(t.silentFraction)}\n`,
  );
  const ev = r.test ?? r.holdout;
  if (ev !== null) {
    out.write(
      `                      ${r.test !== null ? 'test' : 'hold-out'}: exc ${ev.excSpikesPerSample.toFixed(1)}, inh ${ev.inhSpikesPerSample.toFixed(1)}; silent ${pct(ev.silentFraction)}\n`,
    );
  }
  out.write(
    `  peak memory         ${r.peakRssMiB.toFixed(0)} MiB resident (${defaultStdpKernels()} kernels)\n`,
  );
}
