/**
 * Leaky integrate-and-fire neurons as pure step functions over a vector of neurons (Norse style:
 * state in, state out; the layer in lif.ts is a thin wrapper that loops over time and keeps what BPTT
 * needs). Units are normalised: rest potential 0, threshold θ.
 *
 * LIF, one step, per neuron (I = input current, v = membrane after the previous step):
 *   u_t = β v_{t-1} + I_t                    (β = exp(-Δt/τ_mem), the decay)
 *   s_t = H(u_t - θ_t)                       (spike; H(x) = 1 iff x > 0, as snnTorch)
 *   v_t = u_t - θ_t s_t    (reset "subtract")   or   v_t = u_t (1 - s_t)   (reset "zero")
 * Refractory period R steps: for R steps after a spike the input is ignored (u_t = β v_{t-1}) and the
 * neuron cannot spike.
 *
 * Adaptive LIF (Bellec et al. 2018): θ_t = θ + b a_t with a_t = ρ a_{t-1} + (1 - ρ) s_{t-1}
 * (ρ = adaptation decay, b = adaptation strength); every spike raises the threshold, which decays back.
 */
import { ValidationError } from '../core/errors.ts';
import { checkInt, checkNumber } from '../core/validate.ts';
import { type SurrogateSpec, validateSurrogate } from './surrogate.ts';

interface NeuronCommon {
  /** Membrane decay per step β in (0, 1]. */
  readonly beta: number;
  /** Firing threshold θ > 0. */
  readonly threshold: number;
  readonly reset: 'subtract' | 'zero';
  /** Refractory period in steps (>= 0). */
  readonly refractory: number;
  /** Stop gradients through the reset term (the usual choice; snnTorch calls this reset detaching). */
  readonly detachReset: boolean;
  readonly surrogate: SurrogateSpec;
}

export interface LifSpec extends NeuronCommon {
  readonly model: 'lif';
}

export interface AlifSpec extends NeuronCommon {
  readonly model: 'alif';
  /** Adaptation decay ρ in [0, 1). */
  readonly rho: number;
  /** Adaptation strength b >= 0 (threshold increase per unit of adaptation). */
  readonly adaptation: number;
}

export type NeuronSpec = LifSpec | AlifSpec;

export const defaultNeuron: LifSpec = {
  model: 'lif',
  beta: 0.9,
  threshold: 1,
  reset: 'subtract',
  refractory: 0,
  detachReset: true,
  surrogate: { kind: 'fast-sigmoid', slope: 25 },
};

/** Validates a neuron spec, naming the offending field; returns it. */
export function validateNeuron(n: NeuronSpec, field = 'neuron'): NeuronSpec {
  if (n.model !== 'lif' && n.model !== 'alif') {
    throw new ValidationError(`${field}.model`, (n as { model: unknown }).model, 'expected lif or alif');
  }
  checkNumber(`${field}.beta`, n.beta, 0, 1);
  if (n.beta === 0) throw new ValidationError(`${field}.beta`, n.beta, 'expected a decay in (0, 1]');
  checkNumber(`${field}.threshold`, n.threshold, 1e-9);
  if (n.reset !== 'subtract' && n.reset !== 'zero') {
    throw new ValidationError(`${field}.reset`, n.reset, 'expected subtract or zero');
  }
  checkInt(`${field}.refractory`, n.refractory, 0, 10_000);
  validateSurrogate(n.surrogate, `${field}.surrogate`);
  if (n.model === 'alif') {
    checkNumber(`${field}.rho`, n.rho, 0, 1);
    if (n.rho === 1) throw new ValidationError(`${field}.rho`, n.rho, 'expected a decay in [0, 1)');
    checkNumber(`${field}.adaptation`, n.adaptation, 0);
  }
  return n;
}

/** Mutable state of a vector of n neurons. */
export interface NeuronState {
  /** Membrane after the last step. */
  readonly v: Float32Array;
  /** Refractory steps left. */
  readonly refr: Int32Array;
  /** Adaptation variable a (ALIF; zeros for LIF). */
  readonly a: Float32Array;
  /** Spikes of the previous step (ALIF adaptation uses s_{t-1}). */
  readonly sPrev: Float32Array;
}

export function createNeuronState(n: number): NeuronState {
  return {
    v: new Float32Array(n),
    refr: new Int32Array(n),
    a: new Float32Array(n),
    sPrev: new Float32Array(n),
  };
}

export function resetNeuronState(s: NeuronState, n: number): void {
  s.v.fill(0, 0, n);
  s.refr.fill(0, 0, n);
  s.a.fill(0, 0, n);
  s.sPrev.fill(0, 0, n);
}

/**
 * One step of n neurons. Reads input[inOff .. inOff+n), updates `state`, writes the spikes (0/1) to
 * spikes[off ..], the pre-reset membrane u_t to u[off ..] and the effective threshold θ_t to
 * theta[off ..] (ALIF only; pass null for LIF), and 1 to blocked[off ..] where the neuron was
 * refractory (pass null when R = 0). Returns the number of spikes.
 */
export function neuronStep(
  n: number,
  input: Float32Array,
  inOff: number,
  state: NeuronState,
  p: NeuronSpec,
  spikes: Float32Array,
  u: Float32Array,
  theta: Float32Array | null,
  blocked: Uint8Array | null,
  off: number,
): number {
  const { v, refr, a, sPrev } = state;
  const beta = p.beta;
  const th0 = p.threshold;
  const zero = p.reset === 'zero';
  const R = p.refractory;
  const alif = p.model === 'alif';
  const rho = alif ? p.rho : 0;
  const b = alif ? p.adaptation : 0;
  let count = 0;
  for (let j = 0; j < n; j++) {
    let th = th0;
    if (alif) {
      const aj = rho * a[j] + (1 - rho) * sPrev[j];
      a[j] = aj;
      th = th0 + b * aj;
      (theta as Float32Array)[off + j] = th;
    }
    let uj: number;
    let s = 0;
    if (R > 0 && refr[j] > 0) {
      uj = beta * v[j];
      refr[j]--;
      (blocked as Uint8Array)[off + j] = 1;
    } else {
      uj = beta * v[j] + input[inOff + j];
      if (uj > th) s = 1;
      if (R > 0) {
        (blocked as Uint8Array)[off + j] = 0;
        if (s === 1) refr[j] = R;
      }
    }
    u[off + j] = uj;
    spikes[off + j] = s;
    if (alif) sPrev[j] = s;
    if (s === 1) {
      count++;
      v[j] = zero ? 0 : uj - th;
    } else {
      v[j] = uj;
    }
  }
  return count;
}
