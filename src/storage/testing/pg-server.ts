/**
 * A private PostgreSQL server for tests: `initdb` into a temporary directory (trust auth), `pg_ctl
 * start` listening on 127.0.0.1 at a free port with its socket in that directory; stopped and deleted
 * by `stop()`. As root, the server binaries run as the `postgres` user (`runuser -u postgres --`, or
 * `su postgres -c`) on a directory chowned to it, since PostgreSQL refuses to run as root.
 *
 * With `SPIKETUNE_TEST_PG_URL` set (e.g. CI started a server), that server is used instead: each test
 * database is created in it (the role needs CREATEDB).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPg {
  /** URL of the server's `postgres` database (admin). */
  readonly url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export const PG_MISSING =
  "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's `postgresql` package " +
  '(apt-get install -y postgresql; .ci/run does it), or set SPIKETUNE_TEST_PG_URL to a server ' +
  'where the tests may create databases, or SPIKETUNE_SKIP_PG=1 to skip the PostgreSQL tests';

/**
 * The directory holding initdb and pg_ctl: `SPIKETUNE_PG_BIN` if set, else Debian's
 * /usr/lib/postgresql/<version>/bin (newest first), else one on PATH; null if none.
 */
export function findPgBin(): string | null {
  const candidates: string[] = [];
  const chosen = process.env.SPIKETUNE_PG_BIN; // an explicit choice: only there
  if (chosen) return existsSync(join(chosen, 'initdb')) && existsSync(join(chosen, 'pg_ctl')) ? chosen : null;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  for (const d of (process.env.PATH ?? '').split(':')) if (d) candidates.push(d);
  return candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a server binary, as the `postgres` user when we are root. */
function asServerUser(file: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [file, args];
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser'))
    return ['runuser', ['-u', 'postgres', '--', file, ...args]];
  const quoted = [file, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

async function createDatabaseIn(adminUrl: string): Promise<string> {
  const name = `spiketune_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Starts a private server (or uses `SPIKETUNE_TEST_PG_URL`); throws `PG_MISSING` without binaries. */
export async function startTestPg(): Promise<TestPg> {
  const external = process.env.SPIKETUNE_TEST_PG_URL;
  if (external)
    return { url: external, createDatabase: () => createDatabaseIn(external), stop: async () => {} };
  const bin = findPgBin();
  if (!bin) throw new Error(PG_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'spiketune-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (process.getuid?.() === 0) {
    let ids: string[];
    try {
      ids = execFileSync('id', ['-u', 'postgres']).toString().trim().split(/\s+/);
      ids.push(execFileSync('id', ['-g', 'postgres']).toString().trim());
    } catch {
      throw new Error(
        `running as root, but there is no \`postgres\` user to run the server as; ${PG_MISSING}`,
      );
    }
    chownSync(dir, Number(ids[0]), Number(ids[1]));
  }
  const exec = (file: string, args: string[]) => {
    const [f, a] = asServerUser(join(bin, file), args);
    return run(f, a, { timeout: 120_000 });
  };
  try {
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const opts = `-h 127.0.0.1 -p ${port} -k ${dir} -c max_connections=300`;
    try {
      await exec('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', opts, 'start']);
      break;
    } catch (e) {
      if (attempt < 2) continue; // the port may have been taken in between
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pg_ctl start failed: ${(e as Error).message}\n${tail}`);
    }
  }
  const stopSync = () => {
    try {
      const [f, a] = asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      execFileSync(f, a, { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    createDatabase: () => createDatabaseIn(url),
    stop: async () => {
      process.removeListener('exit', stopSync);
      stopSync();
    },
  };
}
