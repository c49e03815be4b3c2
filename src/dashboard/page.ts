/**
 * The dashboard's one HTML page: a static shell (no user data in it) that loads echarts, the style
 * sheet and the page script; app.js fills it from the JSON API with DOM text nodes only. When the
 * server requires a token, the asset URLs carry it (the page was requested with it, so it is known).
 */
import { escapeHtml } from './escape.ts';

export function indexHtml(token: string | null): string {
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const a = (name: string): string => escapeHtml(`/assets/${name}${q}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>spiketune dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${a('style.css')}">
<script src="${a('echarts.min.js')}"></script>
<script type="module" src="${a('app.js')}"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/">spiketune</a>
  <span class="crumb" id="crumb"></span>
  <span class="live" id="live" title="live updates"></span>
</header>
<main id="main"><p class="muted">Loading…</p></main>
</body>
</html>
`;
}
