// The viewer's only stylesheet and script, served as files (/static/...) because the
// Content-Security-Policy forbids inline styles and scripts. Kept as strings so the built
// bundle needs no asset files next to it.

/** Responsive CSS: one column on a phone, a grid of graphs on a laptop. */
export const STYLE_CSS = `:root{--fg:#1d2330;--muted:#5b6475;--bg:#f6f7f9;--card:#fff;--line:#dde1e8;--accent:#2456c8;--bad:#b3261e;--warn:#8a5a00;--ok:#1e7b34}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.6rem 1rem;background:#1d2330;color:#fff}
header.top a{color:#fff}
.brand{font-weight:700;text-decoration:none;margin-right:auto}
header.top form{margin:0}
header.top button{background:none;border:1px solid #8790a3;color:#fff;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{max-width:1700px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 .6rem}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1rem}
.login{max-width:22rem;margin:3rem auto}
.login label{display:block;margin:.6rem 0 .2rem}
.login input{width:100%;padding:.5rem;font-size:1rem;border:1px solid var(--line);border-radius:4px}
button.primary{margin-top:1rem;width:100%;padding:.6rem;font-size:1rem;background:var(--accent);color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:var(--bad);font-weight:600}
.systems{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.systems li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem}
.systems .name{font-weight:700;font-size:1.05rem}
.health{color:var(--muted);font-size:.9rem;margin-top:.2rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.8rem;font-weight:700;color:#fff;background:var(--ok)}
.badge.stale,.badge.error{background:var(--bad)}
.badge.warn{background:var(--warn)}
nav.groups,nav.ranges{display:flex;flex-wrap:wrap;gap:.35rem;margin:.4rem 0}
nav.groups a,nav.ranges a{padding:.25rem .6rem;border:1px solid var(--line);border-radius:4px;background:var(--card);text-decoration:none}
nav a[aria-current]{background:var(--accent);color:#fff;border-color:var(--accent)}
form.custom-range{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.3rem 0 .8rem}
form.custom-range input{padding:.25rem;border:1px solid var(--line);border-radius:4px}
.graphs{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,560px),1fr));gap:.8rem}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem}
figure img{display:block;width:100%;height:auto}
figcaption{font-size:.85rem;color:var(--muted);margin-top:.2rem}
table.list{width:100%;border-collapse:collapse;background:var(--card)}
table.list th,table.list td{padding:.35rem .5rem;border-bottom:1px solid var(--line);text-align:left;word-break:break-word}
.muted{color:var(--muted)}
@media (max-width:600px){main{padding:.5rem}h1{font-size:1.15rem}.graphs{gap:.5rem}}
`

/**
 * The optional script: shows times in the browser's zone. Everything works without it. The
 * range picker stays in UTC, as the graphs are (they are rendered once for every reader), so
 * the picker and the graphs' time axes name the same zone.
 */
export const VIEWER_JS = `'use strict';
(function () {
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('time[data-ms]').forEach(function (el) {
      var ms = Number(el.getAttribute('data-ms')); if (ms > 0) el.textContent = new Date(ms).toLocaleString()
    });
  });
})();
`
