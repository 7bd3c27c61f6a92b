// Readers' own articles: open a file, the library, deep links, carrying annotations over.
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dragSelect, openApp, watchConsole } from './helpers.mjs';

mkdirSync('target/e2e-files', { recursive: true });
const NOTES_V1 = `# Field Notes on Reading

Readers keep **notes** in the margins of *good* books, and [the web](https://example.org) should allow the same.

> A quoted passage worth remembering.

- first point about margins
- second point about memory

Raw <img src=x onerror="window.__pwned=1"> HTML stays text.
`;
const NOTES_V2 = NOTES_V1.replace('Readers keep', 'Careful readers keep').replace('second point about memory', 'second point, about memory');

/** Presses `button` of `message` from the keyboard: the message goes, and the focus goes to
 * the title of the document shown (not to the page, which would send a keyboard reader back to
 * the top). */
async function answerFromKeyboard(page, message, button) {
  await expect(message).toBeVisible();
  await message.getByRole('button', { name: button }).focus();
  await page.keyboard.press('Enter');
  await expect(message).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
}

async function openFile(page, name, text) {
  const path = `target/e2e-files/${name}`;
  writeFileSync(path, text);
  await page.getByRole('button', { name: 'Library' }).click();
  await page.getByRole('dialog', { name: 'Library' }).getByLabel('Open a file').setInputFiles(path);
}

test('open a .md file → heading → highlight → bundled article has its own → reload keeps both', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await openFile(page, 'notes.md', NOTES_V1);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Field Notes on Reading');
  await expect(page).toHaveTitle(/Field Notes on Reading/);
  await expect(page.locator('article strong')).toHaveText('notes');
  const link = page.locator('article a');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(page.locator('article blockquote')).toHaveText('A quoted passage worth remembering.');
  // A list's items sit together; the list keeps a paragraph's space after it.
  const items = await page.locator('article .list-item').evaluateAll((ps) => ps.map((p) => p.getBoundingClientRect()));
  const after = await page.locator('article .list-item + p:not(.list-item)').boundingBox();
  expect(items).toHaveLength(2);
  expect(items[1].top - items[0].bottom).toBeLessThan(after.y - items[1].bottom - 8);
  await expect(page.locator('article')).toContainText('<img src=x onerror="window.__pwned=1">');
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();

  await dragSelect(page, 'margins of good books');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('article mark')).toHaveText(['margins of ', 'good', ' books']);

  await page.getByRole('button', { name: 'Library' }).click();
  const lib = page.getByRole('dialog', { name: 'Library' });
  await expect(lib.getByRole('button', { name: 'Field Notes on Reading', exact: true })).toBeVisible();
  await lib.getByRole('button', { name: 'Pakistan Army Chief Makes Historic Visit to Iran' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pakistan Army Chief Makes Historic Visit to Iran');
  await expect(page.locator('article mark')).toHaveCount(0);
  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();

  await page.reload();
  await expect(page.locator('article mark')).toHaveText(['Basij Organization']);
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Field Notes on Reading');
  await expect(page.locator('article mark')).toHaveCount(3);
  await page.goForward();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pakistan Army Chief Makes Historic Visit to Iran');

  await page.getByRole('button', { name: 'Library' }).click();
  await expect(page.getByRole('dialog', { name: 'Library' }).locator('li')).toHaveText([/Pakistan Army Chief.*1 annotation/, /Field Notes on Reading.*1 annotation/]);
  console.check();
});

test('deep links open a document at an annotation; removing a document is undoable', async ({ page }) => {
  await openApp(page);
  await openFile(page, 'notes.md', NOTES_V1);
  await dragSelect(page, 'second point about memory');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  const docUrl = page.url();
  const annotation = await page.locator('.card').first().getAttribute('data-card');
  const docId = new URL(docUrl).hash.match(/doc=([^&]+)/)[1];
  await page.goto(`/#doc=pakistan-army-chief-iran`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Pakistan/);
  await page.goto(`/#doc=${docId}&annotation=${encodeURIComponent(annotation)}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Field Notes on Reading');
  await expect(page.locator('.card.focused')).toContainText('second point about memory');

  await page.goto('/#doc=pakistan-army-chief-iran');
  // Its reading place goes with it, and comes back with Undo.
  const placeKey = `marginalia/v1/place/${decodeURIComponent(docId)}`;
  const place = () => page.evaluate((k) => localStorage.getItem(k), placeKey);
  await page.evaluate((k) => localStorage.setItem(k, '3:250'), placeKey);
  await page.getByRole('button', { name: 'Library' }).click();
  const lib = page.getByRole('dialog', { name: 'Library' });
  // From the keyboard: the list is drawn anew, and the focus stays in the dialog — on the
  // document now in the removed one's place, then on the one Undo brings back. (The dialog
  // takes the focus as it opens, in a frame of its own: wait for that first.)
  await expect(lib).toBeFocused();
  await lib.getByRole('button', { name: 'Remove Field Notes on Reading' }).focus();
  await page.keyboard.press('Enter');
  await expect(lib.getByRole('button', { name: 'Field Notes on Reading', exact: true })).toHaveCount(0);
  await expect(lib.getByRole('button', { name: 'Pakistan Army Chief Makes Historic Visit to Iran' })).toBeFocused();
  expect(await place()).toBeNull();
  await lib.getByRole('button', { name: 'Undo' }).focus();
  await page.keyboard.press('Enter');
  await expect(lib.getByRole('button', { name: 'Field Notes on Reading', exact: true })).toBeFocused();
  expect(await place()).toBe('3:250');
  // Opened from the keyboard, the document takes the focus on its title (the Library and its
  // button went with the document that was open), and Tab goes on from there.
  await lib.getByRole('button', { name: 'Field Notes on Reading', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('article mark')).toHaveText(['second point about memory']);
  await expect(page.getByRole('heading', { level: 1, name: 'Field Notes on Reading' })).toBeFocused();
  // Tab goes on into the document: its Edit details, then its text.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Edit details' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.locator('article .blocks a')).toBeFocused();

  // The message that a document is missing: dismissed from the keyboard, the focus goes to the
  // title of the document that is shown.
  await page.goto('/#doc=no-such-document');
  await answerFromKeyboard(page, page.getByRole('alert').filter({ hasText: 'is not in this browser' }), 'Dismiss');
});

test('a deep link into a long document with thousands of highlights shows that one, drawn and focused', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  // 3,000 paragraphs, one highlight in each: after a reload they are drawn a slice at a time
  // from the top, so the linked one, near the end, is not drawn when it is revealed.
  const N = 3000;
  const paras = Array.from({ length: N }, (_, i) => `Paragraph ${i + 1} is about topic number ${i + 1} of the long report.`);
  await openFile(page, 'long.txt', paras.join('\n\n') + '\n');
  await expect(page.locator('article [data-block]')).toHaveCount(N);
  const id = (n) => `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const items = paras.map((_, i) => ({
    '@context': 'http://www.w3.org/ns/anno.jsonld', id: id(i + 1), type: 'Annotation',
    target: { selector: { type: 'TextQuoteSelector', exact: `Paragraph ${i + 1} is about` } },
  }));
  const path = 'target/e2e-files/long-highlights.json';
  writeFileSync(path, JSON.stringify(items));
  await page.getByLabel('Import').setInputFiles(path);
  await expect(page.getByRole('status').filter({ hasText: /3,000 items: 3,000 placed/ })).toBeVisible({ timeout: 30_000 });
  const docId = new URL(page.url()).hash.match(/doc=([^&]+)/)[1];
  const target = N - 10;
  await page.goto(`/#doc=${docId}&annotation=${encodeURIComponent(id(target))}`);
  await page.reload();
  const mark = page.locator(`article [data-block="${target - 1}"] mark`);
  await expect(mark).toHaveText(`Paragraph ${target} is about`, { timeout: 15_000 });
  await expect(mark).toBeInViewport();
  await expect(mark).toHaveClass(/active/);
  await expect(page.locator('article mark')).toHaveCount(N, { timeout: 15_000 });
  console.check();
});

test('an edited version of a file offers to carry its annotations over, re-anchored', async ({ page }) => {
  await openApp(page);
  await openFile(page, 'notes.md', NOTES_V1);
  await dragSelect(page, 'A quoted passage worth remembering.');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await dragSelect(page, 'second point about memory');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await openFile(page, 'notes.md', NOTES_V2);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Field Notes on Reading');
  const offer = page.getByRole('status').filter({ hasText: 'An earlier version of notes.md has 2 annotations' });
  await answerFromKeyboard(page, offer, 'Carry them over');
  await expect(page.getByRole('status').filter({ hasText: 'Carried 2 annotations over' })).toBeVisible();
  await expect(page.locator('article mark').first()).toHaveText('A quoted passage worth remembering.');
  await expect(page.locator('article mark')).toHaveCount(2);
  await expect(page.locator('article mark').nth(1)).toContainText('second point');
});

test('carried over to an edited version, a highlight is described anew: card, Markdown and JSON say the new words, the position covers them', async ({ page }) => {
  const console = watchConsole(page);
  const SLOW_V1 = '# Notes on Slow Reading\n\nWhen we read well, we argue with the text and make it ours.\n\nA second paragraph stays the same.\n';
  const SLOW_V2 = SLOW_V1.replace('and make it ours', 'and slowly make it ours');
  const NEW = 'we argue with the text and slowly make it ours';
  await openApp(page);
  await openFile(page, 'slow.md', SLOW_V1);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Notes on Slow Reading');
  await dragSelect(page, 'we argue with the text and make it ours');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('article mark')).toHaveText(['we argue with the text and make it ours']);
  await openFile(page, 'slow.md', SLOW_V2);
  await answerFromKeyboard(page, page.getByRole('status').filter({ hasText: 'An earlier version of slow.md has 1 annotation' }), 'Carry them over');
  // Nothing is unanchored: the report says nothing of it.
  const carried = page.getByRole('status').filter({ hasText: 'Carried 1 annotation over' });
  await expect(carried).toContainText('Carried 1 annotation over from the earlier version of slow.md.');
  await expect(carried).not.toContainText(/unanchored/i);
  await expect(page.locator('article mark')).toHaveText([NEW]);
  await expect(page.locator('.card .quote')).toHaveText(`“${NEW}”`);

  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Markdown' }).click()]);
  const markdown = readFileSync(await md.path(), 'utf8');
  expect(markdown).toContain(NEW);
  expect(markdown).not.toContain('the text and make it ours');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).first().click()]);
  const items = JSON.parse(readFileSync(await dl.path(), 'utf8')).first.items;
  expect(items).toHaveLength(1);
  const selectors = [items[0].target.selector].flat();
  const quote = selectors.find((s) => s.type === 'TextQuoteSelector');
  const position = selectors.find((s) => s.type === 'TextPositionSelector');
  expect(quote.exact).toBe(NEW);
  expect(position).toBeTruthy();
  // The document's text: its blocks, as shown, one blank line apart.
  const text = await page.evaluate(() => [...document.querySelectorAll('#article [data-block]')].map((b) => b.textContent).join('\n\n'));
  expect([...text].slice(position.start, position.end).join('')).toBe(NEW);
  console.check();
});

test('an offer to carry annotations over can be declined: the new version starts empty, the earlier one keeps its own', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await openFile(page, 'notes.md', NOTES_V1);
  await dragSelect(page, 'A quoted passage worth remembering.');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await openFile(page, 'notes.md', NOTES_V2);
  await answerFromKeyboard(page, page.getByRole('status').filter({ hasText: 'An earlier version of notes.md has 1 annotation.' }), 'Not now');
  await expect(page.locator('article mark')).toHaveCount(0);
  // Back (which takes the focus off the page) shows the earlier version, its title focused.
  await page.goBack();
  await expect(page.locator('article mark')).toHaveText(['A quoted passage worth remembering.']);
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  console.check();
});

test('pasted text opens; a file over 5 MB is refused with a clear message', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Library' }).click();
  const lib = page.getByRole('dialog', { name: 'Library' });
  await lib.getByLabel('Or paste text').fill('A pasted note\n\nwith two paragraphs.');
  // Its first line is offered as its title, and is not read again as its first paragraph.
  await expect(lib.getByLabel('Title', { exact: true })).toHaveValue('A pasted note');
  await lib.getByRole('button', { name: 'Open pasted text' }).click();
  await expect(page.locator('article p')).toHaveText(['with two paragraphs.']);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('A pasted note');
  await expect(page).toHaveTitle('Marginalia — A pasted note');
  await page.getByRole('button', { name: 'Library' }).click();
  await page.getByRole('dialog', { name: 'Library' }).getByLabel('Open a file').setInputFiles({ name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.alloc(6 * 1024 * 1024, 97) });
  await expect(page.getByRole('alert').filter({ hasText: 'up to 5 MB' })).toBeVisible();
});

test('a right-to-left article reads right to left, paragraph by paragraph, and highlights like any other', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await page.getByRole('button', { name: 'Library' }).click();
  const lib = page.getByRole('dialog', { name: 'Library' });
  await lib.getByLabel('Or paste text').fill([
    '# گزارش سفر فرمانده ارتش',
    'فرمانده ارتش پاکستان به تهران سفر کرد و با مقامات ایرانی دیدار کرد.',
    'An English summary of the visit follows the Persian text.',
    '- نخستین نکته درباره سفر',
    '> نقل قولی از یک مقام',
  ].join('\n\n'));
  await lib.getByRole('button', { name: 'Open pasted text' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('گزارش سفر فرمانده ارتش');
  const style = (loc, prop) => loc.evaluate((el, prop) => getComputedStyle(el)[prop], prop);
  const blocks = page.locator('#article [data-block]');
  await expect(blocks).toHaveCount(4);
  expect(await style(page.getByRole('heading', { level: 1 }), 'direction')).toBe('rtl');
  expect(await style(blocks.nth(0), 'direction')).toBe('rtl');
  expect(await style(blocks.nth(1), 'direction')).toBe('ltr');
  // A list item's marker and a quotation's rule stand on the right of right-to-left text.
  expect(await style(blocks.nth(2), 'direction')).toBe('rtl');
  expect(parseFloat(await style(blocks.nth(2), 'paddingRight'))).toBeGreaterThan(0);
  expect(parseFloat(await style(blocks.nth(2), 'paddingLeft'))).toBe(0);
  expect(parseFloat(await style(blocks.nth(3), 'borderRightWidth'))).toBeGreaterThan(0);
  expect(parseFloat(await style(blocks.nth(3), 'borderLeftWidth'))).toBe(0);
  // The first paragraph's text starts at its right edge.
  const [para, first] = await blocks.nth(0).evaluate((p) => {
    const r = document.createRange();
    r.setStart(p.firstChild, 0); r.setEnd(p.firstChild, 1);
    return [p.getBoundingClientRect().right, r.getBoundingClientRect().right];
  });
  expect(Math.abs(para - first)).toBeLessThan(2);

  // Drag across a phrase from its first letter (on the right) to its last (on the left).
  const phrase = 'به تهران سفر کرد';
  const p = await blocks.nth(0).evaluate((el, phrase) => {
    const node = el.firstChild;
    const at = node.data.indexOf(phrase);
    const rect = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
    const a = rect(at), z = rect(at + phrase.length - 1);
    return { x1: a.right - 1, y1: a.top + a.height / 2, x2: z.left + 1, y2: z.top + z.height / 2 };
  }, phrase);
  await page.mouse.move(p.x1, p.y1);
  await page.mouse.down();
  await page.mouse.move(p.x2, p.y2, { steps: 8 });
  await page.mouse.up();
  await expect.poll(() => page.evaluate(() => String(window.getSelection()))).toBe(phrase);
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await page.getByRole('textbox', { name: 'Note' }).fill('یادداشت من');
  expect(await style(page.getByRole('textbox', { name: 'Note' }), 'direction')).toBe('rtl');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('#article mark')).toHaveText([phrase]);
  const card = page.locator('.card');
  await expect(card.locator('.quote')).toHaveText(`“${phrase}”`);
  expect(await style(card.locator('.quote'), 'direction')).toBe('rtl');
  await expect(card.locator('.note')).toHaveText('یادداشت من');
  expect(await style(card.locator('.note'), 'direction')).toBe('rtl');
  console.check();
});

test('a document opens again where the reader left it: after a reload, in a new tab, and from the library', async ({ page, context }) => {
  const console = watchConsole(page);
  await openApp(page);
  await page.getByRole('button', { name: 'Library' }).click();
  const paras = Array.from({ length: 240 }, (_, i) => `Paragraph ${i} of a long report, with enough words in it to wrap over two lines at this width, like a paragraph of a real report.`);
  await page.getByRole('dialog', { name: 'Library' }).getByLabel('Or paste text').fill(`# A long report\n\n${paras.join('\n\n')}`);
  await page.getByRole('button', { name: 'Open pasted text' }).click();
  await expect(page.locator('#article [data-block]')).toHaveCount(240);
  const reportUrl = page.url();
  /** The paragraph at the top of the reading area, below the top bar. */
  const atTop = (p = page) => p.evaluate(() => {
    const edge = document.querySelector('.top').getBoundingClientRect().bottom;
    const block = [...document.querySelectorAll('#article [data-block]')].find((b) => b.getBoundingClientRect().bottom > edge + 1);
    return block.textContent.split(' of ')[0];
  });
  /** Scrolls the way a reader does (the mouse wheel) until `paragraph` is at the top. */
  const scrollTo = async (p, paragraph) => {
    await p.mouse.move(400, 400);
    for (let i = 0; i < 200 && (await atTop(p)) !== paragraph; i++) {
      const below = await p.evaluate((n) => {
        const edge = document.querySelector('.top').getBoundingClientRect().bottom;
        const block = [...document.querySelectorAll('#article [data-block]')].find((b) => b.textContent.startsWith(`${n} `));
        return block.getBoundingClientRect().top - edge;
      }, paragraph);
      await p.mouse.wheel(0, Math.max(-1500, Math.min(1500, below + 4)));
      await p.waitForTimeout(60);
    }
    expect(await atTop(p)).toBe(paragraph);
  };
  await scrollTo(page, 'Paragraph 150');
  await expect.poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('marginalia/v1/place/pasted-')).length)).toBe(1);

  await page.reload();
  await expect(page.locator('#article [data-block]')).toHaveCount(240);
  await expect.poll(() => atTop()).toBe('Paragraph 150');

  const tab = await context.newPage();
  await tab.goto(reportUrl);
  await expect(tab.locator('#article [data-block]')).toHaveCount(240);
  await expect.poll(() => atTop(tab)).toBe('Paragraph 150');
  await tab.close();

  // The bundled article, never scrolled, opens at its top; its own place is kept apart.
  await page.getByRole('button', { name: 'Library' }).click();
  await page.getByRole('dialog', { name: 'Library' }).getByRole('button', { name: 'Pakistan Army Chief Makes Historic Visit to Iran' }).click();
  await expect(page.locator('#article [data-block]')).toHaveCount(7);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
  await page.mouse.wheel(0, 600);
  await expect.poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k === 'marginalia/v1/place/pakistan-army-chief-iran').length)).toBe(1);
  const bundledTop = await atTop();
  await page.getByRole('button', { name: 'Library' }).click();
  await page.getByRole('dialog', { name: 'Library' }).getByRole('button', { name: 'A long report', exact: true }).click();
  await expect(page.locator('#article [data-block]')).toHaveCount(240);
  await expect.poll(() => atTop()).toBe('Paragraph 150');
  await page.goBack();
  await expect(page.locator('#article [data-block]')).toHaveCount(7);
  await expect.poll(() => atTop()).toBe(bundledTop);

  // Back at the top of the report, nothing is kept: it opens at its top.
  await page.goForward();
  await expect(page.locator('#article [data-block]')).toHaveCount(240);
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect.poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('marginalia/v1/place/pasted-')).length)).toBe(0);
  await page.reload();
  await expect(page.locator('#article [data-block]')).toHaveCount(240);
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  console.check();
});

test('a download from a reader\'s own document imports into that document, or waits until it is opened', async ({ page, browser }) => {
  const SLOW = '# Notes on Slow Reading\n\nWhen we read well, we argue with the text and make it ours.\n\nA second paragraph stays the same.\n';
  const PHRASE = 'we argue with the text and make it ours';
  await openApp(page);
  await openFile(page, 'slow-notes.md', SLOW);
  await dragSelect(page, PHRASE);
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).first().click()]);
  const path = 'target/e2e-files/slow-notes-annotations.json';
  await dl.saveAs(path);

  // In the library: imported while the bundled article is shown, it lands in its own document.
  const known = await browser.newContext();
  const one = await known.newPage();
  const oneConsole = watchConsole(one);
  await openApp(one);
  await openFile(one, 'slow-notes.md', SLOW);
  await expect(one.getByRole('heading', { level: 1 })).toHaveText('Notes on Slow Reading');
  await one.goBack();
  await expect(one.getByRole('heading', { level: 1 })).toHaveText('Pakistan Army Chief Makes Historic Visit to Iran');
  await one.getByLabel('Import').setInputFiles(path);
  await expect(one.getByRole('status').filter({ hasText: 'slow-notes-annotations.json' }))
    .toContainText('For ‘Notes on Slow Reading’, in your library: 1 item: 1 placed, 0 unanchored.');
  await expect(one.locator('article mark')).toHaveCount(0);
  // The library counts it with that document; opened from there, it is shown.
  await one.getByRole('button', { name: 'Library' }).click();
  const entry = one.getByRole('dialog', { name: 'Library' }).locator('li', { hasText: 'Notes on Slow Reading' });
  await expect(entry).toContainText('1 annotation ·');
  await entry.getByRole('button', { name: 'Notes on Slow Reading', exact: true }).click();
  await expect(one.getByRole('heading', { level: 1 })).toHaveText('Notes on Slow Reading');
  await expect(one.locator('article mark')).toHaveText([PHRASE]);
  oneConsole.check();
  await known.close();

  // Not in the library: the report says the items wait; opening the document places them.
  const unknown = await browser.newContext();
  const two = await unknown.newPage();
  const twoConsole = watchConsole(two);
  await openApp(two);
  await two.getByLabel('Import').setInputFiles(path);
  await expect(two.getByRole('status').filter({ hasText: 'slow-notes-annotations.json' }))
    .toContainText('1 annotation for ‘Notes on Slow Reading’, a document not in your library — open it to place it.');
  await expect(two.locator('article mark')).toHaveCount(0);
  await expect(two.locator('.card')).toHaveCount(0);
  await openFile(two, 'slow-notes.md', SLOW);
  await expect(two.getByRole('heading', { level: 1 })).toHaveText('Notes on Slow Reading');
  await expect(two.getByRole('status').filter({ hasText: 'the annotations kept for this document' }))
    .toContainText('1 item: 1 placed, 0 unanchored.');
  await expect(two.locator('article mark')).toHaveText([PHRASE]);
  await two.reload();
  await expect(two.locator('article mark')).toHaveText([PHRASE]);
  await expect(two.locator('.card')).toHaveCount(1);
  twoConsole.check();
  await unknown.close();
});

test('a document opened by changing #doc= focuses its title with no ring, on screen or in print', async ({ page }) => {
  await openApp(page);
  await openFile(page, 'notes.md', NOTES_V1);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Field Notes on Reading');
  const notes = new URL(page.url()).hash;
  await openFile(page, 'slow.md', '# Notes on Slow Reading\n\nA paragraph.\n');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Notes on Slow Reading');
  // As from the address bar: the last thing the reader did was type.
  await page.keyboard.press('Shift');
  await page.evaluate((h) => { location.hash = h; }, notes);
  const title = page.getByRole('heading', { level: 1, name: 'Field Notes on Reading' });
  await expect(title).toBeFocused();
  const outline = () => title.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(await outline()).toBe('none');
  await page.emulateMedia({ media: 'print' });
  expect(await outline()).toBe('none');
  // Nor does a control that had the focus print its ring.
  await page.emulateMedia({ media: 'screen' });
  await page.keyboard.press('Tab');
  await page.emulateMedia({ media: 'print' });
  expect(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle)).toBe('none');
});
