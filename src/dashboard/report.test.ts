import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { ValidationError } from '../core/errors.ts';
import { inlineSvg, writeReport } from './report.ts';
import { type Fixture, makeFixture, XSS } from './testing/fixture.ts';

let f: Fixture;
let out: string;
beforeAll(async () => {
  f = await makeFixture(8);
  out = mkdtempSync(join(tmpdir(), 'spiketune-report-'));
});
afterAll(async () => {
  await f.cleanup();
  rmSync(out, { recursive: true, force: true });
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function checkSvg(path: string): void {
  const svg = readFileSync(path, 'utf8');
  expect(svg.startsWith('<svg'), path).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>'), path).toBe(true);
  // resvg parses it as XML (strictly: a malformed document throws) and finds its size
  const r = new Resvg(svg);
  expect(r.width).toBeGreaterThan(100);
  expect(r.height).toBeGreaterThan(100);
}

function checkPng(path: string): void {
  const png = readFileSync(path);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE), path).toBe(true);
  expect(png.length).toBeGreaterThan(5_000); // something drawn, not an empty image
}

/** Everything in an HTML document's tags and styles that would load or link a resource. */
function externalRefs(html: string): string[] {
  const tags = [...html.matchAll(/<[a-zA-Z][^>]*>/g)].map((m) => m[0]);
  return [
    ...tags.flatMap((t) => [
      ...t.matchAll(/\s(?:src|href|xlink:href|action|poster|data|srcset)\s*=\s*["']?([^"'\s>]+)/gi),
    ]),
    ...html.matchAll(/url\(\s*["']?([^)"']+)/gi),
    ...html.matchAll(/@import\s+["']?([^"';]+)/gi),
  ]
    .map((m) => m[1])
    .filter((u) => !u.startsWith('#'));
}

describe('report', () => {
  it('writes every chart as SVG and PNG, and one self-contained HTML file', async () => {
    const r = await writeReport({ storage: f.storage, study: 'snn-mo', outDir: out, pngScale: 1 });
    const names = readdirSync(out).sort();
    const stopped = (await f.storage.getTrials(f.study.id, { states: ['stopped'] }))[0].number;
    for (const id of [
      'history',
      'history-time',
      'feasibility',
      'parallel',
      'pareto',
      'timeline',
      `spikes-trial-${stopped}`,
    ]) {
      expect(names).toContain(`${id}.svg`);
      expect(names).toContain(`${id}.png`);
      checkSvg(join(out, `${id}.svg`));
      checkPng(join(out, `${id}.png`));
    }
    expect(names).toContain('report.html');
    expect(r.files.every((p) => existsSync(p))).toBe(true);
    expect(r.files.length).toBe(names.length);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toBe(r.html);
    expect(externalRefs(html)).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|<img/i);
    // the plots are inline
    expect(html.match(/<svg/g)?.length).toBe(r.files.filter((p) => p.endsWith('.svg')).length);
    // a trials table with one row per trial
    const table = html.slice(html.indexOf('<table id="trials"'));
    expect(table.match(/<tr>/g)?.length).toBe(8 + 1);
    // hostile strings (a categorical value, a failed trial's error, the worker) are escaped everywhere
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(XSS);
    for (const n of names.filter((n) => n.endsWith('.svg')))
      expect(readFileSync(join(out, n), 'utf8')).not.toContain(XSS);
  });

  it('escapes a hostile study name in the report', async () => {
    const dir = join(out, 'xss');
    const r = await writeReport({ storage: f.storage, study: f.xssStudy.id, outDir: dir, pngScale: 1 });
    expect(r.html).toContain('<h1>Study &lt;img src=x onerror=alert(1)&gt;</h1>');
    expect(r.html).not.toContain(XSS);
    expect(externalRefs(r.html)).toEqual([]);
    // single objective: no Pareto front
    expect(existsSync(join(dir, 'pareto.svg'))).toBe(false);
  });

  it('refuses an unknown study, parameter or trial', async () => {
    await expect(writeReport({ storage: f.storage, study: 'nope', outDir: out })).rejects.toThrow(
      ValidationError,
    );
    await expect(
      writeReport({ storage: f.storage, study: 'snn-mo', outDir: out, x: 'nope' }),
    ).rejects.toThrow(/--x/);
    await expect(
      writeReport({ storage: f.storage, study: 'snn-mo', outDir: out, trials: [99] }),
    ).rejects.toThrow(/no trial #99/);
  });

  it('inlined SVGs get unique ids and no namespace URLs', () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><clipPath id="c0"></clipPath><path clip-path="url(#c0)"/><use href="#c0"/></svg>';
    expect(inlineSvg(svg, 'a')).toBe(
      '<svg><clipPath id="a-c0"></clipPath><path clip-path="url(#a-c0)"/><use href="#a-c0"/></svg>',
    );
  });

  it('spiketune report STUDY --storage URL --out DIR', async () => {
    const dir = join(out, 'cli');
    const writes: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      writes.push(String(s));
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main([
        'report',
        'snn-mo',
        '--storage',
        f.url,
        '--out',
        dir,
        '--x',
        'threshold',
        '--y',
        'surrogate',
        '--trial',
        '0',
      ]);
    } finally {
      process.stdout.write = orig;
    }
    expect(code).toBe(0);
    expect(writes.join('')).toContain(join(dir, 'report.html'));
    expect(existsSync(join(dir, 'spikes-trial-0.png'))).toBe(true);
    checkSvg(join(dir, 'feasibility.svg'));
    expect(readFileSync(join(dir, 'feasibility.svg'), 'utf8')).toContain('threshold vs surrogate');
  });
});
