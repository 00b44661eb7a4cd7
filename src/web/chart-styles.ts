// The look both chart pages share (the status page and the bench report): colours for light and
// dark mode (the browser's preference), tables, and the charts' captions, legends, marks, on-demand
// tables and share bars. Plain CSS text; the pages inline it.

export const CHART_CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --ok: #1a7f37; --bad: #b35900; --dim: #59636e; --line: #d0d7de;
  --grid: rgba(100,110,120,0.18); --panel: #f6f8fa; --fill: #0072B2; --even: #1f2328; --accent: #0072B2; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --ok: #3fb950; --bad: #ff9a4d; --dim: #9198a1; --line: #30363d;
    --grid: rgba(200,210,220,0.14); --panel: #161b22; --fill: #56B4E9; --even: #e6edf3; --accent: #56B4E9; }
}
html { background: var(--bg); color: var(--fg); }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 80rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .25rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h2 small, li small, summary small { color: var(--dim); font-weight: normal; }
h3 { font-size: 1rem; margin: .75rem 0 .2rem; }
h4 { font-size: .9rem; margin: .5rem 0 .2rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .2rem .6rem .2rem 0; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .dim, .meta { color: var(--dim); }
.table-toggle { font: inherit; font-size: .8rem; padding: .15rem .5rem; color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; cursor: pointer; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(17.5rem, 1fr)); gap: .6rem 1rem; margin: .3rem 0 .4rem; }
figure { margin: 0; }
figure.chart { position: relative; min-width: 0; }
figure.chart figcaption { display: flex; justify-content: space-between; align-items: center; font-size: .85rem; font-weight: 600; }
.uplot { font-family: inherit; }
.uplot .u-legend { font-size: .75rem; text-align: left; }
.uplot .u-legend .u-series:first-child { display: none; }
.uplot .u-legend .u-marker { width: .9em; height: .25em; border-radius: 1px; }
.uplot .u-legend th { font-weight: 500; }
.uplot .u-legend td, .uplot .u-legend th { padding: 0 .3rem 0 0; border: 0; }
.u-over .marks { position: absolute; inset: 0; pointer-events: none; }
.mark { position: absolute; top: -2px; transform: translateX(-50%); font-size: 10px; line-height: 1; pointer-events: auto; cursor: help; }
.mark.bad { color: var(--bad); } .mark.ok { color: var(--ok); }
.chart-table { max-height: 14rem; overflow: auto; font-size: .8rem; border: 1px solid var(--line); }
.chart-table caption { text-align: left; font-weight: 600; }
.below { display: grid; grid-template-columns: repeat(auto-fit, minmax(24rem, 1fr)); gap: .4rem 1.5rem; }
figure.share figcaption { font-size: .85rem; font-weight: 600; margin-bottom: .2rem; }
figure.share figcaption small { font-weight: normal; color: var(--dim); }
.share-row { display: grid; grid-template-columns: minmax(9rem, auto) 1fr 6.5rem; gap: .5rem; align-items: center; font-size: .85rem; font-variant-numeric: tabular-nums; }
.share-row .bar { position: relative; height: .8rem; background: var(--panel); border: 1px solid var(--line); border-radius: 2px; }
.share-row .fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--fill); }
.share-row.off .fill { background: repeating-linear-gradient(45deg, var(--bad) 0 4px, transparent 4px 7px), var(--bad); background-blend-mode: normal; opacity: .85; }
.share-row .even { position: absolute; top: -3px; bottom: -3px; width: 2px; background: var(--even); transform: translateX(-1px); }
.share-row.off .pct { color: var(--bad); font-weight: 600; }
.changes ol { margin: .2rem 0; padding-left: 1.2rem; font-size: .85rem; max-height: 9rem; overflow: auto; }
.changes time { font-variant-numeric: tabular-nums; color: var(--dim); }
`;
