/**
 * The storage contract on a real PostgreSQL server: a private cluster started for this file
 * (testing/pg-server.ts), or SPIKETUNE_TEST_PG_URL. Without the server binaries these tests fail and
 * say what to install, unless SPIKETUNE_SKIP_PG=1.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { storageContract } from './contract.ts';
import { migratePostgres, POSTGRES_SCHEMA_VERSION, postgresSchemaVersion } from './postgres-schema.ts';
import { startTestPg, type TestPg } from './testing/pg-server.ts';

const skip = process.env.SPIKETUNE_SKIP_PG === '1';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe.skipIf(skip)('postgres', () => {
  let server: TestPg | undefined;
  beforeAll(async () => {
    server = await startTestPg();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  const srv = () => {
    if (!server) throw new Error('the PostgreSQL test server did not start (see the error of beforeAll)');
    return server;
  };

  storageContract('postgres', {
    freshUrl: () => srv().createDatabase(),
    legacyUrl: async (version, statements) => {
      const url = await srv().createDatabase();
      await withClient(url, async (c) => {
        await migratePostgres(c, url, version);
        for (const s of statements) await c.query(s);
      });
      return url;
    },
    schemaVersion: (url) => withClient(url, postgresSchemaVersion),
    latestVersion: POSTGRES_SCHEMA_VERSION,
  });
});
