/**
 * Configuration of the Diehl & Cook (2015) network trained by unsupervised STDP, as BindsNET's
 * `DiehlAndCook2015` model and its `eth_mnist.py` example set it up. Times are in milliseconds and
 * time steps (dt = 1 ms), potentials in millivolts, rates in hertz; weights are dimensionless
 * voltage jumps (a weight of w adds w mV to the post-synaptic membrane).
 *
 * `resolveStdpConfig` fills the defaults in and validates every field, throwing a `ValidationError`
 * that names the field and the value. `stdpSeedRanges` lists the 18 hyperparameters of the seed
 * paper (Firmin, Boulet & Talbi 2024) with their search ranges, for search spaces and the docs.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkInt, checkNumber, checkOneOf } from '../../core/validate.ts';

/** Read-outs from the excitatory spike counts (and spike order) to a class. */
export const stdpDecoders = ['all', 'vote', '2gram', '3gram', 'logreg'] as const;
export type StdpDecoder = (typeof stdpDecoders)[number];

export interface StdpConfig {
  /** Excitatory (and inhibitory) neurons. */
  readonly mapSize: number;
  /** Time steps (ms) each sample is presented for. */
  readonly time: number;
  /** Poisson rate of a white pixel, Hz (BindsNET: 128); a pixel v fires at intensity · v/255 Hz. */
  readonly intensity: number;
  /** Passes over the training set. */
  readonly epochs: number;
  /** Learning rate of pre-synaptic (depressing) updates. */
  readonly nuPre: number;
  /** Learning rate of post-synaptic (potentiating) updates. */
  readonly nuPost: number;
  /** Time constant of the input (pre-synaptic) spike traces, ms. */
  readonly tcPre: number;
  /** Time constant of the excitatory (post-synaptic) spike traces, ms. */
  readonly tcPost: number;
  /** Upper weight bound (lower bound 0). */
  readonly wmax: number;
  /** Initial weights are uniform in [0, wInit). */
  readonly wInit: number;
  /** Sum of each excitatory neuron's incoming weights after every training sample. */
  readonly norm: number;
  /** Excitatory → inhibitory one-to-one weight, mV. */
  readonly excStrength: number;
  /** Inhibitory → excitatory weight (all to all except self), mV, applied negatively. */
  readonly inhStrength: number;
  readonly excThreshold: number;
  readonly excRest: number;
  readonly excReset: number;
  /** Refractory period of excitatory neurons, steps. */
  readonly excRefractory: number;
  /** Membrane time constant of excitatory neurons, ms. */
  readonly excTcDecay: number;
  /** Adaptive threshold increase per excitatory spike, mV. */
  readonly thetaPlus: number;
  /** Time constant of the adaptive threshold's decay, ms. */
  readonly tcThetaDecay: number;
  readonly inhThreshold: number;
  readonly inhRest: number;
  readonly inhReset: number;
  readonly inhRefractory: number;
  readonly inhTcDecay: number;
  /**
   * BindsNET's `one_spike`: when several excitatory neurons cross threshold in the same step, all of
   * them reset (and raise their thresholds) but only one, chosen uniformly at random, emits a spike.
   */
  readonly oneSpike: boolean;
  /** Decoder whose hold-out accuracy is the objective. */
  readonly decoder: StdpDecoder;
  /**
   * Training samples presented again, with learning off, to assign labels and fit the decoders
   * (default: all of them; 0: use the spike counts recorded during the last training epoch).
   */
  readonly labelSamples?: number;
  /** Epochs of the logistic-regression read-out (Adam, mini-batches of 32). */
  readonly logregEpochs: number;
  readonly logregLr: number;
  readonly seed: number;
}

export type StdpConfigInput = Partial<StdpConfig>;

/** BindsNET `DiehlAndCook2015` defaults, with `eth_mnist.py`'s inhibition (120) and a 350 ms sample. */
export const stdpDefaults: Readonly<Omit<StdpConfig, 'labelSamples'>> = {
  mapSize: 100,
  time: 350,
  intensity: 128,
  epochs: 1,
  nuPre: 1e-4,
  nuPost: 1e-2,
  tcPre: 20,
  tcPost: 20,
  wmax: 1,
  wInit: 0.3,
  norm: 78.4,
  excStrength: 22.5,
  inhStrength: 120,
  excThreshold: -52,
  excRest: -65,
  excReset: -60,
  excRefractory: 5,
  excTcDecay: 100,
  thetaPlus: 0.05,
  tcThetaDecay: 1e7,
  inhThreshold: -40,
  inhRest: -60,
  inhReset: -45,
  inhRefractory: 2,
  inhTcDecay: 10,
  oneSpike: true,
  decoder: 'all',
  logregEpochs: 20,
  logregLr: 0.01,
  seed: 1,
};

/** A seed-paper hyperparameter and its search range. */
export interface StdpSeedRange {
  readonly name: keyof StdpConfig;
  readonly kind: 'int' | 'float' | 'categorical';
  readonly low?: number;
  readonly high?: number;
  readonly log?: boolean;
  readonly choices?: readonly string[];
}

/** The 18 hyperparameters of the seed paper's STDP search space (Firmin et al. 2024). */
export const stdpSeedRanges: readonly StdpSeedRange[] = [
  { name: 'decoder', kind: 'categorical', choices: stdpDecoders },
  /** The range is not restated here: the network's default is one pass. */
  { name: 'epochs', kind: 'int', low: 1 },
  { name: 'mapSize', kind: 'int', low: 20, high: 2000 },
  { name: 'nuPre', kind: 'float', low: 1e-4, high: 1e-2, log: true },
  { name: 'nuPost', kind: 'float', low: 1e-4, high: 1e-2, log: true },
  { name: 'excStrength', kind: 'float', low: 1, high: 500 },
  { name: 'inhStrength', kind: 'float', low: 1, high: 500 },
  { name: 'norm', kind: 'float', low: 78.4, high: 784 },
  { name: 'excThreshold', kind: 'float', low: -59, high: 0 },
  { name: 'excRest', kind: 'float', low: -70, high: -60 },
  { name: 'excRefractory', kind: 'int', low: 0, high: 20 },
  { name: 'thetaPlus', kind: 'float', low: 0.001, high: 0.5, log: true },
  { name: 'tcThetaDecay', kind: 'float', low: 1e6, high: 2e7 },
  { name: 'excTcDecay', kind: 'float', low: 5, high: 5000 },
  { name: 'inhThreshold', kind: 'float', low: -40, high: 0 },
  { name: 'inhRest', kind: 'float', low: -60, high: -45 },
  { name: 'inhRefractory', kind: 'int', low: 0, high: 20 },
  { name: 'inhTcDecay', kind: 'float', low: 5, high: 5000 },
];

const KNOWN = new Set<string>([...Object.keys(stdpDefaults), 'labelSamples']);

/**
 * Fills the defaults in and validates every field (names the field and value on error). Ranges are
 * physical sanity bounds, wider than the seed paper's search ranges.
 */
export function resolveStdpConfig(input: StdpConfigInput = {}, field = 'stdp'): StdpConfig {
  if (typeof input !== 'object' || input === null)
    throw new ValidationError(field, input, 'expected an object');
  for (const k of Object.keys(input)) {
    if (!KNOWN.has(k)) {
      throw new ValidationError(
        `${field}.${k}`,
        (input as Record<string, unknown>)[k],
        'unknown STDP option',
      );
    }
  }
  const c: StdpConfig = { ...stdpDefaults, ...stripUndefined(input) };
  const f = (k: string): string => `${field}.${k}`;
  checkInt(f('mapSize'), c.mapSize, 1, 100_000);
  checkInt(f('time'), c.time, 1, 65_535);
  // One step is 1 ms: a rate above 1000 Hz would need more than one spike per step.
  checkNumber(f('intensity'), c.intensity, Number.MIN_VALUE, 1000);
  checkInt(f('epochs'), c.epochs, 1, 1000);
  checkNumber(f('nuPre'), c.nuPre, 0, 1);
  checkNumber(f('nuPost'), c.nuPost, 0, 1);
  checkNumber(f('tcPre'), c.tcPre, Number.MIN_VALUE);
  checkNumber(f('tcPost'), c.tcPost, Number.MIN_VALUE);
  checkNumber(f('wmax'), c.wmax, Number.MIN_VALUE);
  checkNumber(f('wInit'), c.wInit, 0);
  checkNumber(f('norm'), c.norm, Number.MIN_VALUE);
  checkNumber(f('excStrength'), c.excStrength, 0);
  checkNumber(f('inhStrength'), c.inhStrength, 0);
  for (const layer of ['exc', 'inh'] as const) {
    const thr = checkNumber(f(`${layer}Threshold`), c[`${layer}Threshold`]);
    const rest = checkNumber(f(`${layer}Rest`), c[`${layer}Rest`]);
    const reset = checkNumber(f(`${layer}Reset`), c[`${layer}Reset`]);
    checkInt(f(`${layer}Refractory`), c[`${layer}Refractory`], 0, 10_000);
    checkNumber(f(`${layer}TcDecay`), c[`${layer}TcDecay`], Number.MIN_VALUE);
    if (rest >= thr) {
      throw new ValidationError(
        f(`${layer}Rest`),
        rest,
        `expected a resting potential below ${layer}Threshold = ${thr} (the neurons would fire without input)`,
      );
    }
    if (reset >= thr) {
      throw new ValidationError(
        f(`${layer}Reset`),
        reset,
        `expected a reset potential below ${layer}Threshold = ${thr} (the neurons would fire at every step)`,
      );
    }
  }
  checkNumber(f('thetaPlus'), c.thetaPlus, 0);
  checkNumber(f('tcThetaDecay'), c.tcThetaDecay, Number.MIN_VALUE);
  if (typeof c.oneSpike !== 'boolean')
    throw new ValidationError(f('oneSpike'), c.oneSpike, 'expected a boolean');
  checkOneOf(f('decoder'), c.decoder, stdpDecoders);
  if (c.labelSamples !== undefined) checkInt(f('labelSamples'), c.labelSamples, 0);
  checkInt(f('logregEpochs'), c.logregEpochs, 0, 10_000);
  checkNumber(f('logregLr'), c.logregLr, Number.MIN_VALUE, 10);
  checkInt(f('seed'), c.seed, 0, 0xffffffff);
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
