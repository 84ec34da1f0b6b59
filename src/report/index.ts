/**
 * Public API of the `report` layer: charts (Vega-Lite specs rendered to SVG and PNG in Node) and the HTML
 * report of an experiment's results file. The chart specs take plain series, so other documents (the tuning
 * report, the demo) reuse them.
 */
export { accuracyChartSpec, type AccuracyChartOptions, type AccuracySeries } from './specs/accuracy.js';
export { firingRateChartSpec, sinRatioChartSpec, layerLabel, type LayerChartOptions, type LayerSeries } from './specs/layers.js';
export {
  exitTradeoffChartSpec,
  exitTradeoffDomain,
  exitHistogramChartSpec,
  type ExitChartPoint,
  type ExitTradeoffSeries,
  type ExitTradeoffChartOptions,
  type ExitHistogramSeries,
  type ExitHistogramChartOptions,
} from './specs/exit.js';
export { sopChartSpec, coincidingSeries, type SopChartOptions, type SopSeries } from './specs/sop.js';
export { rasterChartSpec, type RasterChartOptions, type RasterSeries } from './specs/raster.js';
export { traceChartSpec, type TraceChartOptions, type TraceSeries } from './specs/traces.js';
export { CHART_CONFIG, CHART_FONT } from './specs/theme.js';
export { CONVERTER_COLORS, SPARE_COLORS, seriesColors, seriesColorScale, type ConverterKey, type SeriesIdentity } from './specs/colors.js';
export { renderSvg, prefixSvgIds, type RenderSvgOptions } from './render-svg.js';
export { renderPng, DEFAULT_RENDER_PNG_OPTIONS, type RenderPngOptions } from './render-png.js';
export { reportHtml, escapeHtml, type HtmlFigure, type ReportHtmlParts } from './html.js';
export { readResults, parseResults, validateResults, RESULTS_FILE } from '../experiment/index.js';
export { renderReport, type RenderReportOptions, type RenderedReport } from './render-report.js';
export { reportFigureSpecs, pickTraces, DEFAULT_MAX_TRACE_PANELS, type ReportFigureSpec } from './report-figures.js';
export {
  summarizeRun,
  tableSteps,
  seriesLabels,
  TABLE_STEPS,
  formatCount,
  formatDuration,
  formatEnergy,
  formatPercent,
  type RunSummary,
} from './summary.js';
