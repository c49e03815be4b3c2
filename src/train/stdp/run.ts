/**
 * One complete STDP run: unsupervised training of the Diehl & Cook network, label assignment and
 * decoder fitting on a frozen pass over the training set, then (unless stopped early) hold-out and
 * test accuracy with every decoder. What `spiketune train stdp` prints and what a study objective
 * records.
 *
 * Monitors: every training sample's excitatory and inhibitory spike totals stream to `onReport`
 * every `reportEvery` samples (layers 'excitatory' and 'inhibitory'); returning 'stop' ends training
 * at once and nothing is evaluated (a stopped network is not tested).
 *
 * Random streams (all from `config.seed`): weights and oneSpike choices, training input spikes,
 * the epoch shuffles, label-pass / hold-out / test input spikes and the logistic read-out each have
 * their own, so skipping the test set does not change the hold-out result.
 */
import { Rng } from '../../core/rng.ts';
import type { DataSplits, ImageSet } from '../../data/dataset.ts';
import { sampleSize } from '../../data/dataset.ts';
import { resolveStdpConfig, type StdpConfig, type StdpConfigInput, type StdpDecoder } from './config.ts';
import {
  accuracy,
  assignLabels,
  type LabelAssignment,
  LogisticDecoder,
  NgramDecoder,
  predictAllActivity,
  predictVote,
  type SpikeOrders,
  SpikeOrdersBuilder,
} from './decoders.ts';
import { PoissonSource, SampleRecord, StdpNetwork } from './network.ts';

export type StdpPhase = 'train' | 'label' | 'holdout' | 'test';

export interface StdpProgress {
  readonly phase: StdpPhase;
  readonly epoch: number;
  readonly epochs: number;
  /** Samples done in this phase (over all epochs for 'train'). */
  readonly done: number;
  readonly total: number;
  /** Mean spikes per sample since the previous progress call. */
  readonly excPerSample: number;
  readonly inhPerSample: number;
  /** Throughput over the current chunk of samples (up to reportEvery). */
  readonly samplesPerSec: number;
}

export interface StdpSpikeReport {
  readonly epoch: number;
  /** Training samples processed so far (over all epochs). */
  readonly samplesSeen: number;
  /** Per training sample since the previous report: excitatory and inhibitory spike totals. */
  readonly excitatory: Int32Array;
  readonly inhibitory: Int32Array;
}

export interface StdpRunOptions {
  readonly onProgress?: (p: StdpProgress) => void;
  /** Samples between progress calls (default 100). */
  readonly progressEvery?: number;
  readonly onReport?: (r: StdpSpikeReport) => 'stop' | undefined;
  /** Training samples between spike reports (default 1000). */
  readonly reportEvery?: number;
  /** Skip the test set (a study's objective is the hold-out accuracy). */
  readonly skipTest?: boolean;
}

export interface StdpPhaseStats {
  readonly samples: number;
  readonly seconds: number;
  readonly samplesPerSec: number;
  /** CPU time of the process (all threads) over the phase: robust on a shared machine. */
  readonly cpuSeconds: number;
  readonly samplesPerCpuSec: number;
  readonly excSpikesPerSample: number;
  readonly inhSpikesPerSample: number;
  readonly inputSpikesPerSample: number;
  /** Fraction of samples under the Diehl & Cook silence rule (< 5 excitatory or < 1 inhibitory). */
  readonly silentFraction: number;
}

export interface StdpEvaluation extends StdpPhaseStats {
  readonly accuracy: Readonly<Record<StdpDecoder, number>>;
}

export interface StdpRunReport {
  readonly config: StdpConfig;
  readonly status: 'completed' | 'stopped';
  /** Training samples seen when a report stopped the run (null when completed). */
  readonly stoppedAt: number | null;
  readonly train: StdpPhaseStats & { readonly epochsRun: number };
  /** The frozen pass over the training set that assigns labels (null: stopped, or labelSamples 0). */
  readonly label: StdpPhaseStats | null;
  /** Neurons with a class (the others never fired in the label pass). */
  readonly assignedNeurons: number | null;
  readonly holdout: StdpEvaluation | null;
  readonly test: StdpEvaluation | null;
  /** Accuracy with `config.decoder` (null when not evaluated). */
  readonly holdoutAccuracy: number | null;
  readonly testAccuracy: number | null;
  /** Hold-out and test samples per second together (frozen network, no STDP). */
  readonly inferenceSamplesPerSec: number | null;
  readonly peakRssMiB: number;
}

/** The trained read-outs. */
export interface StdpReadout {
  readonly assignment: LabelAssignment;
  readonly bigram: NgramDecoder;
  readonly trigram: NgramDecoder;
  readonly logistic: LogisticDecoder;
}

interface PassResult {
  readonly stats: StdpPhaseStats;
  readonly orders: SpikeOrders | null;
  readonly labels: Uint8Array;
  readonly stopped: boolean;
  readonly seen: number;
}

/** Stream labels of the random generators derived from the seed. */
const STREAM = { weights: 1, trainInput: 2, shuffle: 3, label: 4, holdout: 5, test: 6, logreg: 7 } as const;

/**
 * Presents `indices` of `set` to the network, one sample at a time (state reset before each).
 * Collects firing orders when asked; reports per-sample spike totals when `onReport` is given.
 */
function present(
  net: StdpNetwork,
  source: PoissonSource,
  set: ImageSet,
  indices: Int32Array,
  learning: boolean,
  rng: Rng,
  opts: {
    readonly phase: StdpPhase;
    readonly collect: boolean;
    readonly epoch: number;
    readonly epochs: number;
    readonly doneBefore: number;
    readonly total: number;
    readonly onProgress?: ((p: StdpProgress) => void) | undefined;
    readonly progressEvery: number;
    readonly onReport?: ((r: StdpSpikeReport) => 'stop' | undefined) | undefined;
    readonly reportEvery: number;
    readonly seenBefore: number;
  },
): PassResult {
  const T = net.config.time;
  const size = sampleSize(set);
  const record = new SampleRecord(net.n);
  const spikes = new Int32Array(net.inputs);
  const builder = opts.collect ? new SpikeOrdersBuilder(indices.length) : null;
  const labels = new Uint8Array(indices.length);
  const repExc = new Int32Array(opts.reportEvery);
  const repInh = new Int32Array(opts.reportEvery);
  let nRep = 0;
  let excAll = 0;
  let inhAll = 0;
  let inAll = 0;
  let silent = 0;
  let excWin = 0;
  let inhWin = 0;
  let nWin = 0;
  let stopped = false;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let s = 0;
  for (; s < indices.length; s++) {
    const idx = indices[s];
    labels[s] = set.labels[idx];
    record.clear();
    net.beginSample(learning);
    source.begin(set.pixels, idx * size, rng);
    for (let t = 0; t < T; t++) {
      const k = source.spikesAt(t, spikes, rng);
      net.step(t, spikes, k, learning, record);
    }
    net.endSample(learning);
    if (builder !== null) builder.add(record.order, record.orderLength);
    excAll += record.excTotal;
    inhAll += record.inhTotal;
    inAll += record.inputTotal;
    if (record.excTotal < 5 || record.inhTotal < 1) silent++;
    excWin += record.excTotal;
    inhWin += record.inhTotal;
    nWin++;
    if (opts.onReport !== undefined) {
      repExc[nRep] = record.excTotal;
      repInh[nRep] = record.inhTotal;
      nRep++;
      if (nRep === opts.reportEvery || s === indices.length - 1) {
        const d = opts.onReport({
          epoch: opts.epoch,
          samplesSeen: opts.seenBefore + s + 1,
          excitatory: repExc.slice(0, nRep),
          inhibitory: repInh.slice(0, nRep),
        });
        nRep = 0;
        if (d === 'stop') {
          stopped = true;
          s++;
          break;
        }
      }
    }
    if (opts.onProgress !== undefined && ((s + 1) % opts.progressEvery === 0 || s === indices.length - 1)) {
      const secs = (performance.now() - t0) / 1000;
      opts.onProgress({
        phase: opts.phase,
        epoch: opts.epoch,
        epochs: opts.epochs,
        done: opts.doneBefore + s + 1,
        total: opts.total,
        excPerSample: excWin / nWin,
        inhPerSample: inhWin / nWin,
        samplesPerSec: (s + 1) / Math.max(secs, 1e-9),
      });
      excWin = 0;
      inhWin = 0;
      nWin = 0;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const n = Math.max(s, 1);
  return {
    stats: {
      samples: s,
      seconds,
      samplesPerSec: s / Math.max(seconds, 1e-9),
      cpuSeconds,
      samplesPerCpuSec: s / Math.max(cpuSeconds, 1e-9),
      excSpikesPerSample: excAll / n,
      inhSpikesPerSample: inhAll / n,
      inputSpikesPerSample: inAll / n,
      silentFraction: silent / n,
    },
    orders: builder === null ? null : builder.build(),
    labels: labels.subarray(0, s),
    stopped,
    seen: s,
  };
}

function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function mergeStats(parts: readonly StdpPhaseStats[]): StdpPhaseStats {
  let samples = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  let exc = 0;
  let inh = 0;
  let inp = 0;
  let silent = 0;
  for (const p of parts) {
    samples += p.samples;
    seconds += p.seconds;
    cpuSeconds += p.cpuSeconds;
    exc += p.excSpikesPerSample * p.samples;
    inh += p.inhSpikesPerSample * p.samples;
    inp += p.inputSpikesPerSample * p.samples;
    silent += p.silentFraction * p.samples;
  }
  const n = Math.max(samples, 1);
  return {
    samples,
    seconds,
    samplesPerSec: samples / Math.max(seconds, 1e-9),
    cpuSeconds,
    samplesPerCpuSec: samples / Math.max(cpuSeconds, 1e-9),
    excSpikesPerSample: exc / n,
    inhSpikesPerSample: inh / n,
    inputSpikesPerSample: inp / n,
    silentFraction: silent / n,
  };
}

/** Fits every read-out on the firing orders of labelled (frozen-network) training samples. */
export function fitReadout(
  orders: SpikeOrders,
  labels: Uint8Array,
  neurons: number,
  classes: number,
  config: Pick<StdpConfig, 'logregEpochs' | 'logregLr'>,
  rng: Rng,
): StdpReadout {
  return {
    assignment: assignLabels(orders, labels, neurons, classes),
    bigram: new NgramDecoder(2, neurons, classes).fit(orders, labels),
    trigram: new NgramDecoder(3, neurons, classes).fit(orders, labels),
    logistic: new LogisticDecoder(neurons, classes).fit(orders, labels, {
      epochs: config.logregEpochs,
      lr: config.logregLr,
      rng,
    }),
  };
}

/** Accuracy of every decoder on the firing orders of a labelled set. */
export function decodeAll(
  readout: StdpReadout,
  orders: SpikeOrders,
  labels: Uint8Array,
): Record<StdpDecoder, number> {
  const all = predictAllActivity(orders, readout.assignment);
  return {
    all: accuracy(all, labels),
    vote: accuracy(predictVote(orders, readout.assignment), labels),
    '2gram': accuracy(readout.bigram.predict(orders, all), labels),
    '3gram': accuracy(readout.trigram.predict(orders, all), labels),
    logreg: accuracy(readout.logistic.predict(orders), labels),
  };
}

/** Yields to the event loop (timers, abort signals) between chunks of synchronous work. */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface StdpRunResult {
  readonly report: StdpRunReport;
  readonly network: StdpNetwork;
  /** Null when the run was stopped or nothing was labelled. */
  readonly readout: StdpReadout | null;
}

/** Trains, assigns labels, evaluates. See the module comment. */
export async function runStdp(
  input: StdpConfigInput,
  data: DataSplits,
  opts: StdpRunOptions = {},
): Promise<StdpRunResult> {
  const config = resolveStdpConfig(input);
  const train = data.train;
  const inputs = sampleSize(train);
  const master = new Rng(config.seed);
  const streams = {
    weights: master.fork(STREAM.weights),
    trainInput: master.fork(STREAM.trainInput),
    shuffle: master.fork(STREAM.shuffle),
    label: master.fork(STREAM.label),
    holdout: master.fork(STREAM.holdout),
    test: master.fork(STREAM.test),
    logreg: master.fork(STREAM.logreg),
  };
  const net = new StdpNetwork(config, inputs, streams.weights);
  const source = new PoissonSource(inputs, config.intensity, config.time);
  const progressEvery = opts.progressEvery ?? 100;
  const reportEvery = opts.reportEvery ?? 1000;
  const labelSamples = Math.min(config.labelSamples ?? train.count, train.count);
  const useTrainingActivity = labelSamples === 0;

  // Training, in chunks of reportEvery samples so that the event loop runs between them.
  const trainParts: StdpPhaseStats[] = [];
  let stopped = false;
  let seen = 0;
  let epochsRun = 0;
  let lastEpochOrders: SpikeOrdersBuilder | null = null;
  let lastEpochLabels: Uint8Array | null = null;
  const total = config.epochs * train.count;
  for (let e = 0; e < config.epochs && !stopped; e++) {
    const order = streams.shuffle.shuffle(range(train.count));
    const lastEpoch = e === config.epochs - 1;
    if (lastEpoch && useTrainingActivity) {
      lastEpochOrders = new SpikeOrdersBuilder(train.count);
      lastEpochLabels = new Uint8Array(train.count);
    }
    for (let start = 0; start < train.count && !stopped; start += reportEvery) {
      const chunk = order.subarray(start, Math.min(train.count, start + reportEvery));
      const r = present(net, source, train, chunk, true, streams.trainInput, {
        phase: 'train',
        collect: lastEpochOrders !== null,
        epoch: e,
        epochs: config.epochs,
        doneBefore: seen,
        total,
        onProgress: opts.onProgress,
        progressEvery,
        onReport: opts.onReport,
        reportEvery,
        seenBefore: seen,
      });
      trainParts.push(r.stats);
      if (lastEpochOrders !== null && r.orders !== null && lastEpochLabels !== null) {
        for (let s = 0; s < r.orders.samples; s++) {
          const a = r.orders.ptr[s];
          lastEpochOrders.add(r.orders.idx.subarray(a, r.orders.ptr[s + 1]), r.orders.ptr[s + 1] - a);
          lastEpochLabels[start + s] = r.labels[s];
        }
      }
      seen += r.seen;
      stopped = r.stopped;
      await yieldToLoop();
    }
    if (!stopped) epochsRun++;
  }
  const trainStats = { ...mergeStats(trainParts), epochsRun };
  const peak = (): number => process.resourceUsage().maxRSS / 1024;
  if (stopped) {
    return {
      report: {
        config,
        status: 'stopped',
        stoppedAt: seen,
        train: trainStats,
        label: null,
        assignedNeurons: null,
        holdout: null,
        test: null,
        holdoutAccuracy: null,
        testAccuracy: null,
        inferenceSamplesPerSec: null,
        peakRssMiB: peak(),
      },
      network: net,
      readout: null,
    };
  }

  // Label assignment and read-outs, on a frozen pass (or the last epoch's training activity).
  let labelStats: StdpPhaseStats | null = null;
  let labelOrders: SpikeOrders;
  let labelLabels: Uint8Array;
  if (useTrainingActivity) {
    labelOrders = (lastEpochOrders as SpikeOrdersBuilder).build();
    labelLabels = lastEpochLabels as Uint8Array;
  } else {
    const r = present(net, source, train, range(labelSamples), false, streams.label, {
      phase: 'label',
      collect: true,
      epoch: 0,
      epochs: 1,
      doneBefore: 0,
      total: labelSamples,
      onProgress: opts.onProgress,
      progressEvery,
      reportEvery,
      seenBefore: 0,
    });
    labelStats = r.stats;
    labelOrders = r.orders as SpikeOrders;
    labelLabels = r.labels;
    await yieldToLoop();
  }
  const readout = fitReadout(labelOrders, labelLabels, net.n, train.classes, config, streams.logreg);
  let assigned = 0;
  for (const a of readout.assignment.assignments) if (a >= 0) assigned++;

  const evaluate = (set: ImageSet, phase: 'holdout' | 'test', rng: Rng): StdpEvaluation => {
    const r = present(net, source, set, range(set.count), false, rng, {
      phase,
      collect: true,
      epoch: 0,
      epochs: 1,
      doneBefore: 0,
      total: set.count,
      onProgress: opts.onProgress,
      progressEvery,
      reportEvery,
      seenBefore: 0,
    });
    return { ...r.stats, accuracy: decodeAll(readout, r.orders as SpikeOrders, r.labels) };
  };
  const holdout = data.holdout.count > 0 ? evaluate(data.holdout, 'holdout', streams.holdout) : null;
  await yieldToLoop();
  const test =
    opts.skipTest !== true && data.test.count > 0 ? evaluate(data.test, 'test', streams.test) : null;
  const inferParts = [holdout, test].filter((x): x is StdpEvaluation => x !== null);
  const infer = inferParts.length > 0 ? mergeStats(inferParts).samplesPerSec : null;
  return {
    report: {
      config,
      status: 'completed',
      stoppedAt: null,
      train: trainStats,
      label: labelStats,
      assignedNeurons: assigned,
      holdout,
      test,
      holdoutAccuracy: holdout === null ? null : holdout.accuracy[config.decoder],
      testAccuracy: test === null ? null : test.accuracy[config.decoder],
      inferenceSamplesPerSec: infer,
      peakRssMiB: peak(),
    },
    network: net,
    readout,
  };
}
