/**
 * The report page's CSS. Numbers never wrap (a value split over two lines reads as two values); wide tables
 * scroll inside their own frame rather than widening the page; charts scale to the column through their
 * viewBox, down to a phone's width.
 */
export const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f6f8fa; --accent: #4e79a7; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #eef1f4; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 28px 64px; background: #fff; min-height: 100vh; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 8px; letter-spacing: -0.01em; overflow-wrap: anywhere; }
h2 { font-size: 1.35rem; margin: 48px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 28px 0 8px; }
code { font-family: "DejaVu Sans Mono", ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em;
  background: var(--soft); padding: 1px 4px; border-radius: 4px; word-break: break-all; }
a { color: var(--accent); }
.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 0.75em; height: 0.75em; border-radius: 2px; margin-right: 0.4em; vertical-align: baseline; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.78rem; color: var(--muted); margin: 0 0 4px; }
.description { color: var(--muted); margin: 0 0 20px; max-width: 70ch; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 20px 0 8px; }
.fact { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 0; }
.fact .label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.fact .value { font-size: 0.98rem; margin-top: 2px; }
.fact .big { font-size: 1.6rem; font-weight: 700; color: var(--accent); }
figure.chart { margin: 28px 0; padding: 16px 16px 8px; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
figure.chart figcaption { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; margin: 8px 4px 4px; }
figure.chart .caption { color: var(--muted); font-size: 0.92rem; }
figure.chart .files { font-size: 0.8rem; color: var(--muted); white-space: nowrap; }
/* Charts fill the column (their text scales with them, through the viewBox) and keep their aspect. */
figure.chart .svg { margin: 0 auto; }
figure.chart svg { display: block; width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin: 8px 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 0.94rem; }
.table-caption { color: var(--muted); font-size: 0.85rem; margin: -4px 0 12px; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; font-size: 0.85rem; text-align: right; vertical-align: bottom; line-height: 1.25; }
table.numbers thead th { white-space: nowrap; }
table.numbers td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.numbers th.name, table.numbers td.name, table.settings th.name { text-align: left; }
table.numbers th.rule, table.numbers td.rule { text-align: left; }
table.numbers td.name { white-space: normal; min-width: 8em; }
tbody tr:nth-child(even) { background: #fbfcfd; }
td.best { font-weight: 700; }
td.na { color: var(--muted); }
tr.ann td { color: var(--muted); font-style: italic; }
tr.ann td[colspan] { text-align: center; }
.sub { color: var(--muted); font-size: 0.8rem; font-weight: normal; }
table.settings td, table.settings th { text-align: left; }
table.settings td.num { text-align: right; }
table.provenance th { text-align: left; width: 140px; color: var(--muted); font-weight: 600; }
table.provenance td { overflow-wrap: anywhere; }
code.hash { font-size: 0.8em; }
.note { color: var(--muted); font-size: 0.9rem; max-width: 80ch; }
.chart-note { border-left: 3px solid var(--line); padding-left: 12px; }
details { margin: 12px 0; }
summary { cursor: pointer; color: var(--accent); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow-x: auto; font-size: 0.8rem; line-height: 1.4; }
/* Phones: the margins go to the charts and tables; cards two by two; the figure's links under its caption. */
@media (max-width: 640px) {
  main { padding: 20px 12px 48px; }
  h1 { font-size: 1.6rem; }
  h2 { margin-top: 36px; }
  .facts { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .fact { padding: 8px 10px; }
  .fact .big { font-size: 1.4rem; }
  figure.chart { margin: 20px 0; padding: 8px 4px 4px; }
  figure.chart .svg { overflow-x: auto; }
  figure.chart svg { min-width: calc(0.8 * var(--w, 520px)); }
  figure.chart figcaption { flex-direction: column; gap: 4px; }
  th, td { padding: 6px 8px; }
  table.provenance th { width: 90px; }
}
@media print { body { background: #fff; } main { padding: 0; } figure.chart { break-inside: avoid; } }
`;
