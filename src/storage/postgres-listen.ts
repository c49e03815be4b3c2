/**
 * `waitForChange` on PostgreSQL: one dedicated connection LISTENs to the NOTIFYs that the triggers on
 * trials and reports send (payload: the study id) and counts them per study; waiters compare counts.
 */
import pg from 'pg';
import { CHANNEL } from './postgres-schema.ts';

export class ChangeListener {
  /** Notifications received per study. */
  private readonly changes = new Map<number, number>();
  /** The count each study had when its last wait returned (changes since are not lost). */
  private readonly seen = new Map<number, number>();
  /** Times the connection was lost (notifications may have been missed: a change for every study). */
  private lost = 0;
  private readonly waiters = new Set<() => void>();
  private client: Promise<pg.Client> | null = null;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  private count(studyId: number): number {
    return (this.changes.get(studyId) ?? 0) + this.lost;
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  private listen(): Promise<pg.Client> {
    if (!this.client) {
      const client = new pg.Client(this.config);
      client.on('notification', (msg) => {
        const id = Number(msg.payload);
        this.changes.set(id, (this.changes.get(id) ?? 0) + 1);
        this.wake();
      });
      client.on('error', () => {
        this.client = null; // reconnect on next use
        this.lost++;
        this.wake();
        client.end().catch(() => {});
      });
      const ready = client
        .connect()
        .then(() => client.query(`LISTEN ${CHANNEL}`))
        .then(() => client);
      ready.catch(() => {
        this.client = null;
        client.end().catch(() => {});
      });
      this.client = ready;
    }
    return this.client;
  }

  /** True once study `studyId` has changed (see Storage.waitForChange), false after `timeoutMs`. */
  async wait(studyId: number, timeoutMs: number): Promise<boolean> {
    await this.listen();
    const base = this.seen.get(studyId) ?? this.count(studyId);
    this.seen.set(studyId, base);
    const changed = await new Promise<boolean>((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(v);
      };
      const check = () => {
        if (this.closed) done(false);
        else if (this.count(studyId) !== base) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(check);
      check();
    });
    if (changed) this.seen.set(studyId, this.count(studyId));
    return changed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    const client = this.client;
    this.client = null;
    if (client) await client.then((c) => c.end()).catch(() => {});
  }
}
