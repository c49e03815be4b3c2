/**
 * PostgreSQL storage (pg Pool): many machines share one database. Each operation is one statement
 * where possible (atomic by itself) or one short transaction; row locks serialize what must be:
 * the next trial number (`UPDATE studies … RETURNING next_number`), claiming (`FOR UPDATE SKIP
 * LOCKED`, so concurrent claimers take different queued trials without waiting), stale-trial sweeps.
 * Timestamps come from the server's clock. The ask lock is `pg_advisory_xact_lock` held by a
 * transaction on a dedicated connection while `fn` runs on the others: released at commit, or when
 * the connection drops if the process dies. `waitForChange` LISTENs on a dedicated connection to the
 * NOTIFYs sent by triggers on trials and reports.
 */
import pg from 'pg';
import type { ParamValues } from '../space/index.ts';
import type { StudyConfig, StudyConfigInput, Trial } from '../study/model.ts';
import { checkStudyConfig, configDiff } from '../study/model.ts';
import type { ReportRow, StudyRow, TrialInsert, TrialRow } from './common.ts';
import {
  checkCreateTrial,
  checkFinish,
  checkId,
  checkMs,
  checkQuery,
  checkReport,
  checkWorker,
  KeyedMutex,
  rowToReport,
  rowToStudy,
  rowToTrial,
  staleReason,
  summarize,
  trialStateError,
} from './common.ts';
import { NotFoundError, StorageError, StudyExistsError } from './errors.ts';
import { ChangeListener } from './postgres-listen.ts';
import { LOCK_CLASS, migratePostgres, NOW_MS } from './postgres-schema.ts';
import type {
  CreateTrialOptions,
  FinishTrialInput,
  ReportInput,
  StaleTrialsResult,
  Storage,
  Study,
  StudySummary,
  TrialQuery,
} from './storage.ts';

type Row = TrialRow & { reports: ReportRow[] };
type Queryable = Pick<pg.ClientBase, 'query'>;

/** A trial's reports as a JSON array column (one query, one snapshot). */
const REPORTS = `coalesce((SELECT json_agg(json_build_object('trial_id', r.trial_id, 'step', r.step, 'spikes',
  r.spikes, 'metrics', r.metrics, 'at', r.at) ORDER BY r.id) FROM reports r WHERE r.trial_id = t.id), '[]'::json)`;

/**
 * Joined into the statements of heartbeats and reports: commits them without waiting for the WAL
 * flush (one fsync less each; a server crash may lose the last few, never make the data inconsistent,
 * and the trial's next synchronous commit — e.g. finishTrial — makes them durable too).
 */
const ASYNC_COMMIT = "(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit";

const INSERT_TRIAL = `WITH n AS (UPDATE studies SET next_number = next_number + 1 WHERE id = $1
    RETURNING next_number - 1 AS number), c AS (SELECT ${NOW_MS} AS now)
  INSERT INTO trials AS t (study_id, number, params, state, worker, attempt, user_attrs, created_at, started_at,
    heartbeat_at)
  SELECT $1, n.number, $2, $3::text, $4, $5, $6, c.now, CASE WHEN $3::text = 'running' THEN c.now END,
    CASE WHEN $3::text = 'running' THEN c.now END FROM n, c
  RETURNING t.*, '[]'::json AS reports`;

const FINISH = `UPDATE trials AS t SET state = $2, objective_values = $3, constraint_values = $4, error = $5,
  finished_at = ${NOW_MS},
  user_attrs = CASE WHEN $7::text IS NULL THEN user_attrs ELSE (user_attrs::jsonb || $7::jsonb)::text END WHERE id = $1 AND state = 'running' AND ($6::text IS NULL OR coalesce(worker, $6) = $6)
  RETURNING t.*, ${REPORTS} AS reports`;

function toTrial(r: Row): Trial {
  return rowToTrial(r, r.reports.map(rowToReport));
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export interface PostgresOptions {
  /** Pool size (default 10). */
  readonly maxConnections?: number;
}

export class PostgresStorage implements Storage {
  readonly url: string;
  private readonly pool: pg.Pool;
  private readonly configs = new Map<number, StudyConfig>();
  private readonly mutex = new KeyedMutex();
  private readonly changes: ChangeListener;
  private closed = false;

  private constructor(connectionString: string, options: PostgresOptions) {
    this.url = redactUrl(connectionString);
    this.pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, types: pgTypes });
    this.changes = new ChangeListener({ connectionString, types: pgTypes });
    this.pool.on('error', () => {}); // an idle connection dropped: the next query reconnects
  }

  /** Connects and migrates the schema to `schemaVersion` (default latest; older ones for tests). */
  static async open(
    url: string,
    options: PostgresOptions = {},
    schemaVersion?: number,
  ): Promise<PostgresStorage> {
    const s = new PostgresStorage(url, options);
    try {
      const client = await s.pool.connect();
      try {
        await migratePostgres(client, s.url, schemaVersion);
      } finally {
        client.release();
      }
    } catch (e) {
      await s.pool.end().catch(() => {});
      if (e instanceof StorageError) throw e;
      throw new StorageError(`cannot open PostgreSQL database ${s.url}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return s;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  private async config(studyId: number): Promise<StudyConfig> {
    let c = this.configs.get(studyId);
    if (!c) {
      const study = await this.getStudy(checkId('studyId', studyId));
      if (!study) throw new NotFoundError(`no study with id ${studyId} in ${this.url}`);
      c = study.config;
      this.configs.set(studyId, c);
    }
    return c;
  }

  private async trialRow(trialId: number, c: Queryable = this.pool): Promise<Row> {
    const r = await c.query<Row>(`SELECT t.*, ${REPORTS} AS reports FROM trials t WHERE t.id = $1`, [
      checkId('trialId', trialId),
    ]);
    if (r.rows.length === 0) throw new NotFoundError(`no trial with id ${trialId} in ${this.url}`);
    return r.rows[0];
  }

  private async insertTrial(c: Queryable, studyId: number, t: TrialInsert): Promise<Row> {
    const r = await c.query<Row>(INSERT_TRIAL, [
      studyId,
      t.params,
      t.state,
      t.worker,
      t.attempt,
      t.userAttrs,
    ]);
    if (r.rows.length === 0) throw new NotFoundError(`no study with id ${studyId} in ${this.url}`);
    return r.rows[0];
  }

  private async insertStudy(config: StudyConfig): Promise<{ study: Study; created: boolean }> {
    const r = await this.pool.query<StudyRow>(
      `INSERT INTO studies (name, config, created_at) VALUES ($1, $2, ${NOW_MS}) ON CONFLICT (name) DO NOTHING
       RETURNING *`,
      [config.name, JSON.stringify(config)],
    );
    if (r.rows.length > 0) return { study: rowToStudy(r.rows[0]), created: true };
    const existing = await this.getStudy(config.name);
    if (!existing) return this.insertStudy(config); // deleted in between
    return { study: existing, created: false };
  }

  async createStudy(input: StudyConfigInput): Promise<Study> {
    const config = checkStudyConfig(input);
    const { study, created } = await this.insertStudy(config);
    if (!created) throw new StudyExistsError(config.name, configDiff(study.config, config), this.url);
    return study;
  }

  async getOrCreateStudy(input: StudyConfigInput): Promise<Study> {
    const config = checkStudyConfig(input);
    const { study } = await this.insertStudy(config);
    const diff = configDiff(study.config, config);
    if (diff.length > 0) throw new StudyExistsError(config.name, diff, this.url);
    return study;
  }

  async getStudy(nameOrId: string | number): Promise<Study | null> {
    const col = typeof nameOrId === 'number' ? 'id' : 'name';
    const r = await this.pool.query<StudyRow>(`SELECT * FROM studies WHERE ${col} = $1`, [nameOrId]);
    return r.rows.length > 0 ? rowToStudy(r.rows[0]) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const studies = (await c.query<StudyRow>('SELECT * FROM studies ORDER BY id')).rows.map(rowToStudy);
      const counts = await c.query(
        'SELECT study_id, state, count(*) AS n FROM trials GROUP BY study_id, state',
      );
      const complete = await c.query(
        "SELECT study_id, objective_values, constraint_values FROM trials WHERE state = 'complete'",
      );
      return summarize(studies, counts.rows, complete.rows);
    });
  }

  async createTrial(studyId: number, params: ParamValues, options: CreateTrialOptions): Promise<Trial> {
    const t = checkCreateTrial(params, options);
    return toTrial(await this.insertTrial(this.pool, checkId('studyId', studyId), t));
  }

  async claimQueuedTrial(studyId: number, worker: string): Promise<Trial | null> {
    checkWorker(worker);
    await this.config(studyId);
    const r = await this.pool.query<Row>(
      `UPDATE trials AS t SET state = 'running', worker = $2, started_at = ${NOW_MS}, heartbeat_at = ${NOW_MS}
       WHERE id = (SELECT id FROM trials WHERE study_id = $1 AND state = 'queued' ORDER BY number LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING t.*, ${REPORTS} AS reports`,
      [studyId, worker],
    );
    return r.rows.length > 0 ? toTrial(r.rows[0]) : null;
  }

  async heartbeat(trialId: number, worker: string): Promise<void> {
    checkWorker(worker);
    const r = await this.pool.query(
      `UPDATE trials SET heartbeat_at = ${NOW_MS} FROM ${ASYNC_COMMIT}
       WHERE id = $1 AND state = 'running' AND coalesce(worker, $2) = $2`,
      [checkId('trialId', trialId), worker],
    );
    if (r.rowCount === 0) throw trialStateError('heartbeat', await this.trialRow(trialId), worker);
  }

  async addReport(trialId: number, report: ReportInput): Promise<void> {
    const r = checkReport(report, Date.now());
    const res = await this.pool.query(
      `INSERT INTO reports (trial_id, step, spikes, metrics, at)
       SELECT id, $2, $3, $4, $5 FROM trials, ${ASYNC_COMMIT} WHERE id = $1 AND state = 'running'`,
      [checkId('trialId', trialId), r.step, r.spikes, r.metrics, r.at],
    );
    if (res.rowCount === 0) throw trialStateError('add a report to', await this.trialRow(trialId), undefined);
  }

  async finishTrial(trialId: number, result: FinishTrialInput): Promise<Trial> {
    const cur = await this.trialRow(trialId);
    const u = checkFinish(await this.config(cur.study_id), result);
    const worker = result.worker === undefined ? null : checkWorker(result.worker);
    const r = await this.pool.query<Row>(FINISH, [
      trialId,
      u.state,
      u.values,
      u.constraints,
      u.error,
      worker,
      u.userAttrs,
    ]);
    if (r.rows.length === 0) {
      throw trialStateError(`finish as ${u.state}`, await this.trialRow(trialId), worker ?? undefined);
    }
    return toTrial(r.rows[0]);
  }

  async failStaleTrials(studyId: number, graceMs: number, maxRetries: number): Promise<StaleTrialsResult> {
    checkId('studyId', studyId);
    checkMs('graceMs', graceMs);
    return this.tx(async (c) => {
      const stale = await c.query<TrialRow & { age: number }>(
        `SELECT *, ${NOW_MS} - coalesce(heartbeat_at, started_at, created_at) AS age FROM trials
         WHERE study_id = $1 AND state = 'running' AND coalesce(heartbeat_at, started_at, created_at) < ${NOW_MS} - $2
         ORDER BY number FOR UPDATE SKIP LOCKED`,
        [studyId, Math.round(graceMs)],
      );
      const failed: Trial[] = [];
      const requeued: Trial[] = [];
      for (const t of stale.rows) {
        const f = await c.query<Row>(FINISH, [t.id, 'failed', null, null, staleReason(t.age), null, null]);
        failed.push(toTrial(f.rows[0]));
        if (t.attempt <= maxRetries) {
          const userAttrs = JSON.stringify({ ...JSON.parse(t.user_attrs), retryOf: t.number });
          const ins = {
            params: t.params,
            state: 'queued' as const,
            worker: null,
            attempt: t.attempt + 1,
            userAttrs,
          };
          requeued.push(toTrial(await this.insertTrial(c, studyId, ins)));
        }
      }
      return { failed, requeued };
    });
  }

  async getTrials(studyId: number, query: TrialQuery = {}): Promise<Trial[]> {
    checkQuery(query);
    const reports = query.reports === false ? "'[]'::json" : REPORTS;
    const r = await this.pool.query<Row>(
      `SELECT t.*, ${reports} AS reports FROM trials t WHERE t.study_id = $1
         AND ($2::text[] IS NULL OR t.state = ANY ($2)) AND ($3::integer IS NULL OR t.number >= $3)
       ORDER BY t.number`,
      [checkId('studyId', studyId), query.states ?? null, query.sinceNumber ?? null],
    );
    return r.rows.map(toTrial);
  }

  async getTrial(trialId: number): Promise<Trial | null> {
    try {
      return toTrial(await this.trialRow(trialId));
    } catch (e) {
      if (e instanceof NotFoundError) return null;
      throw e;
    }
  }

  async withAskLock<T>(studyId: number, fn: () => Promise<T>): Promise<T> {
    await this.config(studyId);
    const release = await this.mutex.lock(studyId);
    try {
      return await this.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483648)::integer)', [
          LOCK_CLASS,
          studyId,
        ]);
        return fn();
      });
    } finally {
      release();
    }
  }

  async waitForChange(studyId: number, timeoutMs: number): Promise<boolean> {
    checkMs('timeoutMs', timeoutMs);
    await this.config(studyId);
    return this.changes.wait(studyId, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.changes.close();
    await this.pool.end();
  }
}

/** bigint (int8) columns as JS numbers (ids, ms timestamps and counts fit in 2^53). */
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};
