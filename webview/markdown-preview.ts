import mermaid from 'mermaid';

/**
 * Draws the ```mermaid blocks of a Markdown preview (the lab report's topology and exchanges) as SVG:
 * VS Code's own preview shows them as code. Contributed as a `markdown.previewScripts` entry, so it runs
 * in every Markdown preview; it follows the editor's light or dark theme and draws again whenever the
 * preview's content or theme changes.
 */

const SOURCE_SELECTOR = 'pre > code.language-mermaid';
const DIAGRAM_CLASS = 'portlab-mermaid';
const HIDDEN_SOURCE_CLASS = 'portlab-mermaid-source';

type MermaidTheme = 'default' | 'dark';

/** The preview's body carries the editor theme's kind as a class (vscode-light, vscode-dark, vscode-high-contrast[-light]). */
function editorTheme(): MermaidTheme {
  const classes = document.body.classList;
  return classes.contains('vscode-dark') || (classes.contains('vscode-high-contrast') && !classes.contains('vscode-high-contrast-light')) ? 'dark' : 'default';
}

/** A block drawn once per theme: the preview redraws on every keystroke in the report's source. */
const drawnSvg = new Map<string, string>();
let diagramCount = 0;

async function svgOf(source: string, theme: MermaidTheme): Promise<string> {
  const key = `${theme}\u0000${source}`;
  let svg = drawnSvg.get(key);
  if (svg === undefined) {
    svg = (await mermaid.render(`portlab-mermaid-${++diagramCount}`, source)).svg;
    drawnSvg.set(key, svg);
  }
  return svg;
}

async function drawAll(): Promise<void> {
  const theme = editorTheme();
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme });
  for (const old of document.querySelectorAll(`.${DIAGRAM_CLASS}`)) old.remove();
  for (const code of document.querySelectorAll<HTMLElement>(SOURCE_SELECTOR)) {
    const pre = code.parentElement!;
    const diagram = document.createElement('div');
    diagram.className = DIAGRAM_CLASS;
    // The preview scrolls with the editor by the source lines its elements carry: the drawing stands for its block.
    const line = code.getAttribute('data-line') ?? pre.getAttribute('data-line');
    if (line !== null) {
      diagram.classList.add('code-line');
      diagram.setAttribute('data-line', line);
    }
    try {
      diagram.innerHTML = await svgOf(code.textContent ?? '', theme);
      pre.classList.add(HIDDEN_SOURCE_CLASS);
    } catch (err) {
      // A block mermaid cannot read stays visible as code, with mermaid's reason under it.
      diagram.classList.add('error');
      diagram.textContent = `Mermaid: ${err instanceof Error ? err.message : String(err)}`;
      pre.classList.remove(HIDDEN_SOURCE_CLASS);
    }
    pre.after(diagram);
  }
}

/** One drawing at a time; a change during a drawing draws once more after it. */
let drawing: Promise<void> | undefined;
let again = false;
function scheduleDraw(): void {
  if (drawing) {
    again = true;
    return;
  }
  drawing = drawAll()
    .catch(() => undefined)
    .finally(() => {
      drawing = undefined;
      if (again) {
        again = false;
        scheduleDraw();
      }
    });
}

let shownTheme: MermaidTheme | undefined;
function start(): void {
  shownTheme = editorTheme();
  scheduleDraw();
  // VS Code updates the preview in place as the source changes and says so with this event.
  window.addEventListener('vscode.markdown.updateContent', scheduleDraw);
  new MutationObserver(() => {
    if (editorTheme() === shownTheme) return;
    shownTheme = editorTheme();
    scheduleDraw();
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
