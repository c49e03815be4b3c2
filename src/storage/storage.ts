/**
 * The one storage interface of spiketune, implemented on SQLite (one machine: processes and worker
 * threads share a file) and PostgreSQL (many machines). Every method is atomic and safe when many
 * processes use the same database at once; each `Storage` object is one connection (SQLite) or one
 * connection pool (PostgreSQL) and may be used by concurrent async callers.
 *
 * Trials are identified by their storage-wide `id`; `number` is their dense 0, 1, 2… rank within the
 * study. Timestamps are ms since the epoch (PostgreSQL: the server's clock, so that heartbeats from
 * machines with skewed clocks compare fairly).
 *
 * Values must be JSON: objective values, constraints, report spikes / metrics and numeric params must
 * be finite. NaN or ±Infinity is rejected with a `ValidationError` naming the field; a caller whose
 * objective came out NaN should fail the trial with that reason instead.
 */
import type { ParamValues } from '../space/index.ts';
import type { Report, StudyConfig, StudyConfigInput, Trial, TrialState } from '../study/model.ts';

export interface Study {
  readonly id: number;
  readonly name: string;
  /** The normalized config (see `checkStudyConfig`). */
  readonly config: StudyConfig;
  readonly createdAt: number;
}

export interface StudySummary {
  readonly study: Study;
  /** Number of trials in each state. */
  readonly counts: Readonly<Record<TrialState, number>>;
  /** Best value of the first objective among complete, feasible trials (null if none). */
  readonly best: number | null;
}

export interface CreateTrialOptions {
  /** `queued`: for any worker to claim; `running`: the caller runs it now (ask-and-run). */
  readonly state: 'queued' | 'running';
  /** The worker running it (`running` only). */
  readonly worker?: string;
  /** 1 + retries before this one (default 1). */
  readonly attempt?: number;
  /** Free-form JSON attributes (e.g. `{ retryOf: 12 }`). */
  readonly userAttrs?: Readonly<Record<string, unknown>>;
}

/** A report to add; `at` defaults to now. */
export type ReportInput = Omit<Report, 'at'> & { readonly at?: number };

export interface FinishTrialInput {
  readonly state: 'complete' | 'stopped' | 'failed';
  /** One per objective: required for `complete`, optional (partial) for `stopped`. */
  readonly values?: readonly number[] | null;
  /** One per constraint: required for `complete` when the study has constraints. */
  readonly constraints?: readonly number[] | null;
  /** Why it failed: required for `failed`. */
  readonly error?: string | null;
  /** When given, finishing is refused unless this worker holds the trial. */
  readonly worker?: string;
  /** Merged into the trial's attributes (e.g. what early stopping and the silence probe saw). */
  readonly userAttrs?: Readonly<Record<string, unknown>>;
}

export interface TrialQuery {
  /** Only trials in these states. */
  readonly states?: readonly TrialState[];
  /** Only trials with `number >= sinceNumber`. */
  readonly sinceNumber?: number;
  /** Load each trial's reports (default true; false gives `reports: []`, faster). */
  readonly reports?: boolean;
}

export interface StaleTrialsResult {
  /** Running trials that were failed because their heartbeat was too old (as now stored). */
  readonly failed: readonly Trial[];
  /** New queued trials re-running them (same params, attempt + 1), for those with retries left. */
  readonly requeued: readonly Trial[];
}

export interface Storage {
  /** Where it is (passwords removed), for messages. */
  readonly url: string;

  /** Creates a study; throws `StudyExistsError` if the name exists (saying whether the config differs). */
  createStudy(config: StudyConfigInput): Promise<Study>;
  /** Creates the study, or returns the existing one if its config is identical (else `StudyExistsError`). */
  getOrCreateStudy(config: StudyConfigInput): Promise<Study>;
  /** A study by name or id, or null. */
  getStudy(nameOrId: string | number): Promise<Study | null>;
  /** All studies, oldest first, with trial counts per state and the best value. */
  listStudies(): Promise<StudySummary[]>;

  /**
   * Creates a trial with the next number of the study (atomically: unique and dense under
   * concurrency). A running trial gets `startedAt` and `heartbeatAt` = now.
   */
  createTrial(studyId: number, params: ParamValues, options: CreateTrialOptions): Promise<Trial>;
  /** Moves the lowest-numbered queued trial to running for `worker`; null when none is queued. */
  claimQueuedTrial(studyId: number, worker: string): Promise<Trial | null>;
  /** Records that `worker` is still running the trial; `TrialStateError` if it no longer holds it. */
  heartbeat(trialId: number, worker: string): Promise<void>;
  /** Appends an intermediate report to a running trial (`TrialStateError` otherwise). */
  addReport(trialId: number, report: ReportInput): Promise<void>;
  /**
   * Finishes a running trial. `TrialStateError` (saying who finished it, and how) if it is not running
   * — e.g. already failed by `failStaleTrials` — or is held by another worker than `result.worker`.
   */
  finishTrial(trialId: number, result: FinishTrialInput): Promise<Trial>;
  /**
   * Fails the study's running trials whose last heartbeat is older than `graceMs` ("worker lost (no
   * heartbeat for N s)") and re-queues each as a new trial (same params, attempt + 1) while
   * `attempt <= maxRetries`. Safe to call from every worker at once: each stale trial is handled once.
   */
  failStaleTrials(studyId: number, graceMs: number, maxRetries: number): Promise<StaleTrialsResult>;
  /** The study's trials in number order. */
  getTrials(studyId: number, query?: TrialQuery): Promise<Trial[]>;
  getTrial(trialId: number): Promise<Trial | null>;

  /**
   * Runs `fn` while holding the study's ask lock, exclusive across all processes and machines using
   * this database (and across concurrent callers in this process). `fn` may use this storage freely
   * (e.g. `createTrial`); other operations of other processes are not blocked. Not reentrant: `fn`
   * must not call `withAskLock` for the same study.
   */
  withAskLock<T>(studyId: number, fn: () => Promise<T>): Promise<T>;
  /**
   * Waits until the study changes — a trial is created, changes state, or gets a report (heartbeats do
   * not count) — by any process, this one included. Returns true on a change, false after `timeoutMs`.
   * Changes made since the previous `waitForChange` for this study on this object returned are not
   * lost: the call then returns true at once. (The first call only sees changes made after it starts.)
   */
  waitForChange(studyId: number, timeoutMs: number): Promise<boolean>;
  /** Releases the connection(s) and any lock held. */
  close(): Promise<void>;
}
