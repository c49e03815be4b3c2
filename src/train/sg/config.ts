/**
 * Configuration of one surrogate-gradient training run, validated with errors naming the field.
 */

import { ValidationError } from '../../core/errors.ts';
import { checkInt, checkNumber } from '../../core/validate.ts';
import type { EncoderSpec } from '../../data/encoders.ts';
import type { NetworkSpec } from '../../snn/network.ts';
import { validateNeuron } from '../../snn/neuron.ts';
import { type LossSpec, validateLoss } from './loss.ts';

export interface SgConfig {
  readonly network: NetworkSpec;
  readonly encoder: EncoderSpec;
  /** Time steps per sample (T). */
  readonly steps: number;
  readonly batchSize: number;
  readonly epochs: number;
  /** Adam learning rate. */
  readonly lr: number;
  readonly weightDecay?: number;
  readonly loss: LossSpec;
  /** Seed of every random choice: init, shuffling, encoding, dropout. */
  readonly seed: number;
}

export function validateSgConfig(c: SgConfig): SgConfig {
  checkInt('steps', c.steps, 1, 10_000);
  checkInt('batchSize', c.batchSize, 1, 65_536);
  checkInt('epochs', c.epochs, 1, 10_000);
  checkNumber('lr', c.lr, 0, 10);
  if (c.lr === 0) throw new ValidationError('lr', c.lr, 'expected a learning rate > 0');
  if (c.weightDecay !== undefined) checkNumber('weightDecay', c.weightDecay, 0, 1);
  checkInt('seed', c.seed, 0, 2 ** 32 - 1);
  validateNeuron(c.network.neuron, 'network.neuron');
  if (c.network.outputNeuron !== undefined) validateNeuron(c.network.outputNeuron, 'network.outputNeuron');
  if (!Array.isArray(c.network.hidden)) {
    throw new ValidationError('network.hidden', c.network.hidden, 'expected a list of layers');
  }
  validateLoss(c.loss);
  return c;
}
