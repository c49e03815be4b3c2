import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { storageContract } from './contract.ts';
import { openSqlite } from './sqlite.ts';
import { SQLITE_SCHEMA_VERSION, sqliteSchemaVersion } from './sqlite-schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'spiketune-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = () => join(dir, `t${n++}.db`);

storageContract('sqlite', {
  freshUrl: async () => `sqlite:${path()}`,
  legacyUrl: async (version, statements) => {
    const p = path();
    const db = openSqlite(p, 30_000, version);
    for (const s of statements) db.exec(s);
    db.close();
    return `sqlite:${p}`;
  },
  schemaVersion: async (url) => {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return sqliteSchemaVersion(db);
    } finally {
      db.close();
    }
  },
  latestVersion: SQLITE_SCHEMA_VERSION,
});
