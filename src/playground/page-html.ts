/** The page's HTML shell and its style sheet; `page/main.ts` builds the rest from `playground.json`. */

/** index.html of the site. */
export function pageHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="note">Spiking networks converted by msat, run step by step in your browser (onnxruntime-web, WebAssembly).</p></header>
<main id="app"></main>
<script type="module" src="main.js"></script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
header,main{max-width:1200px;margin:0 auto;padding:12px 16px}
h1{font-size:22px;margin:4px 0}
h2{font-size:17px;margin:0 0 6px;overflow-wrap:anywhere}
h3{font-size:13px;font-weight:600;margin:10px 0 4px;color:#444}
.note{color:#555;font-size:13px;margin:2px 0}
.controls{display:flex;flex-wrap:wrap;gap:16px;background:#fff;border:1px solid #dde;border-radius:8px;padding:12px}
.picker{flex:1 1 300px;min-width:0}
.samples{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.sample{padding:2px;border:2px solid #ccd;border-radius:4px;background:#000;cursor:pointer;line-height:0}
.sample.chosen{border-color:#e07b00}
.sample canvas{width:40px;height:40px;image-rendering:pixelated}
.pad{display:flex;align-items:flex-end;gap:8px}
.pad-side{display:flex;flex-direction:column;align-items:flex-start;gap:6px;max-width:12em}
.drawing{width:140px;height:140px;background:#fff;border:1px solid #99a;border-radius:4px;touch-action:none;cursor:crosshair}
.side{flex:1 1 260px;display:flex;flex-direction:column;gap:10px}
.current{display:flex;align-items:center;gap:10px}
.preview{width:84px;height:84px;image-rendering:pixelated;background:#000;border-radius:4px}
.caption{margin:0;font-size:14px}
.run-bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.run-bar input{width:5em;font:inherit;padding:4px}
button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid #99a;background:#fff;cursor:pointer}
button.run{background:#234;color:#fff;border-color:#234}
.status{font-size:13px;color:#333;margin:8px 2px}
.status.error{color:#b00020;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.card{background:#fff;border:1px solid #dde;border-radius:8px;padding:12px;min-width:0}
.answer{font-size:26px;font-weight:700;margin:2px 0;font-variant-numeric:tabular-nums}
.settled{margin:0;font-size:13px;color:#555}
.bars{display:grid;gap:2px}
.bar{display:grid;grid-template-columns:4.5em 1fr 4.5em;gap:6px;align-items:center;font-size:12px;font-variant-numeric:tabular-nums}
.bar .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar .track{height:10px;background:#eef;border-radius:3px;overflow:hidden}
.bar .fill{display:block;height:100%;background:#7a8bb5}
.bar.top .fill{background:#e07b00}
.bar .num{text-align:right}
.raster{width:100%;height:120px;background:#fafbff;border:1px solid #e4e6ef;border-radius:4px}
select{font:inherit;font-size:13px}
details{margin-top:8px;font-size:13px}
details ul{padding-left:18px;margin:6px 0;overflow-wrap:anywhere}
@media (max-width:480px){header,main{padding:8px}.cards{grid-template-columns:1fr}.answer{font-size:22px}}
`;
