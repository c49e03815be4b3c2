/**
 * PostgreSQL schema, as an ordered list of migrations (same tables and columns as SQLite). Opening a
 * database applies the missing ones in one transaction holding an advisory lock, so concurrent openers
 * serialize and a failed migration leaves nothing half done. Never edit a released migration: append.
 */
import type pg from 'pg';
import { StorageError } from './errors.ts';
import type { Migration } from './sqlite-schema.ts';

/** Advisory lock class of spiketune ('SPKT'); the second key is the study id (-1: migrations). */
export const LOCK_CLASS = 0x53504b54;

/** The server's clock in ms since the epoch. */
export const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

export const CHANNEL = 'spiketune_changes';

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'studies, trials and reports',
    sql: `
      CREATE TABLE studies (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        config text NOT NULL,
        created_at bigint NOT NULL,
        next_number integer NOT NULL DEFAULT 0
      );
      CREATE TABLE trials (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        study_id bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        number integer NOT NULL,
        params text NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'complete', 'stopped', 'failed')),
        objective_values text,
        constraint_values text,
        error text,
        worker text,
        attempt integer NOT NULL DEFAULT 1,
        created_at bigint NOT NULL,
        started_at bigint,
        finished_at bigint,
        heartbeat_at bigint,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_study_state ON trials (study_id, state, number);
      CREATE TABLE reports (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        trial_id bigint NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        step bigint NOT NULL,
        spikes text NOT NULL,
        metrics text NOT NULL,
        at bigint NOT NULL
      );
      CREATE INDEX reports_trial ON reports (trial_id, id);
    `,
  },
  {
    version: 2,
    description: 'trial user attributes, change notifications (waitForChange)',
    sql: `
      ALTER TABLE trials ADD COLUMN user_attrs text NOT NULL DEFAULT '{}';
      CREATE FUNCTION spiketune_notify_trial() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state THEN
          PERFORM pg_notify('${CHANNEL}', NEW.study_id::text);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER trials_notify AFTER INSERT OR UPDATE OF state ON trials
        FOR EACH ROW EXECUTE FUNCTION spiketune_notify_trial();
      CREATE FUNCTION spiketune_notify_report() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${CHANNEL}', (SELECT study_id FROM trials WHERE id = NEW.trial_id)::text);
        RETURN NULL;
      END $$;
      CREATE TRIGGER reports_notify AFTER INSERT ON reports
        FOR EACH ROW EXECUTE FUNCTION spiketune_notify_report();
    `,
  },
];

export const POSTGRES_SCHEMA_VERSION = postgresMigrations[postgresMigrations.length - 1].version;

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The version the database is at (0: empty). */
export async function postgresSchemaVersion(c: Queryable): Promise<number> {
  const t = await c.query<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t");
  if (t.rows[0].t === null) return 0;
  const r = await c.query<{ version: number }>('SELECT version FROM schema_version');
  return r.rows[0]?.version ?? 0;
}

/** Brings the database to `target` (default: the latest version); returns the versions before and after. */
export async function migratePostgres(
  client: pg.ClientBase,
  where: string,
  target = POSTGRES_SCHEMA_VERSION,
): Promise<{ from: number; to: number }> {
  const tooNew = (v: number) =>
    new StorageError(
      `${where}: database schema version ${v} is newer than this spiketune supports (${POSTGRES_SCHEMA_VERSION}); upgrade spiketune`,
    );
  const current = await postgresSchemaVersion(client);
  if (current > POSTGRES_SCHEMA_VERSION) throw tooNew(current);
  if (current >= target) return { from: current, to: current };
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, -1)', [LOCK_CLASS]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
    let v = await postgresSchemaVersion(client); // again, under the lock
    if (v > POSTGRES_SCHEMA_VERSION) throw tooNew(v);
    const from = v;
    for (const m of postgresMigrations) {
      if (m.version <= v || m.version > target) continue;
      try {
        await client.query(m.sql);
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
    await client.query('DELETE FROM schema_version');
    await client.query('INSERT INTO schema_version (version) VALUES ($1)', [v]);
    await client.query('COMMIT');
    return { from, to: v };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
