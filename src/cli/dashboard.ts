/**
 * `spiketune dashboard`: a live, read-only web dashboard of the studies in a storage (src/dashboard).
 */
import { Command } from 'commander';
import pc from 'picocolors';
import { openStorage } from '../storage/index.ts';
import { int } from './util.ts';

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description('serve a live, read-only web dashboard of the studies in a storage')
    .requiredOption('--storage <url>', 'sqlite:FILE.db or postgres://…')
    .option('--port <n>', 'port to listen on (0: any free port)', '8750')
    .option('--host <addr>', 'address to listen on (not loopback: needs --token)', '127.0.0.1')
    .option(
      '--token <token>',
      'require this token on every request (Authorization: Bearer, or ?token=); default: $SPIKETUNE_DASHBOARD_TOKEN',
    )
    .action(async (o: { storage: string; port: string; host: string; token?: string }) => {
      const token = o.token ?? process.env.SPIKETUNE_DASHBOARD_TOKEN ?? null;
      const port = int('--port', o.port);
      const { startDashboard } = await import('../dashboard/server.ts');
      const storage = await openStorage(o.storage);
      let server: Awaited<ReturnType<typeof startDashboard>>;
      try {
        server = await startDashboard({ storage, host: o.host, port, token });
      } catch (e) {
        await storage.close();
        throw e;
      }
      process.stderr.write(`dashboard of ${storage.url}\n`);
      process.stdout.write(`${pc.bold(server.url)}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      await storage.close();
    });
}
