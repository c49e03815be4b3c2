import type { ParamValues } from '../space/index.ts';
import type { StoredReport, TrialExecResult } from '../study/trial-exec.ts';

/** Main thread → trial thread. */
export interface ThreadRequest {
  readonly id: number;
  readonly def: unknown;
  readonly objectiveNames: readonly string[];
  readonly earlyStopping: unknown;
  readonly params: ParamValues;
  readonly trialNumber: number;
  readonly seed: number;
}

/** Trial thread → main thread. */
export type ThreadResponse =
  | { readonly type: 'report'; readonly id: number; readonly report: StoredReport }
  | { readonly type: 'done'; readonly id: number; readonly result: TrialExecResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
