/**
 * Adam (Kingma & Ba 2015) over the network's parameters, with optional decoupled weight decay
 * (AdamW). Moments are float32 arrays, one pair per parameter tensor.
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   θ ← θ − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε) − lr · wd · θ
 */
import { checkNumber } from '../../core/validate.ts';
import type { Param } from '../../snn/layer.ts';

export interface AdamOptions {
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

export class Adam {
  private readonly params: readonly Param[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;
  lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;

  constructor(params: readonly Param[], opts: AdamOptions) {
    this.params = params;
    this.lr = checkNumber('lr', opts.lr, 0);
    this.b1 = checkNumber('beta1', opts.beta1 ?? 0.9, 0, 0.999999);
    this.b2 = checkNumber('beta2', opts.beta2 ?? 0.999, 0, 0.99999999);
    this.eps = checkNumber('eps', opts.eps ?? 1e-8, 0);
    this.wd = checkNumber('weightDecay', opts.weightDecay ?? 0, 0);
    this.m = params.map((p) => new Float32Array(p.value.length));
    this.v = params.map((p) => new Float32Array(p.value.length));
  }

  /** Applies one update from the accumulated gradients, then zeroes them. */
  step(): void {
    this.t++;
    const { b1, b2, eps, lr, wd } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const stepSize = lr / c1;
    const sqrtC2 = Math.sqrt(c2);
    for (let k = 0; k < this.params.length; k++) {
      const { value, grad } = this.params[k];
      const m = this.m[k];
      const v = this.v[k];
      const n = value.length;
      for (let i = 0; i < n; i++) {
        const g = grad[i];
        const mi = b1 * m[i] + (1 - b1) * g;
        const vi = b2 * v[i] + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        value[i] -= stepSize * (mi / (Math.sqrt(vi) / sqrtC2 + eps)) + lr * wd * value[i];
        grad[i] = 0;
      }
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }
}
