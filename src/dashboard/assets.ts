/**
 * The page's static assets, all served by the dashboard itself (no CDN, no network): echarts' browser
 * build from node_modules, the page's script and style sheet (src/dashboard/public/), and the chart
 * module — browser.ts (charts.ts + table.ts) bundled by esbuild into one small ES module on its first
 * request, then kept in memory.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const here = import.meta.dirname;
const publicDir = join(here, 'public');

export interface Asset {
  readonly body: string;
  readonly type: string;
}

const cache = new Map<string, Promise<Asset>>();

function cached(key: string, load: () => Promise<Asset>): Promise<Asset> {
  let p = cache.get(key);
  if (p === undefined) {
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Where echarts' minified browser build lives (the package's `require` entry is dist/echarts.js). */
export function echartsPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('echarts')), 'echarts.min.js');
}

/** The chart definitions as an ES module for the browser (bundled once, at the first request). */
export function chartsModule(): Promise<Asset> {
  return cached('charts.js', async () => {
    const out = await build({
      entryPoints: [join(here, 'browser.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    return { body: out.outputFiles[0].text, type: 'text/javascript; charset=utf-8' };
  });
}

const assets: Readonly<Record<string, () => Promise<Asset>>> = {
  'charts.js': chartsModule,
  'echarts.min.js': () =>
    cached('echarts.min.js', async () => ({
      body: readFileSync(echartsPath(), 'utf8'),
      type: 'text/javascript; charset=utf-8',
    })),
  'app.js': () =>
    cached('app.js', async () => ({
      body: readFileSync(join(publicDir, 'app.js'), 'utf8'),
      type: 'text/javascript; charset=utf-8',
    })),
  'style.css': () =>
    cached('style.css', async () => ({
      body: readFileSync(join(publicDir, 'style.css'), 'utf8'),
      type: 'text/css; charset=utf-8',
    })),
};

/** An asset by file name, or null when there is no such asset. */
export function getAsset(name: string): Promise<Asset> | null {
  return Object.hasOwn(assets, name) ? assets[name]() : null;
}
