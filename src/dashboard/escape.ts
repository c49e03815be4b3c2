/**
 * HTML escaping for everything a user or a trainer can write (study, param and worker names, param
 * values, error messages). Used by the server's pages, the report and the chart tooltips (echarts puts
 * a tooltip formatter's string into innerHTML), and bundled into the browser's chart module, so it must
 * stay free of Node imports.
 */

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes a value for HTML text and (quoted) attribute values. `null`/`undefined` give ''. */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"'`]/g, (c) => entities[c] ?? c);
}
