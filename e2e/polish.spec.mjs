// A reader's polish pass (issue 33): keyboard-only highlighting, notes visible in the text and in
// print, notes in Markdown, and editing on a phone.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dragSelect, openApp, watchConsole } from './helpers.mjs';

const marks = (page, text) => page.locator('article mark', { hasText: text });
const selected = (page) => page.evaluate(() => String(window.getSelection()));

/** Presses Tab until the article has the focus (the keyboard alone). */
async function tabToArticle(page) {
  const article = page.getByRole('article');
  // From the top of the page, as a reader starts.
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < 60; i++) {
    if (await article.evaluate((el) => document.activeElement === el)) return article;
    await page.keyboard.press('Tab');
  }
  await expect(article).toBeFocused();
  return article;
}

/** Highlights `phrase` with a note, from the toolbar, and saves it. */
async function withNote(page, phrase, note) {
  await dragSelect(page, phrase);
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await page.getByRole('textbox', { name: 'Note' }).fill(note);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(marks(page, phrase).first()).toBeVisible();
}

test('keyboard only: Tab to the article, a caret, arrows move it, Ctrl+Shift+Right selects a word, h highlights it', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  const article = await tabToArticle(page);
  // The mode is described and announced, and the caret is drawn at the first paragraph's start.
  await expect(article).toHaveAccessibleDescription(/Reading mode: the arrow keys move a caret/);
  await expect(page.getByRole('status').filter({ hasText: 'Reading mode' })).toHaveCount(1);
  const caret = page.locator('.reading-caret');
  await expect(caret).toBeVisible();
  const at = await caret.boundingBox();
  // Shift+Right selects by character; Right alone moves the caret on (and the selection goes).
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  expect(await selected(page)).toBe('In');
  await page.keyboard.press('ArrowRight');
  expect(await selected(page)).toBe('');
  await expect.poll(async () => (await caret.boundingBox()).x).toBeGreaterThan(at.x);
  // Ctrl+Right moves by word; Ctrl+Shift+Right selects the next one.
  await page.keyboard.press('Control+ArrowRight');
  await page.keyboard.press('Control+Shift+ArrowRight');
  expect((await selected(page)).trim()).toBe('visit');
  // The selection reaches the app as a mouse's does: the toolbar offers to highlight it.
  await expect(page.getByRole('toolbar', { name: 'Annotate selection' })).toBeVisible();
  await page.keyboard.press('h');
  await expect(marks(page, 'visit')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Go to highlight: visit', exact: true })).toBeVisible();
  // The focus stays in the article, the caret after the words, to read on.
  await expect(article).toBeFocused();
  expect(await selected(page)).toBe('');
  await page.keyboard.press('Control+Shift+ArrowRight');
  expect((await selected(page)).trim()).toBe('to');
  await page.keyboard.press('n');
  await expect(page.getByRole('textbox', { name: 'Note' })).toBeFocused();
  await page.keyboard.type('A *short* note');
  await page.keyboard.press('Control+Enter');
  await expect(marks(page, 'to').first()).toBeVisible();
  await page.reload();
  await expect(marks(page, 'visit')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Go to highlight: visit', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Go to highlight: to', exact: true })).toBeVisible();
  // The `?` sheet tells of the mode.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('Reading mode');
  await expect(help).toContainText('Select by word');
  console.check();
});

test('a note shows as a marker after its words: named, shown on hover and focus, numbered in print', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await withNote(page, 'Basij Organization', 'A militia, see *Basij* [history](https://example.org/basij)');
  await withNote(page, 'Hassan Rouhani', 'President 2013–2021');
  // A highlight without a note has no marker.
  await dragSelect(page, 'Islamic Revolution');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(page, 'Islamic Revolution')).toHaveCount(1);
  const markers = page.getByRole('article').getByRole('button', { name: /^Note: / });
  await expect(markers).toHaveCount(2);
  const basij = page.getByRole('button', { name: 'Note: A militia, see *Basij* [history](https://example.org/basij)' });
  await expect(basij).toBeVisible();
  // Hovering shows the note, its Markdown rendered; leaving hides it.
  await basij.hover();
  const peek = page.getByRole('tooltip');
  await expect(peek).toHaveText('A militia, see Basij history');
  await expect(peek.locator('em')).toHaveText('Basij');
  await page.mouse.move(5, 400);
  await expect(peek).toBeHidden();
  // From the keyboard: the marker is a tab stop after the article, and shows the note focused.
  await tabToArticle(page);
  await page.keyboard.press('Tab');
  await expect(basij).toBeFocused();
  await expect(peek).toHaveText('A militia, see Basij history');
  await page.keyboard.press('Escape');
  await expect(peek).toBeHidden();
  // Enter on it goes to its card.
  await page.keyboard.press('Enter');
  await expect(page.locator('.card.focused')).toContainText('Basij Organization');
  // Print: the markers are numbered and the notes listed at the end in their order.
  await page.emulateMedia({ media: 'print' });
  const content = await basij.evaluate((el) => getComputedStyle(el, '::before').content);
  expect(content).toBe('"[" counter(fn) "]"');
  await expect(page.locator('.print-notes')).toBeVisible();
  await expect(page.locator('.print-notes li')).toHaveText([
    'Basij Organization — A militia, see Basij history',
    'Hassan Rouhani — President 2013–2021',
  ]);
  await expect(page.locator('.note-peek, .reading-caret')).toHaveCount(0);
  console.check();
});

test('notes in Markdown: rendered safely in the card, exported as written', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  const note = '**Key** point, see [the source](https://example.org/x) and [bad](javascript:alert(1))\n\n'
    + '- one\n- two\n\n`code` and <img src=x onerror="window.__pwned=1"> <b>raw</b>';
  await withNote(page, 'Basij Organization', note);
  const card = page.locator('.card', { hasText: 'Basij Organization' });
  const shown = card.locator('.note');
  await expect(shown.locator('strong')).toHaveText('Key');
  const link = shown.getByRole('link', { name: 'the source' });
  await expect(link).toHaveAttribute('href', 'https://example.org/x');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(link).toHaveAttribute('target', '_blank');
  // A javascript: link is its text, not a link; raw HTML shows as the text it is.
  await expect(shown.getByRole('link')).toHaveCount(1);
  await expect(shown).toContainText('and bad');
  await expect(shown.getByRole('listitem')).toHaveText(['one', 'two']);
  await expect(shown.locator('code')).toHaveText('code');
  await expect(shown).toContainText('<img src=x onerror="window.__pwned=1"> <b>raw</b>');
  await expect(shown.locator('img, b')).toHaveCount(0);
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  // The editor says what it takes, and opens on the note as written.
  await card.getByRole('button', { name: 'Edit note' }).click();
  await expect(page.getByRole('textbox', { name: 'Note' })).toHaveValue(note);
  await expect(page.getByRole('textbox', { name: 'Note' })).toHaveAccessibleDescription(/Markdown/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  // Exported as written: the W3C body's value, and the Markdown download.
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).click()]);
  await json.saveAs('target/e2e-polish.json');
  const items = JSON.parse(readFileSync('target/e2e-polish.json', 'utf8')).first.items;
  const bodies = [].concat(items[0].body).filter((b) => b.purpose === 'commenting');
  expect(bodies.map((b) => b.value)).toEqual([note]);
  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Markdown' }).click()]);
  await md.saveAs('target/e2e-polish.md');
  const text = readFileSync('target/e2e-polish.md', 'utf8');
  expect(text).toContain('**Key** point, see [the source](https://example.org/x) and [bad](javascript:alert(1))\n\n- one\n- two\n\n');
  // Raw HTML stays text there too.
  expect(text).toContain('`code` and \\<img src=x onerror="window.__pwned=1"> \\<b>raw\\</b>');
  console.check();
});

test('phone: common tools first, the note editor’s buttons in view, deleting the last card keeps the keyboard closed', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const console = watchConsole(page);
  await openApp(page);
  // Library, Import and ? are on screen as the page opens; Undo and Redo are a swipe away.
  const tools = page.getByRole('navigation', { name: 'Annotation tools' });
  for (const name of ['Library', 'Keyboard shortcuts']) {
    await expect(tools.getByRole('button', { name, exact: true })).toBeInViewport({ ratio: 1 });
  }
  await expect(tools.getByText('Import', { exact: true })).toBeInViewport({ ratio: 1 });
  // Note: the sheet opens on the editor with Save and Cancel in its visible part.
  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Note', exact: true }).tap();
  const note = page.getByRole('textbox', { name: 'Note' });
  await expect(note).toBeFocused();
  const sheet = page.getByRole('complementary', { name: 'Annotations' });
  for (const name of ['Save', 'Cancel']) {
    const button = sheet.getByRole('button', { name, exact: true });
    await expect(button).toBeInViewport({ ratio: 1 });
    await expect.poll(async () => {
      const [b, s] = await Promise.all([button.boundingBox(), sheet.boundingBox()]);
      return b.y >= s.y && b.y + b.height <= s.y + s.height;
    }).toBe(true);
  }
  // The field itself is in view too, below the sheet's title bar and above the buttons.
  await expect.poll(async () => {
    const [t, head, save] = await Promise.all([note.boundingBox(), sheet.locator('.panel-head').boundingBox(),
      sheet.getByRole('button', { name: 'Save', exact: true }).boundingBox()]);
    return t.y >= head.y + head.height && t.y + t.height <= save.y;
  }).toBe(true);
  await page.keyboard.type('Founded 1979');
  await sheet.getByRole('button', { name: 'Save', exact: true }).tap();
  await expect(sheet.locator('.card .note')).toHaveText('Founded 1979');
  // Undo is reachable on the bar: swiped to, tapped.
  const undo = tools.getByRole('button', { name: 'Undo', exact: true });
  await undo.scrollIntoViewIfNeeded();
  await undo.tap();
  await expect(sheet.locator('.card .note')).toHaveCount(0);
  await tools.getByRole('button', { name: 'Redo', exact: true }).tap();
  await expect(sheet.locator('.card .note')).toHaveText('Founded 1979');
  // Deleting the last card: the focus goes to the panel's title, not into a text field.
  await sheet.getByRole('button', { name: /^Delete highlight/ }).tap();
  await expect(sheet.locator('.card')).toHaveCount(0);
  await expect(sheet.getByRole('heading', { name: 'Annotations' })).toBeFocused();
  expect(await page.evaluate(() => ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName))).toBe(false);
  console.check();
  await context.close();
});
