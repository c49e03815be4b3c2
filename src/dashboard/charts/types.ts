/**
 * The shapes the chart definitions read (a study, its trials) and produce (echarts options).
 * Types only.
 */

export type ParamValue = string | number | boolean;
export type TrialState = 'queued' | 'running' | 'complete' | 'stopped' | 'failed';

/** A parameter of the search space (the list form of the spec, `SpaceSpecJson`). */
export interface ChartParamSpec {
  readonly name: string;
  readonly type: 'float' | 'int' | 'categorical' | 'fixed';
  readonly low?: number;
  readonly high?: number;
  readonly log?: boolean;
  readonly choices?: readonly ParamValue[];
}

/** What the charts need of a study (a stored `Study` fits). */
export interface ChartStudy {
  readonly name: string;
  readonly config: {
    readonly objectives: readonly { readonly name: string; readonly direction: 'maximize' | 'minimize' }[];
    readonly constraints: readonly string[];
    readonly space: { readonly params: readonly ChartParamSpec[] };
  };
}

export interface ChartReport {
  readonly step: number;
  readonly spikes: Readonly<Record<string, number>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly at: number;
}

/** What the charts need of a trial (a stored `Trial` fits, and so does the API's JSON of one). */
export interface ChartTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly values: readonly number[] | null;
  readonly constraints: readonly number[] | null;
  readonly error: string | null;
  readonly worker: string | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly reports?: readonly ChartReport[];
}

/** An echarts option object (kept loose: echarts validates it). */
export type ChartOption = Record<string, unknown>;

/** How a trial is shown: complete trials split by feasibility, stopped trials are the silent ones. */
export type TrialClass = 'feasible' | 'infeasible' | 'stopped' | 'failed' | 'running' | 'queued';
