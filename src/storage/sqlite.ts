/**
 * SQLite storage (better-sqlite3): one file shared by the processes and worker threads of one machine.
 * WAL mode (readers never block the writer), `synchronous = NORMAL` (no fsync per commit: a power cut
 * may lose the last commits, never corrupt the file), a busy timeout so writers queue instead of
 * failing, foreign keys on.
 *
 * SQLite has a single writer: every write is one short transaction (`BEGIN IMMEDIATE` where a read
 * decides the write, e.g. the next trial number or the queued trial to claim), so writes of all
 * processes serialize and are atomic. better-sqlite3 is synchronous; the async methods run at once.
 *
 * The ask lock cannot be a long write transaction — `fn` itself writes (createTrial), and every other
 * process's heartbeats and reports would wait behind it. It is a row in `ask_locks` instead, taken in a
 * short immediate transaction and deleted afterwards; waiting callers poll. A lock whose holder process
 * has died (same host, pid gone) or whose lease (renewed every 5 s while `fn` runs) is over 2 minutes
 * old is taken over.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import type { ParamValues } from '../space/index.ts';
import type { StudyConfig, StudyConfigInput, Trial } from '../study/model.ts';
import { checkStudyConfig, configDiff } from '../study/model.ts';
import type { ReportRow, StudyRow, TrialRow } from './common.ts';
import {
  checkCreateTrial,
  checkFinish,
  checkId,
  checkMs,
  checkQuery,
  checkReport,
  checkWorker,
  groupReports,
  KeyedMutex,
  rowToStudy,
  rowToTrial,
  sleep,
  staleReason,
  summarize,
  trialStateError,
} from './common.ts';
import { NotFoundError, StorageError, StudyExistsError } from './errors.ts';
import { migrateSqlite } from './sqlite-schema.ts';
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

export interface SqliteOptions {
  /** Busy timeout: how long a writer waits for the lock (default 30 s). */
  readonly busyTimeoutMs?: number;
}

const POLL_MS = 10;
const LOCK_RENEW_MS = 5_000;
const LOCK_LEASE_MS = 120_000;

const INSERT_TRIAL = `INSERT INTO trials (study_id, number, params, state, worker, attempt, user_attrs, created_at,
  started_at, heartbeat_at) VALUES (@studyId, @number, @params, @state, @worker, @attempt, @userAttrs, @now,
  CASE WHEN @state = 'running' THEN @now END, CASE WHEN @state = 'running' THEN @now END) RETURNING *`;

export class SqliteStorage implements Storage {
  readonly url: string;
  private readonly db: Database.Database;
  private readonly configs = new Map<number, StudyConfig>();
  private readonly seen = new Map<number, number>();
  private readonly mutex = new KeyedMutex();
  private readonly heldLocks = new Map<string, number>();
  private readonly host = hostname();
  private closed = false;
  private readonly q: Record<string, Database.Statement>;

  constructor(path: string, options: SqliteOptions = {}) {
    this.url = `sqlite:${path}`;
    this.db = openSqlite(path, options.busyTimeoutMs ?? 30_000);
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      studyById: p('SELECT * FROM studies WHERE id = ?'),
      studyByName: p('SELECT * FROM studies WHERE name = ?'),
      insertStudy: p(
        'INSERT INTO studies (name, config, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING *',
      ),
      nextNumber: p(
        'UPDATE studies SET next_number = next_number + 1 WHERE id = ? RETURNING next_number - 1 AS number',
      ),
      insertTrial: p(INSERT_TRIAL),
      trial: p('SELECT * FROM trials WHERE id = ?'),
      reports: p('SELECT * FROM reports WHERE trial_id = ? ORDER BY id'),
      claim: p(`UPDATE trials SET state = 'running', worker = ?, started_at = ?, heartbeat_at = ? WHERE id =
        (SELECT id FROM trials WHERE study_id = ? AND state = 'queued' ORDER BY number LIMIT 1) RETURNING *`),
      heartbeat: p(
        `UPDATE trials SET heartbeat_at = ? WHERE id = ? AND state = 'running' AND coalesce(worker, ?) = ?`,
      ),
      addReport: p(`INSERT INTO reports (trial_id, step, spikes, metrics, at)
        SELECT id, ?, ?, ?, ? FROM trials WHERE id = ? AND state = 'running'`),
      finish:
        p(`UPDATE trials SET state = ?, objective_values = ?, constraint_values = ?, error = ?, finished_at = ?,
        user_attrs = CASE WHEN ? IS NULL THEN user_attrs ELSE json_patch(user_attrs, ?) END
        WHERE id = ? AND state = 'running' RETURNING *`),
      stale: p(`SELECT * FROM trials WHERE study_id = ? AND state = 'running'
        AND coalesce(heartbeat_at, started_at, created_at) < ? ORDER BY number`),
      changeSeq: p('SELECT change_seq FROM studies WHERE id = ?'),
      lockRow: p('SELECT * FROM ask_locks WHERE study_id = ?'),
      putLock: p(
        'INSERT OR REPLACE INTO ask_locks (study_id, holder, host, pid, renewed_at) VALUES (?, ?, ?, ?, ?)',
      ),
      renewLock: p('UPDATE ask_locks SET renewed_at = ? WHERE study_id = ? AND holder = ?'),
      dropLock: p('DELETE FROM ask_locks WHERE study_id = ? AND holder = ?'),
    };
  }

  private immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private config(studyId: number): StudyConfig {
    let c = this.configs.get(studyId);
    if (!c) {
      const row = this.q.studyById.get(studyId) as StudyRow | undefined;
      if (!row) throw new NotFoundError(`no study with id ${studyId} in ${this.url}`);
      c = rowToStudy(row).config;
      this.configs.set(studyId, c);
    }
    return c;
  }

  private trialRow(trialId: number): TrialRow {
    const row = this.q.trial.get(checkId('trialId', trialId)) as TrialRow | undefined;
    if (!row) throw new NotFoundError(`no trial with id ${trialId} in ${this.url}`);
    return row;
  }

  private withReports(row: TrialRow): Trial {
    return rowToTrial(row, groupReports(this.q.reports.all(row.id) as ReportRow[]).get(row.id) ?? []);
  }

  private insertTrial(studyId: number, t: ReturnType<typeof checkCreateTrial>, now: number): TrialRow {
    const n = this.q.nextNumber.get(studyId) as { number: number } | undefined;
    if (!n) throw new NotFoundError(`no study with id ${studyId} in ${this.url}`);
    return this.q.insertTrial.get({ studyId, number: n.number, now, ...t }) as TrialRow;
  }

  async createStudy(input: StudyConfigInput): Promise<Study> {
    const config = checkStudyConfig(input);
    const row = this.q.insertStudy.get(config.name, JSON.stringify(config), Date.now()) as
      | StudyRow
      | undefined;
    if (row) return rowToStudy(row);
    const existing = rowToStudy(this.q.studyByName.get(config.name) as StudyRow);
    throw new StudyExistsError(config.name, configDiff(existing.config, config), this.url);
  }

  async getOrCreateStudy(input: StudyConfigInput): Promise<Study> {
    const config = checkStudyConfig(input);
    const row = this.q.insertStudy.get(config.name, JSON.stringify(config), Date.now()) as
      | StudyRow
      | undefined;
    const study = rowToStudy(row ?? (this.q.studyByName.get(config.name) as StudyRow));
    const diff = configDiff(study.config, config);
    if (diff.length > 0) throw new StudyExistsError(config.name, diff, this.url);
    return study;
  }

  async getStudy(nameOrId: string | number): Promise<Study | null> {
    const row = (typeof nameOrId === 'number' ? this.q.studyById : this.q.studyByName).get(nameOrId);
    return row ? rowToStudy(row as StudyRow) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.db.transaction(() => {
      const studies = (this.db.prepare('SELECT * FROM studies ORDER BY id').all() as StudyRow[]).map(
        rowToStudy,
      );
      const counts = this.db
        .prepare('SELECT study_id, state, count(*) AS n FROM trials GROUP BY study_id, state')
        .all();
      const complete = this.db
        .prepare("SELECT study_id, objective_values, constraint_values FROM trials WHERE state = 'complete'")
        .all();
      return summarize(studies, counts as never, complete as never);
    })();
  }

  async createTrial(studyId: number, params: ParamValues, options: CreateTrialOptions): Promise<Trial> {
    const t = checkCreateTrial(params, options);
    checkId('studyId', studyId);
    return rowToTrial(
      this.immediate(() => this.insertTrial(studyId, t, Date.now())),
      [],
    );
  }

  async claimQueuedTrial(studyId: number, worker: string): Promise<Trial | null> {
    checkWorker(worker);
    this.config(checkId('studyId', studyId));
    const now = Date.now();
    const row = this.immediate(() => this.q.claim.get(worker, now, now, studyId) as TrialRow | undefined);
    return row ? this.withReports(row) : null;
  }

  async heartbeat(trialId: number, worker: string): Promise<void> {
    checkWorker(worker);
    const r = this.q.heartbeat.run(Date.now(), checkId('trialId', trialId), worker, worker);
    if (r.changes === 0) throw trialStateError('heartbeat', this.trialRow(trialId), worker);
  }

  async addReport(trialId: number, report: ReportInput): Promise<void> {
    const r = checkReport(report, Date.now());
    const res = this.q.addReport.run(r.step, r.spikes, r.metrics, r.at, checkId('trialId', trialId));
    if (res.changes === 0) throw trialStateError('add a report to', this.trialRow(trialId), undefined);
  }

  async finishTrial(trialId: number, result: FinishTrialInput): Promise<Trial> {
    const row = this.immediate(() => {
      const cur = this.trialRow(trialId);
      const u = checkFinish(this.config(cur.study_id), result);
      const worker = result.worker === undefined ? undefined : checkWorker(result.worker);
      if (cur.state !== 'running' || (worker !== undefined && cur.worker !== null && cur.worker !== worker)) {
        throw trialStateError(`finish as ${u.state}`, cur, worker);
      }
      return this.q.finish.get(
        u.state,
        u.values,
        u.constraints,
        u.error,
        Date.now(),
        u.userAttrs,
        u.userAttrs,
        trialId,
      ) as TrialRow;
    });
    return this.withReports(row);
  }

  async failStaleTrials(studyId: number, graceMs: number, maxRetries: number): Promise<StaleTrialsResult> {
    checkId('studyId', studyId);
    checkMs('graceMs', graceMs);
    const now = Date.now();
    const { failed, requeued } = this.immediate(() => {
      const failed: TrialRow[] = [];
      const requeued: TrialRow[] = [];
      for (const t of this.q.stale.all(studyId, now - graceMs) as TrialRow[]) {
        const age = now - (t.heartbeat_at ?? t.started_at ?? t.created_at);
        failed.push(
          this.q.finish.get('failed', null, null, staleReason(age), now, null, null, t.id) as TrialRow,
        );
        if (t.attempt <= maxRetries) {
          const attrs = { ...JSON.parse(t.user_attrs), retryOf: t.number };
          const ins = { params: t.params, state: 'queued' as const, worker: null, attempt: t.attempt + 1 };
          requeued.push(this.insertTrial(studyId, { ...ins, userAttrs: JSON.stringify(attrs) }, now));
        }
      }
      return { failed, requeued };
    });
    return {
      failed: failed.map((r) => this.withReports(r)),
      requeued: requeued.map((r) => rowToTrial(r, [])),
    };
  }

  async getTrials(studyId: number, query: TrialQuery = {}): Promise<Trial[]> {
    checkQuery(query);
    let where = 't.study_id = ?';
    const args: (string | number)[] = [checkId('studyId', studyId)];
    if (query.states) {
      if (query.states.length === 0) return [];
      where += ` AND t.state IN (${query.states.map(() => '?').join(', ')})`;
      args.push(...query.states);
    }
    if (query.sinceNumber !== undefined) {
      where += ' AND t.number >= ?';
      args.push(query.sinceNumber);
    }
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT * FROM trials t WHERE ${where} ORDER BY t.number`)
        .all(...args) as TrialRow[];
      const reports =
        query.reports === false
          ? new Map()
          : groupReports(
              this.db
                .prepare(
                  `SELECT r.* FROM reports r JOIN trials t ON t.id = r.trial_id WHERE ${where} ORDER BY r.id`,
                )
                .all(...args) as ReportRow[],
            );
      return rows.map((r) => rowToTrial(r, reports.get(r.id) ?? []));
    })();
  }

  async getTrial(trialId: number): Promise<Trial | null> {
    const row = this.q.trial.get(checkId('trialId', trialId)) as TrialRow | undefined;
    return row ? this.withReports(row) : null;
  }

  async withAskLock<T>(studyId: number, fn: () => Promise<T>): Promise<T> {
    this.config(checkId('studyId', studyId));
    const release = await this.mutex.lock(studyId);
    try {
      const token = randomUUID();
      for (let delay = 1; !this.tryLock(studyId, token); delay = Math.min(2 * delay, 50)) {
        if (this.closed) throw new StorageError(`${this.url} was closed while waiting for the ask lock`);
        await sleep(delay);
      }
      this.heldLocks.set(token, studyId);
      const renew = setInterval(() => this.q.renewLock.run(Date.now(), studyId, token), LOCK_RENEW_MS);
      renew.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        this.heldLocks.delete(token);
        if (!this.closed) this.q.dropLock.run(studyId, token);
      }
    } finally {
      release();
    }
  }

  private tryLock(studyId: number, token: string): boolean {
    return this.immediate(() => {
      const now = Date.now();
      const row = this.q.lockRow.get(studyId) as
        | { host: string; pid: number; renewed_at: number }
        | undefined;
      if (row && now - row.renewed_at < LOCK_LEASE_MS && !(row.host === this.host && !pidAlive(row.pid))) {
        return false;
      }
      this.q.putLock.run(studyId, token, this.host, process.pid, now);
      return true;
    });
  }

  async waitForChange(studyId: number, timeoutMs: number): Promise<boolean> {
    checkMs('timeoutMs', timeoutMs);
    const seq = (): number => {
      const row = this.q.changeSeq.get(studyId) as { change_seq: number } | undefined;
      if (!row) throw new NotFoundError(`no study with id ${studyId} in ${this.url}`);
      return row.change_seq;
    };
    const base = this.seen.get(studyId) ?? seq();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cur = seq();
      if (cur !== base) {
        this.seen.set(studyId, cur);
        return true;
      }
      this.seen.set(studyId, base);
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return false;
      await sleep(Math.min(POLL_MS, left));
      if (this.closed) return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [token, studyId] of this.heldLocks) this.q.dropLock.run(studyId, token);
    this.db.close();
  }
}

/**
 * Opens (creating if needed) a database file in WAL mode and migrates it to `schemaVersion` (default:
 * the latest; older ones only for tests of migrations).
 */
export function openSqlite(path: string, busyTimeoutMs = 30_000, schemaVersion?: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
    for (let i = 0; ; i++) {
      try {
        db.pragma('journal_mode = WAL'); // needs a moment of exclusive access when first set
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_BUSY' || i > 50) throw e;
      }
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrateSqlite(db, `sqlite:${path}`, schemaVersion);
    return db;
  } catch (e) {
    db?.close();
    if (e instanceof StorageError) throw e;
    throw new StorageError(`cannot open SQLite database ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
