import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openStorage, parseStorageUrl, redactUrl } from './index.ts';

describe('parseStorageUrl', () => {
  it('picks the backend from the URL', () => {
    expect(parseStorageUrl('sqlite:runs/study.db')).toEqual({ kind: 'sqlite', path: 'runs/study.db' });
    expect(parseStorageUrl('sqlite:///abs/study.db')).toEqual({ kind: 'sqlite', path: '/abs/study.db' });
    expect(parseStorageUrl('runs/study.db')).toEqual({ kind: 'sqlite', path: 'runs/study.db' });
    expect(parseStorageUrl('/tmp/x.sqlite3')).toEqual({ kind: 'sqlite', path: '/tmp/x.sqlite3' });
    expect(parseStorageUrl('postgres://u:p@db:5432/hpo')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/hpo',
    });
    expect(parseStorageUrl('postgresql://db/hpo').kind).toBe('postgres');
  });

  it('names an unknown URL in the error', () => {
    expect(() => parseStorageUrl('mysql://db/hpo')).toThrow(
      /invalid storage: "mysql:\/\/db\/hpo" \(unknown storage URL/,
    );
    expect(() => parseStorageUrl('study.txt')).toThrow(/"study\.txt"/);
    expect(() => parseStorageUrl('http://host/x.db')).toThrow(/unknown storage URL/);
    expect(() => parseStorageUrl('sqlite:')).toThrow(/file path after sqlite:/);
  });

  it('hides passwords in messages', () => {
    expect(redactUrl('postgres://u:secret@db:5432/hpo')).toBe('postgres://u:***@db:5432/hpo');
    expect(redactUrl('postgres://u@db/hpo')).toBe('postgres://u@db/hpo');
  });
});

describe('openStorage', () => {
  it('says which database it cannot open', async () => {
    await expect(openStorage('postgres://nobody:pw@127.0.0.1:1/none')).rejects.toThrow(
      /cannot open PostgreSQL database postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/,
    );
    await expect(openStorage(`sqlite:${tmpdir()}`)).rejects.toThrow(/cannot open SQLite database/);
  });
});
