// The README's pictures, taken from the release build (dist/, made by `make dist`) in Debian's
// headless Chromium, as a reader would make them: on the bundled article, a highlight with a
// note and tags, and two more highlights in other colours.
//
//   docs/screenshot.png        desktop, 1280×800, light
//   docs/screenshot-phone.png  phone, 360×740, touch, the panel's bottom sheet open on the card
//
// Usage: node scripts/screenshots.mjs [DIST] [OUT_DIR]   (`make screenshots`; CHROMIUM=… to use
// another browser). Each page starts from an empty profile, so nothing of the reader's own is shown.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = process.argv[2] || join(ROOT, 'dist');
const OUT = process.argv[3] || join(ROOT, 'docs');
// As playwright.config.mjs launches it for the end-to-end tests.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage', '--hide-scrollbars'];
// Pictures in the repository are kept small.
const MAX_BYTES = 300 * 1024;

if (!existsSync(join(DIST, 'index.html'))) {
  console.error(`screenshots: ${DIST}/index.html is missing; build it first with: make dist`);
  process.exit(1);
}

/** A port nobody is listening on (the end-to-end tests use 4173; they may run meanwhile). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Serves `dir` with e2e/serve.mjs and resolves once it answers. */
async function serve(dir, port) {
  const server = spawn(process.execPath, [join(ROOT, 'e2e', 'serve.mjs'), dir, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return server;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error(`screenshots: the server for ${dir} did not answer on ${url}`);
}

/** Opens the app and waits until it, not the prerendered copy, holds the article. */
async function open(page, base) {
  await page.goto(base);
  await page.locator('#article [data-block]').first().waitFor();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** Selects `phrase` in the article by dragging the mouse across it, as e2e/helpers.mjs does. */
async function dragSelect(page, phrase) {
  const p = await page.evaluate((phrase) => {
    const root = document.getElementById('article');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = '';
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
    const at = text.indexOf(phrase);
    if (at < 0) throw new Error(`"${phrase}" is not in the article`);
    const locate = (i) => {
      for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]];
      return nodes[0];
    };
    locate(at)[0].parentElement.scrollIntoView({ block: 'center' });
    const rectOf = (i) => {
      const [node, off] = locate(i);
      const r = document.createRange();
      r.setStart(node, off); r.setEnd(node, off + 1);
      return r.getBoundingClientRect();
    };
    const first = rectOf(at);
    const last = rectOf(at + phrase.length - 1);
    return { x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2 };
  }, phrase);
  await page.mouse.move(p.x1, p.y1);
  await page.mouse.down();
  await page.mouse.move((p.x1 + p.x2) / 2, (p.y1 + p.y2) / 2, { steps: 4 });
  await page.mouse.move(p.x2, p.y2, { steps: 4 });
  await page.mouse.up();
  for (let i = 0; i < 50 && (await page.evaluate(() => String(window.getSelection()))) !== phrase; i++) {
    await page.waitForTimeout(50);
  }
  await page.getByRole('toolbar', { name: 'Annotate selection' }).waitFor();
}

/** Highlights `phrase` in `colour` (the toolbar's colour choice) with a click, or a tap on a phone. */
async function highlight(page, phrase, colour, touch) {
  await dragSelect(page, phrase);
  const toolbar = page.getByRole('toolbar', { name: 'Annotate selection' });
  const press = (locator) => (touch ? locator.tap() : locator.click());
  await press(toolbar.getByRole('radio', { name: colour }));
  await press(toolbar.getByRole('button', { name: 'Highlight', exact: true }));
  await page.locator('article mark', { hasText: phrase }).first().waitFor();
}

/** Highlights `phrase` in `colour` with the toolbar's Note, writes `note`, saves it, and tags the card. */
async function annotate(page, phrase, colour, note, tags, touch) {
  await dragSelect(page, phrase);
  const toolbar = page.getByRole('toolbar', { name: 'Annotate selection' });
  const press = (locator) => (touch ? locator.tap() : locator.click());
  await press(toolbar.getByRole('radio', { name: colour }));
  await press(toolbar.getByRole('button', { name: 'Note', exact: true }));
  const field = page.getByRole('textbox', { name: 'Note' });
  await field.waitFor();
  await field.fill(note);
  await field.press('Control+Enter');
  const card = page.locator('.card', { hasText: note });
  await card.waitFor();
  const tagBox = card.getByRole('combobox', { name: 'Add tag' });
  await tagBox.fill(tags.join(', '));
  await tagBox.press('Enter');
  await card.locator('.tag').nth(tags.length - 1).waitFor();
  return card;
}

/** Leaves the page at rest: no selection, no focus ring, nothing still moving. */
async function settle(page) {
  await page.evaluate(() => {
    window.getSelection().removeAllRanges();
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  });
  await page.waitForTimeout(400);
}

async function shoot(page, name) {
  const path = join(OUT, name);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  const bytes = statSync(path).size;
  console.log(`screenshots: ${path} (${bytes.toLocaleString('en')} B)`);
  if (bytes > MAX_BYTES) throw new Error(`screenshots: ${path} is ${bytes} B, over ${MAX_BYTES}`);
}

const NOTE = 'Bajwa wants to learn from the Basij, a volunteer militia: compare what the Iran-Iraq War made of it.';
const TAGS = ['basij', 'pakistan'];

async function desktop(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await context.newPage();
  await open(page, base);
  await highlight(page, 'Qamar Javed Bajwa', 'Blue', false);
  await highlight(page, 'a new era in Iran-Pakistan military relations', 'Green', false);
  await highlight(page, 'the support of the people', 'Pink', false);
  // Last, so that its card is the focused one.
  await annotate(page, 'expressed interest in learning from Iran’s Basij Organization', 'Yellow', NOTE, TAGS, false);
  await settle(page);
  // The article and the panel from their tops: the panel's title and search, then the cards.
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    for (const el of document.querySelectorAll('.panel, .panel *')) if (el.scrollTop) el.scrollTop = 0;
  });
  await page.waitForTimeout(200);
  await shoot(page, 'screenshot.png');
  await context.close();
}

async function phone(browser, base) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true, colorScheme: 'light',
  });
  const page = await context.newPage();
  await open(page, base);
  await highlight(page, 'Qamar Javed Bajwa', 'Blue', true);
  const card = await annotate(page, 'expressed interest in learning from Iran’s Basij Organization', 'Yellow', NOTE, TAGS, true);
  // The sheet stays open on the card, its highlight moved into view above it.
  await card.waitFor();
  await settle(page);
  await shoot(page, 'screenshot-phone.png');
  await context.close();
}

mkdirSync(OUT, { recursive: true });
const port = await freePort();
const server = await serve(DIST, port);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
try {
  await desktop(browser, `http://127.0.0.1:${port}/`);
  await phone(browser, `http://127.0.0.1:${port}/`);
} finally {
  await browser.close();
  server.kill();
}
