// Reader experience: colours, tags, overlaps, search, undo, keyboard, accessibility, phone, print.
import { test, expect } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dragSelect, openApp, watchConsole } from './helpers.mjs';

const marks = (page, text) => page.locator('article mark', { hasText: text });

async function highlight(page, phrase, nth = 0) {
  await dragSelect(page, phrase, nth);
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(page, phrase).first()).toBeVisible();
}

test('select → h → mark; Ctrl+Z removes it, Ctrl+Shift+Z brings it back', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await dragSelect(page, 'Basij Organization');
  await page.keyboard.press('h');
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await page.keyboard.press('Control+z');
  await expect(page.locator('article mark')).toHaveCount(0);
  await page.keyboard.press('Control+Shift+z');
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await page.keyboard.press('Control+z');
  await expect(page.locator('article mark')).toHaveCount(0);
  await page.keyboard.press('Control+y');
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  // The visible buttons do the same.
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.locator('article mark')).toHaveCount(0);
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  console.check();
});

test('colours: chosen in the toolbar, changed on the card, remembered, exported', async ({ page }) => {
  await openApp(page);
  await dragSelect(page, 'Qamar Javed Bajwa');
  const toolbar = page.getByRole('toolbar', { name: 'Annotate selection' });
  await toolbar.getByRole('radio', { name: 'Green' }).click();
  await expect(toolbar.getByRole('radio', { name: 'Green' })).toHaveAttribute('aria-checked', 'true');
  await toolbar.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(page, 'Qamar Javed Bajwa')).toHaveClass(/hl-green/);
  await expect(marks(page, 'Qamar Javed Bajwa')).toHaveAttribute('title', /Green highlight/);

  await page.locator('.card').first().getByRole('combobox', { name: 'Colour' }).selectOption('blue');
  await expect(marks(page, 'Qamar Javed Bajwa')).toHaveClass(/hl-blue/);
  // The last colour used becomes the default.
  await highlight(page, 'Ayatollah Ruhollah Khomeini');
  await expect(marks(page, 'Ayatollah Ruhollah Khomeini')).toHaveClass(/hl-blue/);
  // Undo restores the colour change too.
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(marks(page, 'Qamar Javed Bajwa')).toHaveClass(/hl-green/);
  await page.keyboard.press('Control+Shift+z');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).first().click()]);
  await download.saveAs('target/e2e-colours.json');
  const json = JSON.parse(readFileSync('target/e2e-colours.json', 'utf8'));
  const item = json.first.items[0];
  expect(item.target.styleClass).toBe('hl-blue');
  expect(item.stylesheet.type).toBe('CssStylesheet');
});

test('tags: Enter and comma add, one click removes, suggestions, export and filter', async ({ page }) => {
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await highlight(page, 'Islamic Revolutionary Guard Corps');
  const first = page.locator('.card').nth(0);
  const tagBox = first.getByRole('combobox', { name: 'Add tag' });
  await tagBox.fill('militia');
  await tagBox.press('Enter');
  await expect(first.locator('.tag')).toHaveText(['#militia×']);
  await first.getByRole('combobox', { name: 'Add tag' }).fill('iran, volunteers');
  await first.getByRole('combobox', { name: 'Add tag' }).press(',');
  await expect(first.locator('.tag')).toHaveCount(3);
  await first.getByRole('button', { name: 'Remove tag volunteers' }).click();
  await expect(first.locator('.tag')).toHaveCount(2);
  // Suggestions come from tags already used.
  await expect(page.locator('#tag-suggestions option')).toHaveCount(2);
  const second = page.locator('.card').nth(1);
  await second.getByRole('combobox', { name: 'Add tag' }).fill('militia');
  await second.getByRole('combobox', { name: 'Add tag' }).press('Enter');

  await page.getByRole('combobox', { name: 'Tag', exact: true }).selectOption('iran');
  await expect(page.locator('.card')).toHaveCount(1);
  await expect(page.getByText('1 of 2 match')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.locator('.card')).toHaveCount(2);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).first().click()]);
  await download.saveAs('target/e2e-tags.json');
  const json = JSON.parse(readFileSync('target/e2e-tags.json', 'utf8'));
  const bodies = [].concat(json.first.items[0].body);
  expect(bodies.filter((b) => b.purpose === 'tagging').map((b) => b.value).sort()).toEqual(['iran', 'militia']);

  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Markdown' }).click()]);
  await md.saveAs('target/e2e-tags.md');
  const text = readFileSync('target/e2e-tags.md', 'utf8');
  expect(text).toContain('> Basij Organization');
  expect(text).toContain('#militia');
});

test('search with / , the count of matches, filter by colour, clearing restores', async ({ page }) => {
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await dragSelect(page, 'Hassan Rouhani');
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await page.getByRole('textbox', { name: 'Note' }).fill('President at the time');
  await page.getByRole('textbox', { name: 'Note' }).press('Control+Enter');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  const search = page.getByRole('searchbox', { name: 'Search annotations' });
  await expect(search).toBeFocused();
  // Typing in the search box never fires shortcuts (h, n, j).
  await search.fill('');
  await page.keyboard.type('president');
  await expect(page.locator('.card')).toHaveCount(1);
  await expect(page.getByText('1 of 2 match')).toBeVisible();
  await expect(page.locator('article mark')).toHaveCount(2);
  await search.fill('');
  await expect(page.locator('.card')).toHaveCount(2);
  await page.getByRole('combobox', { name: 'Colour' }).first().selectOption('pink');
  await expect(page.locator('.card')).toHaveCount(0);
  await expect(page.getByText('0 of 2 match')).toBeVisible();
  // From the keyboard: the button goes with the filters, and the focus to the search field.
  await page.getByRole('button', { name: 'Clear filters' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.card')).toHaveCount(2);
  await expect(search).toBeFocused();
});

test('the selection toolbar stays beside the words when the page scrolls, and clear of the top bar', async ({ page }) => {
  await openApp(page);
  await dragSelect(page, 'Islamic Revolution');
  const bar = page.getByRole('toolbar', { name: 'Annotate selection' });
  await expect(bar).toBeVisible();
  const gap = async () => {
    const b = await bar.boundingBox();
    const top = await page.evaluate(() => getSelection().getRangeAt(0).getBoundingClientRect().top);
    return Math.round(top - b.y);
  };
  await expect.poll(gap).toBeGreaterThan(0); // above the words: there is room
  const before = await gap();
  await page.mouse.wheel(0, 150);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(100);
  expect(Math.abs((await gap()) - before)).toBeLessThanOrEqual(1);
  // A narrower window reflows the paragraph: the toolbar follows the words (centred on them,
  // kept 8 px inside the screen).
  const offset = async () => {
    const b = await bar.boundingBox();
    const r = await page.evaluate(() => {
      const r = getSelection().getRangeAt(0).getBoundingClientRect();
      return { x: (r.left + r.right) / 2, top: r.top, width: document.documentElement.clientWidth };
    });
    const left = Math.max(Math.min(r.x - b.width / 2, r.width - b.width - 8), 8);
    return { dx: Math.abs(b.x - left), dy: r.top - b.y };
  };
  await page.setViewportSize({ width: 900, height: 720 });
  await expect.poll(async () => (await offset()).dx).toBeLessThan(2);
  expect(Math.abs((await offset()).dy - before)).toBeLessThanOrEqual(1);
  // Words just under the top bar: the toolbar goes below them rather than under the bar.
  await page.evaluate(() => {
    const top = document.querySelector('.topbar').getBoundingClientRect().bottom;
    const r = getSelection().getRangeAt(0);
    window.scrollBy(0, r.getBoundingClientRect().top - top - 10);
    // Selected afresh where the words now are (the selection's change places the toolbar).
    getSelection().removeAllRanges();
    getSelection().addRange(r);
  });
  const topBar = await page.locator('.topbar').boundingBox();
  await expect.poll(gap).toBeLessThan(0); // below the words
  expect((await bar.boundingBox()).y).toBeGreaterThanOrEqual(topBar.y + topBar.height);
});

test('Copy puts the quote and where it is from on the clipboard; without a clipboard it says why', async ({ page, context }) => {
  const console = watchConsole(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Copy quote: Basij Organization' }).click();
  await expect(page.locator('.toast')).toHaveText('Copied the quote and its source');
  expect(await page.evaluate(() => navigator.clipboard.readText()))
    .toBe('“Basij Organization” — Pakistan Army Chief Makes Historic Visit to Iran (Al Monitor)');
  // A page served without https has no clipboard: the reader is told, nothing breaks.
  await page.evaluate(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true }));
  await page.getByRole('button', { name: 'Copy quote: Basij Organization' }).click();
  await expect(page.locator('.toast')).toHaveText('Could not copy the quote: this browser allows copying only on a secure (https) page.');
  console.check();
});

test('overlapping highlights are deeper and clicks cycle between them', async ({ page }) => {
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await dragSelect(page, 'Iran’s Basij');
  await page.getByRole('toolbar', { name: 'Annotate selection' }).getByRole('radio', { name: 'Pink' }).click();
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  const both = page.locator('article p').first().locator('mark.depth-2');
  await expect(both).toHaveText('Basij');
  // The inner highlight's colour fills the run; the other colour shows as an underline.
  await expect(both).toHaveClass(/hl-yellow/);
  await expect(both).toHaveClass(/under-pink/);
  // Each click on the shared run focuses the next of the two, and the third comes back round.
  const focused = page.locator('.card.focused .quote');
  await both.click();
  await expect(focused).toHaveCount(1);
  const first = (await focused.textContent()).includes('Basij Organization') ? 'Basij Organization' : 'Iran’s Basij';
  const second = first === 'Basij Organization' ? 'Iran’s Basij' : 'Basij Organization';
  await expect(focused).toContainText(first);
  await both.click();
  await expect(focused).toContainText(second);
  await both.click();
  await expect(focused).toContainText(first);
  await both.click();
  await expect(focused).toContainText(second);
});

test('keyboard: j/k move, Delete removes (undoable), ? lists shortcuts, Escape closes', async ({ page }) => {
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await highlight(page, 'three-day visit');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  // The newest highlight has the focus; k goes back, j forward.
  await page.keyboard.press('k');
  await expect(page.locator('.card.focused')).toContainText('Basij Organization');
  await expect(page.locator('.card.focused .quote')).toBeFocused();
  await page.keyboard.press('j');
  await expect(page.locator('.card.focused')).toContainText('three-day visit');
  await page.keyboard.press('k');
  await expect(page.locator('.card.focused')).toContainText('Basij Organization');
  await page.keyboard.press('Delete');
  await expect(page.locator('.card')).toHaveCount(1);
  await expect(page.getByRole('status').locator('.toast')).toHaveText('Deleted “Basij Organization” — Undo');
  await page.getByRole('button', { name: 'Undo', exact: true }).last().click();
  await expect(page.locator('.card')).toHaveCount(2);

  await page.keyboard.press('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(sheet).toBeVisible();
  await expect(sheet).toContainText('Next / previous annotation');
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();

  // Keyboard-only selection: extend a double-clicked word with Shift+arrows.
  await page.getByText('Bajwa also met').dblclick();
  for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowRight');
  await expect(page.getByRole('toolbar', { name: 'Annotate selection' })).toBeVisible();
  await page.keyboard.press('n');
  await expect(page.getByRole('textbox', { name: 'Note' })).toBeFocused();
  await page.keyboard.type('typed h and n here');
  await expect(page.locator('.card')).toHaveCount(3);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.card .note')).toHaveText('typed h and n here');
});

test('a highlight past the first 50 cards: clicking it or j shows its card, numbered, without showing the rest', async ({ page }) => {
  await openApp(page);
  // 60 highlights, one on each of the first 60 words found only once in the article, imported.
  const words = await page.evaluate(() => {
    const text = [...document.querySelectorAll('#article p')].map((p) => p.textContent).join('\n');
    const seen = new Set();
    const out = [];
    for (const m of text.matchAll(/[A-Za-z]{6,}/g)) {
      const w = m[0];
      if (seen.has(w)) continue;
      seen.add(w);
      if (text.indexOf(w) === text.lastIndexOf(w)) out.push([text.indexOf(w), w]);
    }
    return out.sort((a, b) => a[0] - b[0]).slice(0, 60).map(([, w]) => w);
  });
  expect(words).toHaveLength(60);
  const items = words.map((w, i) => ({
    '@context': 'http://www.w3.org/ns/anno.jsonld', type: 'Annotation', id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    motivation: 'highlighting', target: { source: 'urn:x', selector: { type: 'TextQuoteSelector', exact: w } },
  }));
  mkdirSync('target/e2e-files', { recursive: true });
  writeFileSync('target/e2e-files/sixty.json', JSON.stringify({ '@context': 'http://www.w3.org/ns/anno.jsonld', type: 'AnnotationPage', items }));
  await page.getByLabel('Import').setInputFiles('target/e2e-files/sixty.json');
  await expect(page.getByRole('status').filter({ hasText: '60 items: 60 placed' })).toBeVisible();
  await expect(page.locator('.card')).toHaveCount(50);
  await expect(page.getByRole('button', { name: 'Show 10 more' })).toBeVisible();

  // The card past the list says where it is.
  const selected = page.locator('.card', { has: page.locator('.past') });
  await expect(selected).toHaveCount(0);
  const mark55 = page.locator('article mark', { hasText: words[54] });
  await mark55.scrollIntoViewIfNeeded();
  const before = await page.evaluate(() => scrollY);
  await mark55.click();
  await expect(selected.and(page.locator('.focused'))).toContainText(words[54]);
  // The panel scrolls to the whole card; the text stays where it was clicked.
  await expect(selected.and(page.locator('.focused'))).toBeInViewport({ ratio: 1 });
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => scrollY)).toBe(before);
  await expect(page.getByText('Number 55 of 60 in text order.')).toBeVisible();
  await expect(page.locator('.card')).toHaveCount(51);
  // j moves on to the next one, shown the same way; k from the 51st goes back into the list.
  await page.keyboard.press('j');
  await expect(selected.and(page.locator('.focused'))).toContainText(words[55]);
  await expect(selected.locator('.quote')).toBeFocused();
  await expect(page.locator('article mark', { hasText: words[55] })).toBeInViewport();
  await expect(page.getByText('Number 56 of 60 in text order.')).toBeVisible();
  await page.locator('article mark', { hasText: words[50] }).click();
  await expect(page.getByText('Number 51 of 60 in text order.')).toBeVisible();
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('k');
  await expect(page.locator('.card.focused')).toContainText(words[49]);
  await expect(selected).toHaveCount(0);
  await expect(page.locator('.card')).toHaveCount(50);
  await page.locator('article mark', { hasText: words[57] }).click();
  await expect(page.getByText('Number 58 of 60 in text order.')).toBeVisible();
  // Note on a new highlight after all of them (the article's last words): its card, the 61st,
  // past the 50 listed, opens with the note editor.
  const tail = (await page.locator('#article p').last().textContent()).trim().split(/\s+/).slice(-3).join(' ');
  await dragSelect(page, tail);
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await page.getByRole('textbox', { name: 'Note' }).fill('a note past the list');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(selected).toContainText('Number 61 of 61 in text order.');
  await expect(selected.locator('.note')).toHaveText('a note past the list');
  // Once the list reaches it, it is listed in its place and not twice.
  await page.getByRole('button', { name: 'Show 11 more' }).click();
  await expect(selected).toHaveCount(0);
  await expect(page.locator('.card')).toHaveCount(61);
  // The button is gone; the focus is on the first card it brought.
  await expect(page.locator('.card').nth(50).locator('.quote')).toBeFocused();
  await expect(page.locator('.card.focused')).toContainText(tail);
});

test('Clear all and import are undoable as one step each', async ({ page }) => {
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await highlight(page, 'three-day visit');
  const quotes = () => page.locator('.card .quote').allTextContents();
  const undo = page.getByRole('button', { name: 'Undo', exact: true }).first();
  const redo = page.getByRole('button', { name: 'Redo', exact: true });

  // Each annotation's id and `modified`, as the downloaded JSON says them.
  const stamps = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).first().click()]);
    const json = JSON.parse(readFileSync(await download.path(), 'utf8'));
    return json.first.items.map((a) => [a.id, a.modified]).sort();
  };
  const before = await stamps();
  expect(before).toHaveLength(2);
  // Two timestamps apart: an Undo that stamped the restored annotations anew would show.
  await page.waitForTimeout(50);

  // Clear all: one Undo brings both back, exactly as they were, one Redo clears both again.
  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.locator('article mark')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(page.locator('article mark')).toHaveCount(2);
  expect(await stamps()).toEqual(before);
  await redo.click();
  await expect(page.locator('article mark')).toHaveCount(0);
  await undo.click();
  await expect(page.locator('.card')).toHaveCount(2);

  // An import of three: one Undo takes away the three and nothing else, one Redo brings them back.
  const three = ['Hassan Rouhani', 'Islamic Revolutionary Guard Corps', 'Foreign Minister'];
  const items = three.map((exact, i) => ({
    '@context': 'http://www.w3.org/ns/anno.jsonld', type: 'Annotation', id: `urn:uuid:00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    motivation: 'highlighting', target: { source: 'urn:x', selector: { type: 'TextQuoteSelector', exact } },
  }));
  await page.getByLabel('Import').setInputFiles({
    name: 'three.json', mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ '@context': 'http://www.w3.org/ns/anno.jsonld', type: 'AnnotationPage', items })),
  });
  await expect(page.getByRole('status').filter({ hasText: '3 items: 3 placed' })).toBeVisible();
  await expect(page.locator('.card')).toHaveCount(5);
  await undo.click();
  await expect(page.locator('.card')).toHaveCount(2);
  expect((await quotes()).join(' | ')).not.toMatch(/Rouhani|Revolutionary|Foreign Minister/);
  await expect(page.locator('article mark', { hasText: 'Basij Organization' })).toHaveCount(1);
  await expect(page.locator('article mark', { hasText: 'three-day visit' })).toHaveCount(1);
  await redo.click();
  await expect(page.locator('.card')).toHaveCount(5);
  for (const exact of three) await expect(page.locator('article mark', { hasText: exact }).first()).toBeVisible();
});

test('print: no controls, notes as numbered footnotes', async ({ page }) => {
  await openApp(page);
  await dragSelect(page, 'Hassan Rouhani');
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await page.getByRole('textbox', { name: 'Note' }).fill('President 2013–2021');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.panel')).toBeHidden();
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.locator('.print-notes li')).toHaveText(['Hassan Rouhani — President 2013–2021']);
  // The focused highlight's ring is the screen's, not the page's.
  await expect(page.locator('mark.hl.active')).toHaveCount(1);
  await expect(page.locator('mark.hl.active')).toHaveCSS('outline-style', 'none');
  const marker = await page.locator('.note-mark').evaluate((el) => getComputedStyle(el, '::before').content);
  expect(marker).toContain('counter');
});

test('phone: no sideways scrolling at 360 px, panel as a bottom sheet, touch tap on a highlight', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await openApp(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(await page.locator('.panel').evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
  // The top bar is one row (its tools scroll sideways), and its last tool is reachable.
  expect((await page.locator('.topbar').boundingBox()).height).toBeLessThan(70);
  // The row's edges fade, so that a tool cut off at the edge says there are more; the last one,
  // scrolled to, stands clear of the fade.
  const tools = page.getByRole('navigation', { name: 'Annotation tools' });
  expect(await tools.evaluate((el) => getComputedStyle(el).maskImage)).toContain('linear-gradient');
  expect(await tools.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).scrollIntoViewIfNeeded();
  const fade = await tools.evaluate((el) => parseFloat(getComputedStyle(el).paddingRight));
  const bar = await tools.boundingBox();
  const last = await page.getByRole('button', { name: 'Keyboard shortcuts' }).boundingBox();
  expect(fade).toBeGreaterThan(10);
  expect(last.x + last.width).toBeLessThanOrEqual(bar.x + bar.width - fade + 1);
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).tap();
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.getByRole('button', { name: 'Close' }).tap();
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeHidden();
  // The sheet starts closed, as its title bar: the article has the screen.
  const sheet = page.getByRole('complementary', { name: 'Annotations' });
  const toggle = sheet.getByRole('button', { name: 'Show' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  expect((await sheet.boundingBox()).height).toBeLessThan(740 * 0.12);
  await expect(page.getByRole('searchbox', { name: 'Search annotations' })).toBeHidden();
  await dragSelect(page, 'Basij Organization');
  // The selection toolbar is most of the screen wide here: it stays whole on the screen
  // (it once ran off the right edge, taking the Note button with it).
  const selBar = page.getByRole('toolbar', { name: 'Annotate selection' });
  await expect(selBar.getByRole('button', { name: 'Note' })).toBeInViewport({ ratio: 1 });
  await expect.poll(async () => {
    const b = await selBar.boundingBox();
    return b.x >= 0 && b.x + b.width <= 360;
  }).toBe(true);
  await page.getByRole('button', { name: 'Highlight', exact: true }).tap();
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await expect(sheet.getByRole('button', { name: 'Show (1)' })).toBeVisible();
  // Tapping a highlight opens the sheet on its card; Hide closes it.
  await marks(page, 'Basij Organization').tap();
  await expect(page.locator('.card.focused')).toContainText('Basij Organization');
  await expect(page.locator('.card.focused')).toBeInViewport();
  await page.screenshot({ path: 'target/screenshots/phone.png' });
  await sheet.getByRole('button', { name: 'Hide' }).tap();
  await expect(page.locator('.card')).toBeHidden();
  await expect(sheet.getByRole('button', { name: 'Show (1)' })).toHaveAttribute('aria-expanded', 'false');
  await sheet.getByRole('button', { name: 'Show (1)' }).tap();
  await expect(page.locator('.card')).toBeVisible();
  // A toast stands clear of the closed sheet's title bar.
  await sheet.getByRole('button', { name: 'Hide' }).tap();
  await page.keyboard.press('Delete');
  const toast = page.locator('.toast', { hasText: 'Deleted' });
  await expect(toast).toBeVisible();
  const [toastBox, sheetBox] = await Promise.all([toast.boundingBox(), sheet.boundingBox()]);
  expect(toastBox.y + toastBox.height).toBeLessThanOrEqual(sheetBox.y);
  await toast.getByRole('button', { name: 'Undo' }).tap();
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  // On a 320 px screen the toolbar is wider than the screen allows: it wraps, still whole.
  await page.setViewportSize({ width: 320, height: 740 });
  await dragSelect(page, 'Islamic Revolution');
  await expect(selBar.getByRole('button', { name: 'Note' })).toBeInViewport({ ratio: 1 });
  await expect(selBar.getByRole('button', { name: 'Highlight', exact: true })).toBeInViewport({ ratio: 1 });
  await expect.poll(async () => {
    const b = await selBar.boundingBox();
    return b.x >= 0 && b.x + b.width <= 320;
  }).toBe(true);
  await context.close();
});

test('phone: Note opens the bottom sheet with the note field focused, so typing writes the note', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const console = watchConsole(page);
  await openApp(page);
  // The toolbar's Note button, tapped.
  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Note', exact: true }).tap();
  const note = page.getByRole('textbox', { name: 'Note' });
  await expect(note).toBeFocused();
  await page.keyboard.type('Founded 1979, on Khomeini’s orders.');
  await expect(note).toHaveValue('Founded 1979, on Khomeini’s orders.');
  await page.getByRole('button', { name: 'Save' }).tap();
  await expect(page.locator('.card .note')).toHaveText(['Founded 1979, on Khomeini’s orders.']);
  // The `n` key with the sheet closed (a phone with a keyboard).
  await page.getByRole('complementary', { name: 'Annotations' }).getByRole('button', { name: 'Hide' }).tap();
  await dragSelect(page, 'Hassan Rouhani');
  await page.keyboard.press('n');
  await expect(note).toBeFocused();
  await page.keyboard.type('President 2013–2021');
  await expect(note).toHaveValue('President 2013–2021');
  await expect(marks(page, 'Hassan Rouhani')).toHaveCount(1);
  console.check();
  await context.close();
});

test('phone: the bottom sheet opening on a highlight moves the text so that the highlight stays in view above it', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await openApp(page);
  // Visible between the top bar and the sheet's top edge.
  const inView = async (phrase) => {
    const [mark, bar, sheet] = await Promise.all([
      marks(page, phrase).first().boundingBox(), page.locator('.topbar').boundingBox(), page.locator('.panel').boundingBox()]);
    return mark.y >= bar.y + bar.height && mark.y + mark.height <= sheet.y;
  };
  // Moves `phrase` to 85% of the screen's height, where the open sheet would cover it.
  const lower = (phrase) => page.evaluate((phrase) => {
    const mark = [...document.querySelectorAll('article mark')].find((m) => m.textContent.includes(phrase));
    window.scrollBy(0, mark.getBoundingClientRect().top - window.innerHeight * 0.85);
  }, phrase);

  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Highlight', exact: true }).tap();
  // Tapping a highlight low on the screen (its card's sheet opens over it).
  await lower('Basij Organization');
  await marks(page, 'Basij Organization').tap();
  await expect(page.locator('.card.focused')).toBeInViewport();
  await expect.poll(() => inView('Basij Organization')).toBe(true);

  // A new note with the selection low on the screen: its highlight, drawn as the sheet opens,
  // is moved out from under it.
  await page.getByRole('complementary', { name: 'Annotations' }).getByRole('button', { name: 'Hide' }).tap();
  await dragSelect(page, 'Hassan Rouhani');
  // Now at 85% of the screen's height.
  await page.evaluate(() => window.scrollBy(0, -window.innerHeight * 0.35));
  expect(await page.evaluate(() => getSelection().getRangeAt(0).getBoundingClientRect().top / innerHeight)).toBeGreaterThan(0.75);
  await page.keyboard.press('n');
  await expect(page.getByRole('textbox', { name: 'Note' })).toBeFocused();
  await expect.poll(() => inView('Hassan Rouhani')).toBe(true);
  await context.close();
});

test('between phone and desktop widths the top bar stays one row and never covers the panel', async ({ browser }) => {
  for (const width of [820, 1024]) {
    const context = await browser.newContext({ viewport: { width, height: 700 } });
    const page = await context.newPage();
    await openApp(page);
    const bar = await page.locator('.topbar').boundingBox();
    expect(bar.height, `${width} px`).toBeLessThan(60);
    // Down the page, the panel's heading and search box are still below the bar, in full.
    await page.evaluate(() => window.scrollTo(0, 600));
    const panel = page.getByRole('complementary', { name: 'Annotations' });
    const heading = await panel.getByRole('heading', { name: 'Annotations' }).boundingBox();
    expect(heading.y, `${width} px`).toBeGreaterThanOrEqual(bar.y + bar.height - 1);
    // Every tool can be reached: the last one, scrolled to, is whole and can be used.
    const help = page.getByRole('button', { name: 'Keyboard shortcuts' });
    await help.scrollIntoViewIfNeeded();
    await expect(help).toBeInViewport({ ratio: 1 });
    await help.click();
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    await context.close();
  }
});

test('a new highlight low in the article: the panel brings its card into view, the article stays where it is', async ({ page }) => {
  await openApp(page);
  const text = ['# Long notes', ...Array.from({ length: 60 }, (_, i) => `Paragraph ${i + 1} is about topic number ${i + 1} and a few more words.`)].join('\n\n');
  await page.getByRole('button', { name: 'Library' }).click();
  const lib = page.getByRole('dialog', { name: 'Library' });
  await lib.getByLabel('Or paste text').fill(text);
  await lib.getByRole('button', { name: 'Open pasted text' }).click();
  await expect(page.locator('article p')).toHaveCount(60);
  for (let i = 1; i <= 14; i++) await highlight(page, `topic number ${i} and`);
  await expect(page.locator('.card')).toHaveCount(14);
  const panel = page.locator('.panel');
  await panel.evaluate((p) => { p.scrollTop = 0; });
  expect(await panel.evaluate((p) => p.scrollHeight > p.clientHeight)).toBe(true);

  await dragSelect(page, 'topic number 58 and');
  const scrollY = await page.evaluate(() => window.scrollY);
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  const card = page.locator('.card.focused');
  await expect(card).toContainText('topic number 58 and');
  // Within the panel's view (and the window's), with the article not moved.
  await expect.poll(() => card.evaluate((c) => {
    const p = c.closest('.panel').getBoundingClientRect();
    const r = c.getBoundingClientRect();
    return r.top >= p.top - 1 && r.bottom <= p.bottom + 1;
  })).toBe(true);
  await expect(card).toBeInViewport();
  expect(await page.evaluate(() => window.scrollY)).toBe(scrollY);
});
