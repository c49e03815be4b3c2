/**
 * The entry of the browser's chart module (`/assets/charts.js`, bundled from this file at request time
 * by assets.ts): the chart definitions and the trials table the report uses too.
 */
export * from './charts.ts';
export { escapeHtml } from './escape.ts';
export * from './table.ts';
