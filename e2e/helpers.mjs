// Shared helpers for the end-to-end tests: a reader's gestures.
import { expect } from '@playwright/test';

/** Collects console errors and page errors; call `check()` at the end. */
export function watchConsole(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { errors, check: () => expect(errors, errors.join('\n')).toEqual([]) };
}

/**
 * Resolves once the page has painted its next frame and run a task after it: what the app does
 * after a change (its save, its answer to a selection) has run by then.
 */
export const afterNextPaint = (page) => page.evaluate(() => new Promise((resolve) => {
  requestAnimationFrame(() => setTimeout(resolve, 0));
}));

/** Opens the app on a fresh profile and waits for the article. */
export async function openApp(page, path = '/') {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
}

/** Screen points of the first and last character of the `nth` occurrence of `phrase` in the article. */
export async function phrasePoints(page, phrase, nth = 0) {
  return page.evaluate(([phrase, nth]) => {
    const root = document.getElementById('article');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = '';
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
    let at = -1;
    for (let i = 0; i <= nth; i++) at = text.indexOf(phrase, at + 1);
    if (at < 0) throw new Error(`"${phrase}" is not in the article`);
    const locate = (i) => {
      for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]];
    };
    const rectOf = (i) => {
      const [node, off] = locate(i);
      const r = document.createRange();
      r.setStart(node, off); r.setEnd(node, off + 1);
      return r.getBoundingClientRect();
    };
    const first = rectOf(at);
    const last = rectOf(at + phrase.length - 1);
    return { x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2 };
  }, [phrase, nth]);
}

/** Selects `phrase` by dragging the mouse across it, as a reader does. */
export async function dragSelect(page, phrase, nth = 0) {
  await page.evaluate(([phrase]) => {
    const root = document.getElementById('article');
    const idx = root.textContent.indexOf(phrase);
    if (idx < 0) return;
    // Bring the phrase into view first.
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let seen = 0;
    while (walker.nextNode()) {
      const n = walker.currentNode;
      if (seen + n.data.length > idx) { n.parentElement.scrollIntoView({ block: 'center' }); break; }
      seen += n.data.length;
    }
  }, [phrase]);
  const p = await phrasePoints(page, phrase, nth);
  await page.mouse.move(p.x1, p.y1);
  await page.mouse.down();
  await page.mouse.move((p.x1 + p.x2) / 2, (p.y1 + p.y2) / 2, { steps: 4 });
  await page.mouse.move(p.x2, p.y2, { steps: 4 });
  await page.mouse.up();
  await expect.poll(() => page.evaluate(() => String(window.getSelection()))).toBe(phrase);
}

/**
 * Lets a test fill the database: while the flag is set (in localStorage, so every tab and a
 * reload see it), writing an annotation record fails as a full disk makes it fail.
 */
export async function allowFullStorage(context) {
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      if (this.name === 'annotations' && localStorage.getItem('test/storage-full') === '1') {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.apply(this, args);
    };
  });
}
export const setFull = (page, full) => page.evaluate((full) => (full
  ? localStorage.setItem('test/storage-full', '1')
  : localStorage.removeItem('test/storage-full')), full);
