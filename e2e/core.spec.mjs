// The annotator core, driven as a reader: select, highlight, note, reload, download.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { dragSelect, openApp, phrasePoints, watchConsole } from './helpers.mjs';

test('the article loads with no console errors', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await expect(page).toHaveTitle(/Marginalia/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pakistan Army Chief Makes Historic Visit to Iran');
  await expect(page.locator('article p')).toHaveCount(7);
  await expect(page.locator('article')).toContainText('Source:\u00a0Al Monitor');
  await expect(page.locator('body')).not.toContainText('Leave a Reply');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/article.png', fullPage: false });
  console.check();
});

test('highlight, note, reload, download', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);

  await dragSelect(page, 'Basij Organization');
  const toolbar = page.getByRole('toolbar', { name: 'Annotate selection' });
  await expect(toolbar).toBeVisible();
  await toolbar.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('article mark', { hasText: 'Basij Organization' })).toHaveCount(1);
  await expect(toolbar).toBeHidden();

  await dragSelect(page, 'three-day visit');
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  const note = page.getByRole('textbox', { name: 'Note' });
  await expect(note).toBeFocused();
  await note.fill('Check the dates: <b>three</b> days?');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.card .note')).toHaveText('Check the dates: <b>three</b> days?');
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/annotated.png' });

  await page.reload();
  await expect(page.locator('article mark', { hasText: 'Basij Organization' })).toHaveCount(1);
  await expect(page.locator('article mark', { hasText: 'three-day visit' })).toHaveCount(1);
  await expect(page.locator('.card .note')).toHaveText('Check the dates: <b>three</b> days?');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download annotations' }).first().click(),
  ]);
  expect(download.suggestedFilename()).toBe('pakistan-army-chief-iran-annotations.json');
  const path = 'target/e2e-download.json';
  await download.saveAs(path);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  expect(json.type).toContain('AnnotationCollection');
  const items = json.first.items;
  const exacts = items.map((a) => a.target.selector.find((s) => s.type === 'TextQuoteSelector').exact);
  expect(exacts).toEqual(['Basij Organization', 'three-day visit']);
  expect(JSON.stringify(items[1].body)).toContain('Check the dates: <b>three</b> days?');
  const checker = '../shared/tools/validate-w3c.py';
  if (existsSync(checker)) {
    try {
      // The venv `make w3c` sets up when the system Python lacks the checker's packages.
      const python = existsSync('target/w3c-venv/bin/python') ? 'target/w3c-venv/bin/python' : 'python3';
      execFileSync(python, ['-c', 'import jsonschema, rfc3987'], { stdio: 'pipe' });
      execFileSync(python, [checker, path], { stdio: 'pipe' });
    } catch (e) {
      if (String(e.stderr || e.stdout || e).includes('No module named')) test.info().annotations.push({ type: 'skip', description: 'jsonschema missing' });
      else throw new Error(`W3C checker failed:\n${e.stdout}${e.stderr}`);
    }
  }
  console.check();
});

test('Escape on an empty new note leaves no highlight; selections outside the article show no toolbar', async ({ page }) => {
  await openApp(page);
  await dragSelect(page, 'Foreign Minister');
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'Note' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.locator('article mark')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();

  // A selection in the heading (outside the article's paragraphs) shows no toolbar: once the
  // app has had the selectionchange it listens to (and the frame after it), there is none.
  await page.evaluate(() => {
    window.__headingSelected = new Promise((resolve) => {
      document.addEventListener('selectionchange', function seen() {
        const s = getSelection();
        if (s.isCollapsed || !document.querySelector('h1').contains(s.anchorNode)) return;
        document.removeEventListener('selectionchange', seen);
        requestAnimationFrame(() => setTimeout(() => resolve(String(s)), 0));
      });
    });
  });
  // On a word of the title (the middle of the heading's box can be past its text: a newline).
  const word = await phrasePoints(page, 'Pakistan');
  await page.mouse.dblclick(word.x1 + 2, word.y1);
  expect((await page.evaluate(() => window.__headingSelected)).trim()).toBe('Pakistan');
  await expect(page.getByRole('toolbar', { name: 'Annotate selection' })).toBeHidden();
});

test('a selection across two paragraphs is one annotation shown in both', async ({ page }) => {
  await openApp(page);
  const p = await page.evaluate(() => {
    const ps = document.querySelectorAll('article p');
    const r1 = document.createRange();
    const t1 = ps[0].firstChild; r1.setStart(t1, t1.data.length - 20); r1.setEnd(t1, t1.data.length - 19);
    const t2 = ps[1].firstChild; const r2 = document.createRange(); r2.setStart(t2, 10); r2.setEnd(t2, 11);
    const a = r1.getBoundingClientRect(); const b = r2.getBoundingClientRect();
    return { x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2 };
  });
  await page.mouse.move(p.x1, p.y1);
  await page.mouse.down();
  await page.mouse.move(p.x2, p.y2, { steps: 6 });
  await page.mouse.up();
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('article p').nth(0).locator('mark')).toHaveCount(1);
  await expect(page.locator('article p').nth(1).locator('mark')).toHaveCount(1);
  await expect(page.locator('.card')).toHaveCount(1);
});

test('the release page paints the bundled article before the app loads, and nothing moves when the app takes over', async ({ page, browser }) => {
  // Hold the WebAssembly: what is on screen is index.html's static copy.
  const held = await browser.newPage();
  await held.route(/\.wasm$/, () => {});
  await held.goto('/');
  const staticCopy = held.locator('.prerender');
  await expect(staticCopy.locator('h1')).toHaveText('Pakistan Army Chief Makes Historic Visit to Iran');
  await expect(staticCopy.locator('article p')).toHaveCount(7);
  const box = (loc) => loc.boundingBox().then((b) => b && [b.x, b.y, b.width, b.height].map(Math.round));
  const before = [await box(staticCopy.locator('h1')), await box(staticCopy.locator('article p').first()),
    await box(staticCopy.locator('article p').last())];
  await held.close();
  // Another document's address: the static copy of the bundled article is never shown.
  const other = await browser.newPage();
  await other.route(/\.wasm$/, () => {});
  await other.goto('/#doc=some-other-document');
  await expect(other.locator('.prerender')).toHaveCount(1);
  await expect(other.locator('.prerender')).toBeHidden();
  await other.close();

  await openApp(page);
  await expect(page.locator('.prerender')).toHaveCount(0);
  const after = [await box(page.locator('#article h1')), await box(page.locator('#article p').first()),
    await box(page.locator('#article p').last())];
  expect(after).toEqual(before);
});

test('when the app cannot start, the article stays readable and a message says why', async ({ page }) => {
  // The app's JS glue altered on the way: its integrity check (an import map) refuses it.
  await page.route(/\/marginalia-[0-9a-f]+\.js$/, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: 'export default async function init() {}' }));
  await page.goto('/');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Marginalia could not start, so highlighting is off.');
  await expect(alert).toContainText('The article can still be read');
  // The static copy is given back to assistive technology: its heading and text are there.
  await expect(page.getByRole('heading', { level: 1, name: 'Pakistan Army Chief Makes Historic Visit to Iran' })).toBeVisible();
  await expect(page.getByText('Source: Al Monitor')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
  await expect(page.getByText('Select words in the article')).toHaveCount(0);
  await expect(page.getByText('Highlighting is off: see the message at the top of the page.')).toBeVisible();
});

test('an altered WebAssembly file is refused, not run', async ({ page }) => {
  // The wasm changed on the way, yet still a valid module that would run (a custom section
  // added at its end): the loader fetches it with its integrity, so the browser refuses it (a
  // preload's integrity alone is ignored for a fetch).
  const messages = [];
  page.on('console', (m) => messages.push(m.text()));
  let served = 0;
  await page.route(/\.wasm$/, async (route) => {
    const response = await route.fetch();
    const body = Buffer.concat([await response.body(), Buffer.from([0, 5, 4, ...Buffer.from('evil')])]);
    served += 1;
    await route.fulfill({ response, body });
  });
  await page.goto('/');
  await expect(page.getByRole('alert')).toContainText('Marginalia could not start, so highlighting is off.');
  await expect(page.locator('#article')).toHaveCount(0);
  expect(served).toBe(1); // the preload and the loader's fetch are one request
  expect(messages.join('\n')).toContain('integrity');
});

test('the unaltered build loads its wasm once and logs no warning', async ({ page }) => {
  const messages = [];
  page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') messages.push(m.text()); });
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url()); });
  await openApp(page);
  await expect(page.locator('#article [data-block]').first()).toBeVisible(); // the app, not the static copy
  // A second load would be a request: none is left to come once the network is idle.
  await page.waitForLoadState('networkidle');
  expect(wasm).toHaveLength(1);
  expect(messages).toEqual([]);
});

test('highlighting the same words twice keeps one card: focused, or recoloured with another colour (undoable)', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  const toolbar = page.getByRole('toolbar', { name: 'Annotate selection' });
  const highlight = toolbar.getByRole('button', { name: 'Highlight', exact: true });
  const cards = page.locator('.card');

  await dragSelect(page, 'Basij Organization');
  await highlight.click();
  await expect(cards).toHaveCount(1);

  await dragSelect(page, 'Basij Organization');
  await highlight.click();
  await expect(cards).toHaveCount(1);
  await expect(page.locator('article mark', { hasText: 'Basij Organization' })).toHaveCount(1);
  await expect(cards.first()).toHaveClass(/focused/);
  await expect(cards.first()).toHaveClass(/c-yellow/);
  await expect(page.getByRole('status').locator('.toast')).toHaveText('Already highlighted');

  await dragSelect(page, 'Basij Organization');
  await toolbar.getByRole('radio', { name: 'Blue' }).click();
  await highlight.click();
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toHaveClass(/c-blue/);
  await expect(cards.first()).toHaveClass(/focused/);
  await expect(cards.first().getByRole('combobox', { name: 'Colour' })).toHaveValue('blue');
  await expect(page.getByRole('status').locator('.toast')).toContainText('Colour changed to Blue');

  await page.keyboard.press('Control+z');
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toHaveClass(/c-yellow/);
  console.check();
});
