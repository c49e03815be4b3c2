/**
 * Storage of studies and trials: `openStorage(url)` picks the backend from the URL.
 *
 * - `sqlite:path/to/file.db` (also `sqlite:///abs/path.db`), or a plain path ending in `.db`,
 *   `.sqlite` or `.sqlite3`: SQLite, for the processes of one machine (the file and its parent
 *   directories are created if missing).
 * - `postgres://user:pass@host:port/db` or `postgresql://…`: PostgreSQL, for many machines.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { PostgresStorage } from './postgres.ts';
import { SqliteStorage } from './sqlite.ts';
import type { Storage } from './storage.ts';

export type { ReportRow, StudyRow, TrialRow } from './common.ts';
export { NotFoundError, StorageError, StudyExistsError, TrialStateError } from './errors.ts';
export { PostgresStorage, redactUrl } from './postgres.ts';
export { SqliteStorage } from './sqlite.ts';
export type {
  CreateTrialOptions,
  FinishTrialInput,
  ReportInput,
  StaleTrialsResult,
  Storage,
  Study,
  StudySummary,
  TrialQuery,
} from './storage.ts';

export type StorageTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Which backend a URL names; throws a `ValidationError` naming the URL when it is neither. */
export function parseStorageUrl(url: string): StorageTarget {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ValidationError(
      'storage',
      url,
      'expected a storage URL: sqlite:path/to/file.db or postgres://…',
    );
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new ValidationError('storage', url, 'expected a file path after sqlite:');
    return { kind: 'sqlite', path };
  }
  if (/\.(db|sqlite3?)$/i.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    return { kind: 'sqlite', path: url };
  throw new ValidationError(
    'storage',
    url,
    'unknown storage URL: expected sqlite:path/to/file.db, a path ending in .db, or postgres://user@host/database',
  );
}

/** Opens (creating and migrating if needed) the storage named by `url`. */
export async function openStorage(url: string): Promise<Storage> {
  const target = parseStorageUrl(url);
  if (target.kind === 'postgres') return PostgresStorage.open(target.url);
  if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
  return new SqliteStorage(target.path);
}
