"""The web UI's stylesheet and the few lines of JavaScript it runs in the page.

Colours are set for the light and the dark theme (Gradio puts `.dark` on the page), each
pair at a contrast of at least 4.5:1, which the browser tests check with axe-core.
"""

CSS = """
:root { --pd-muted: #4b5563; --pd-mark-bg: #fde68a; --pd-mark-text: #1f2937;
  --pd-accent: #b91c1c; --pd-green: #1a7f37; --pd-amber: #8a5a00; --pd-red: #cf222e;
  --pd-summary-bg: #eef2ff; --pd-summary-text: #3730a3; }
.dark { --pd-muted: #cbd5e1; --pd-mark-bg: #854d0e; --pd-mark-text: #fefce8;
  --pd-accent: #fca5a5; --pd-green: #56d364; --pd-amber: #e3b341; --pd-red: #ff7b72;
  --pd-summary-bg: #312e81; --pd-summary-text: #e0e7ff; }
/* Gradio's red-500 gives white text 3.8:1 on the Ask button and red text 3.8:1 on the
   selected tab: both take the 700 shade (6.5:1), or a light red on the dark theme. */
button.primary { background: #b91c1c !important; border-color: #b91c1c !important;
  color: #ffffff !important; }
button.primary:hover { background: #991b1b !important; }
button[role=tab].selected { color: var(--pd-accent) !important; }
.pd-header h1 { margin: 0; font-size: 1.5rem; }
.pd-header p { margin: 0.2rem 0 0; color: var(--pd-muted); }
.pd-status { font-size: 0.85rem; color: var(--pd-muted); }
.pd-banner { padding: 0.75rem 1rem; border-radius: 8px; background: #fff4e5;
  border: 1px solid #f0b35a; color: #6b3d00; font-weight: 500; }
.dark .pd-banner { background: #3d2a00; color: #ffe2b8; }
.pd-empty { color: var(--pd-muted); padding: 1rem 0.25rem; }
.pd-meta { font-size: 0.85rem; color: var(--pd-muted); margin-top: 0.15rem; }
.pd-badge { font-size: 0.75rem; padding: 0.05rem 0.45rem; border-radius: 999px;
  border: 1px solid currentColor; margin-right: 0.3rem; }
.pd-badge.in_force { color: var(--pd-green); }
.pd-badge.kind { color: var(--pd-muted); }
.pd-badge.kind.summary, .pd-badge.kind.commentary { color: var(--pd-summary-text);
  background: var(--pd-summary-bg); font-weight: 600; }
.pd-badge.amended { color: var(--pd-amber); }
.pd-badge.repealed, .pd-badge.superseded { color: var(--pd-red); }
.pd-version { font-size: 0.8rem; color: var(--pd-muted); }
.pd-doc-title { font-size: 1.1rem; font-weight: 600; }
.pd-doc-badges { margin: 0.2rem 0; }
.pd-primary { margin-top: 0.4rem; padding: 0.3rem 0.6rem; border-radius: 6px; font-size: 0.88rem;
  background: var(--pd-summary-bg); color: var(--pd-summary-text); }
.pd-primary a { color: inherit; font-weight: 600; }
.pd-doc-text { white-space: pre-wrap; font-size: 0.92rem; line-height: 1.6; max-height: 560px;
  overflow-y: auto; padding: 0.6rem 0.8rem; border: 1px solid var(--border-color-primary);
  border-radius: 8px; margin-top: 0.5rem; }
.pd-doc-text mark { background: var(--pd-mark-bg); color: var(--pd-mark-text); padding: 0 1px; }
.pd-doc-text .pd-h { font-weight: 700; font-size: 1.02rem; }
.pd-table { border-collapse: collapse; margin: 0.3rem 0; white-space: normal; line-height: 1.4; }
.pd-table th, .pd-table td { border: 1px solid var(--border-color-primary);
  padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
.pd-table tr.pd-hit > td, .pd-table tr.pd-hit > th { background: var(--pd-mark-bg);
  color: var(--pd-mark-text); }
.pd-omitted { color: var(--pd-muted); font-style: italic; }
.pd-chips { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.pd-chip { border: 1px solid var(--border-color-primary); border-radius: 999px;
  padding: 0.15rem 0.7rem; font-size: 0.85rem; background: var(--background-fill-secondary);
  color: var(--body-text-color); cursor: pointer; }
.pd-docs { overflow-x: auto; }
.pd-docs-search { display: block; font-size: 0.9rem; }
.pd-docs-search input { margin-left: 0.4rem; padding: 0.2rem 0.4rem; width: 60%;
  border: 1px solid var(--border-color-primary); border-radius: 6px;
  background: var(--background-fill-primary); color: var(--body-text-color); }
.pd-docs-table { width: 100%; font-size: 0.88rem; }
.pd-docs-table td:first-child { min-width: 12rem; }
.pd-sort { font-weight: 600; background: none; border: none; padding: 0; cursor: pointer;
  color: var(--body-text-color); }
th[aria-sort=ascending] .pd-sort::after { content: " ▲"; }
th[aria-sort=descending] .pd-sort::after { content: " ▼"; }
.pd-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
#pd-bridge { display: none !important; }
@media (max-width: 640px) {
  .pd-header p, .pd-status-extra { display: none; }
  /* Gradio's red-500 gives white text 3.8:1 on the Ask button and red text 3.8:1 on the
   selected tab: both take the 700 shade (6.5:1), or a light red on the dark theme. */
button.primary { background: #b91c1c !important; border-color: #b91c1c !important;
  color: #ffffff !important; }
button.primary:hover { background: #991b1b !important; }
button[role=tab].selected { color: var(--pd-accent) !important; }
.pd-header h1 { font-size: 1.15rem; }
  .pd-header { gap: 0 !important; padding: 0 !important; }
  .pd-header > div { min-height: 0 !important; }
  /* issuer and effective date give way to the title, kind and version on a phone */
  .pd-docs-table th:nth-child(3), .pd-docs-table td:nth-child(3),
  .pd-docs-table th:nth-child(5), .pd-docs-table td:nth-child(5) { display: none; }
  .pd-docs-table td:first-child { min-width: 9rem; }
}
"""

# Keeps the highlighted passage (or table row) in view whenever the viewer's content changes.
# Measured on screen, not by offsetTop: inside a table that counts from the table.
SCROLL_TO_MARK_JS = """
const scroll = () => {
  const mark = element.querySelector('mark, .pd-hit');
  const box = element.querySelector('.pd-doc-text');
  if (mark && box) box.scrollTop += mark.getBoundingClientRect().top
    - box.getBoundingClientRect().top - box.clientHeight / 3;
  // On a phone the viewer sits below the conversation: bring the opened passage into view.
  if (mark && window.innerWidth <= 640) element.scrollIntoView({block: 'start'});
};
scroll();
watch('value', scroll);
"""

# A plain click on a link to this page that opens a source (`?doc=…`) or asks a suggested
# question (`?q=…`) is handled in the page: the source opens in the Document view, the question
# is asked. A click with a modifier key, "open in new tab", and "Link to this answer"
# (`&share=1`) still follow the link.
LINK_BRIDGE_JS = """
// Gradio may mount this component again: the listener is added once, and always calls the
// trigger of the latest mount (a stale one would drop the click).
window.pdLinkTrigger = trigger;
if (!window.pdLinkBridge) {
  window.pdLinkBridge = true;
  document.addEventListener('click', (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest && event.target.closest('a[href]');
    if (!link) return;
    const url = new URL(link.getAttribute('href'), window.location.href);
    const here = url.origin === window.location.origin && url.pathname === window.location.pathname;
    const params = url.searchParams;
    if (!here || params.has('share') || !(params.has('doc') || params.has('q'))) return;
    event.preventDefault();
    event.stopPropagation();
    window.pdLinkTrigger('click', {href: url.search});
  }, true);
}
"""

# A chip's click removes its filter.
CHIPS_JS = """
element.addEventListener('click', (event) => {
  const chip = event.target.closest('button[data-key]');
  if (chip) trigger('click', {key: chip.dataset.key, value: chip.dataset.value});
});
"""

# The Documents view: a search box over the rows, and headers that sort.
DOCUMENTS_JS = """
const setup = () => {
  const table = element.querySelector('.pd-docs-table');
  if (!table) return;
  const input = element.querySelector('.pd-docs-search input');
  const count = element.querySelector('.pd-docs-count');
  const rows = () => Array.from(table.tBodies[0].rows);
  input.addEventListener('input', () => {
    const words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    rows().forEach((row) => {
      const text = row.textContent.toLowerCase();
      row.hidden = !words.every((w) => text.includes(w));
      if (!row.hidden) shown += 1;
    });
    count.textContent = `${shown} of ${rows().length} documents`;
  });
  table.querySelectorAll('.pd-sort').forEach((button) => button.addEventListener('click', () => {
    const col = Number(button.dataset.col);
    const head = button.parentElement;
    const up = head.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach((th) => th.removeAttribute('aria-sort'));
    head.setAttribute('aria-sort', up ? 'ascending' : 'descending');
    const key = (row) => row.cells[col].innerText.trim();
    const number = (text) => Number(text.replace(/,/g, ''));
    rows().sort((a, b) => {
      const x = key(a), y = key(b);
      const order = x && y && !isNaN(number(x)) && !isNaN(number(y))
        ? number(x) - number(y) : x.localeCompare(y);
      return up ? order : -order;
    }).forEach((row) => table.tBodies[0].appendChild(row));
  }));
};
setup();
watch('value', setup);
"""
