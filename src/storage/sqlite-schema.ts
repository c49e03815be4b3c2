/**
 * SQLite schema, as an ordered list of migrations. `schema_version` holds one row: the version the
 * database is at. Opening a database applies the missing migrations in one `BEGIN IMMEDIATE`
 * transaction (so concurrent openers serialize, and a failed migration leaves nothing half done).
 * Never edit a released migration: append a new one.
 */
import type Database from 'better-sqlite3';
import { StorageError } from './errors.ts';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'studies, trials and reports',
    sql: `
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        next_number INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        params TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'complete', 'stopped', 'failed')),
        objective_values TEXT,
        constraint_values TEXT,
        error TEXT,
        worker TEXT,
        attempt INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        heartbeat_at INTEGER,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_study_state ON trials (study_id, state, number);
      CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        spikes TEXT NOT NULL,
        metrics TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX reports_trial ON reports (trial_id, id);
    `,
  },
  {
    version: 2,
    description: 'trial user attributes, per-study change counter (waitForChange), ask locks',
    sql: `
      ALTER TABLE trials ADD COLUMN user_attrs TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE studies ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
      CREATE TRIGGER trials_created AFTER INSERT ON trials BEGIN
        UPDATE studies SET change_seq = change_seq + 1 WHERE id = NEW.study_id;
      END;
      CREATE TRIGGER trials_state_changed AFTER UPDATE OF state ON trials WHEN NEW.state IS NOT OLD.state BEGIN
        UPDATE studies SET change_seq = change_seq + 1 WHERE id = NEW.study_id;
      END;
      CREATE TRIGGER reports_added AFTER INSERT ON reports BEGIN
        UPDATE studies SET change_seq = change_seq + 1
          WHERE id = (SELECT study_id FROM trials WHERE id = NEW.trial_id);
      END;
      CREATE TABLE ask_locks (
        study_id INTEGER PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        renewed_at INTEGER NOT NULL
      );
    `,
  },
];

export const SQLITE_SCHEMA_VERSION = sqliteMigrations[sqliteMigrations.length - 1].version;

/** The version the database is at (0: empty). */
export function sqliteSchemaVersion(db: Database.Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (!table) return 0;
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/**
 * Brings the database to `target` (default: the latest version). Returns the versions before and
 * after. Throws if the database is newer than this code.
 */
export function migrateSqlite(
  db: Database.Database,
  where: string,
  target = SQLITE_SCHEMA_VERSION,
): { from: number; to: number } {
  const tooNew = (v: number) =>
    new StorageError(
      `${where}: database schema version ${v} is newer than this spiketune supports (${SQLITE_SCHEMA_VERSION}); upgrade spiketune`,
    );
  const current = sqliteSchemaVersion(db);
  if (current > SQLITE_SCHEMA_VERSION) throw tooNew(current);
  if (current >= target) return { from: current, to: current };
  const run = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    let v = sqliteSchemaVersion(db); // again, under the write lock: another process may have migrated
    if (v > SQLITE_SCHEMA_VERSION) throw tooNew(v);
    const from = v;
    for (const m of sqliteMigrations) {
      if (m.version <= v || m.version > target) continue;
      try {
        db.exec(m.sql);
      } catch (e) {
        throw new StorageError(
          `${where}: migration ${m.version} (${m.description}) failed: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
      v = m.version;
    }
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(v);
    return { from, to: v };
  });
  return run.immediate();
}
