/** Errors of the storage layer. Each names the study / trial concerned and says what to do. */
import { SpiketuneError } from '../core/errors.ts';
import type { TrialState } from '../study/model.ts';

/** A storage backend could not be opened or used (bad URL, schema too new, server unreachable…). */
export class StorageError extends SpiketuneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_STORAGE', message, options);
    this.name = 'StorageError';
  }
}

/** A study or trial does not exist. */
export class NotFoundError extends SpiketuneError {
  constructor(message: string) {
    super('E_NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

/** A study of that name already exists (with the same config, or another one). */
export class StudyExistsError extends SpiketuneError {
  readonly studyName: string;
  /** Top-level config fields that differ; empty when the existing config is identical. */
  readonly differences: readonly string[];
  constructor(studyName: string, differences: readonly string[], where: string) {
    super(
      'E_STUDY_EXISTS',
      differences.length === 0
        ? `study "${studyName}" already exists in ${where} (same config): use getOrCreateStudy / resume it`
        : `study "${studyName}" already exists in ${where} with a different config (differs in: ${differences.join(', ')}); choose another name, or use the same config to resume it`,
    );
    this.name = 'StudyExistsError';
    this.studyName = studyName;
    this.differences = differences;
  }
}

/**
 * An operation that needs a running trial found it in another state or held by another worker: e.g.
 * finishing a trial that `failStaleTrials` already failed and re-queued. The worker should drop the
 * trial (its result is not recorded).
 */
export class TrialStateError extends SpiketuneError {
  readonly trialId: number;
  readonly state: TrialState;
  readonly worker: string | null;
  constructor(trialId: number, state: TrialState, worker: string | null, message: string) {
    super('E_TRIAL_STATE', message);
    this.name = 'TrialStateError';
    this.trialId = trialId;
    this.state = state;
    this.worker = worker;
  }
}
