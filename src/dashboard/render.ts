/**
 * Server-side rendering of the chart definitions (charts.ts): echarts' SSR to an SVG string, resvg to
 * PNG. No browser, no network.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { ChartOption } from './charts.ts';

/** Renders an echarts option to a standalone SVG document (a string). */
export function renderSvg(option: ChartOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option as echarts.EChartsOption);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * The sans-serif font for PNGs: Liberation Sans (Arial's metrics, which echarts' text layout assumes;
 * Debian's fonts-liberation, which chromium brings) when installed, else DejaVu Sans.
 */
const sansSerif = existsSync('/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf')
  ? 'Liberation Sans'
  : 'DejaVu Sans';

/** Rasterizes an SVG to PNG (`scale` 2: for sharp text), with the system's fonts. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: sansSerif, sansSerifFamily: sansSerif },
  });
  return resvg.render().asPng();
}
