// Searching every document from the panel, and Review: past highlights a few at a time.
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dragSelect, openApp, watchConsole } from './helpers.mjs';

mkdirSync('target/e2e-files', { recursive: true });
const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
const PAKISTAN = 'Pakistan Army Chief Makes Historic Visit to Iran';
const NOTES = 'Field Notes on Reading';
const NOTES_MD = `# ${NOTES}

Readers keep notes in the margins of good books.

> A quoted passage worth remembering.

- first point about margins
- second point about memory
`;

async function axe(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  expect(result, `${label}: ${JSON.stringify(result, null, 2)}`).toEqual([]);
}

async function openFile(page, name, text) {
  const path = `target/e2e-files/${name}`;
  writeFileSync(path, text);
  await page.getByRole('button', { name: 'Library' }).click();
  await page.getByRole('dialog', { name: 'Library' }).getByLabel('Open a file').setInputFiles(path);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(NOTES);
}

async function highlight(page, phrase, { note, tag } = {}) {
  await dragSelect(page, phrase);
  if (note) {
    await page.getByRole('button', { name: 'Note', exact: true }).click();
    await page.getByRole('textbox', { name: 'Note' }).fill(note);
    await page.getByRole('button', { name: 'Save' }).click();
  } else {
    await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  }
  const card = page.locator('.card').filter({ hasText: phrase });
  await expect(card).toHaveCount(1);
  if (tag) {
    await card.getByRole('combobox', { name: 'Add tag' }).fill(tag);
    await card.getByRole('combobox', { name: 'Add tag' }).press('Enter');
    await expect(card.getByText(tag)).toBeVisible();
  }
}

/** The bundled article with two highlights, then a reader's file with three (the one shown). */
async function seed(page) {
  await openApp(page);
  await highlight(page, 'Basij Organization', { note: 'The militia, not the army', tag: 'reading' });
  await highlight(page, 'three-day visit');
  await openFile(page, 'notes.md', NOTES_MD);
  await highlight(page, 'second point about memory', { note: 'Memory matters — a café conversation', tag: 'reading' });
  await highlight(page, 'A quoted passage worth remembering.');
  await highlight(page, 'first point about margins');
}

test('search every document: hits by document, opening one at its annotation; back to this document', async ({ page }) => {
  const console = watchConsole(page);
  await seed(page);
  const search = page.getByRole('searchbox', { name: 'Search annotations' });
  const status = page.locator('#panel').getByRole('status');

  // In this document: the panel's own filter.
  await search.fill('point');
  await expect(status).toHaveText('2 of 3 match');
  await page.getByRole('radio', { name: 'Every document' }).check();
  await expect(status).toHaveText('2 matches in 1 document');
  await search.fill('');
  await expect(status).toHaveText('Type to search 5 annotations in 2 documents.');

  // A word in the other document, case and accents ignored.
  await search.fill('MILITIA');
  await expect(status).toHaveText('1 match in 1 document');
  await expect(page.locator('.hit-doc')).toHaveText([`${PAKISTAN} (1 match)`]);
  await search.fill('CAFE');
  await expect(page.locator('.hit-doc')).toHaveText([`${NOTES} (1 match)`]);
  // A tag in both, grouped by document (the bundled article first, as in the Library).
  await search.fill('reading');
  await expect(status).toHaveText('2 matches in 2 documents');
  await expect(page.locator('.hit-doc')).toHaveText([`${PAKISTAN} (1 match)`, `${NOTES} (1 match)`]);
  const other = page.getByRole('list', { name: `Matches in ${PAKISTAN}` }).getByRole('link');
  await expect(other).toHaveText(/Basij Organization.*The militia, not the army.*#reading/);
  await axe(page, 'hits from every document');

  // A change here shows at once in the search.
  await page.getByRole('radio', { name: 'This document' }).check();
  await expect(page.locator('.card')).toHaveCount(1);
  await search.fill('');
  await highlight(page, 'Readers keep notes');
  await page.getByRole('radio', { name: 'Every document' }).check();
  await search.fill('readers keep');
  await expect(page.locator('.hit-doc')).toHaveText([`${NOTES} (1 match)`]);

  // Opening a hit in the other document: it is shown, its annotation focused.
  await search.fill('reading');
  await other.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(PAKISTAN);
  await expect(page.locator('.card.focused')).toContainText('Basij Organization');
  await expect(page.getByRole('radio', { name: 'This document' })).toBeChecked();

  // Back to this document: the normal filter, with the query typed.
  await page.getByRole('radio', { name: 'Every document' }).check();
  await search.fill('army');
  await expect(page.locator('.hit')).toHaveCount(1);
  await expect(page.locator('#card-list')).toBeHidden();
  await page.getByRole('radio', { name: 'This document' }).check();
  await expect(status).toHaveText('1 of 2 match');
  await expect(page.locator('.card')).toHaveText([/Basij Organization/]);
  await expect(page.locator('#filter-colour')).toBeVisible();
  console.check();
});

test("searching every document follows another tab's changes", async ({ page, context }) => {
  await seed(page);
  await page.getByRole('radio', { name: 'Every document' }).check();
  const search = page.getByRole('searchbox', { name: 'Search annotations' });
  await search.fill('rouhani');
  await expect(page.locator('#panel').getByRole('status')).toHaveText('No annotation in any document matches.');
  const other = await context.newPage();
  await openApp(other, '/#doc=pakistan-army-chief-iran');
  await dragSelect(other, 'Hassan Rouhani');
  await other.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('.hit-doc')).toHaveText([`${PAKISTAN} (1 match)`]);
  await expect(page.locator('.hit')).toHaveText('Hassan Rouhani');
});

test('search every document from the keyboard alone', async ({ page }) => {
  await seed(page);
  await page.locator('h1').focus();
  await page.keyboard.press('/');
  const search = page.getByRole('searchbox', { name: 'Search annotations' });
  await expect(search).toBeFocused();
  await page.keyboard.type('militia');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('radio', { name: 'This document' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'Every document' })).toBeChecked();
  await expect(page.locator('.hit')).toHaveCount(1);
  await page.keyboard.press('Tab');
  await expect(page.locator('.hit')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(PAKISTAN);
  await expect(page.locator('.card.focused')).toContainText('Basij Organization');
});

test('review: a few highlights at a time with their document; unseen ones first next time; opening one', async ({ page }) => {
  const console = watchConsole(page);
  await seed(page);
  const quotes = (dialog) => dialog.locator('.review-quote').allTextContents();

  // From the top bar.
  await page.getByRole('button', { name: 'Review' }).click();
  const review = page.getByRole('dialog', { name: 'Review' });
  await expect(review.getByRole('status')).toHaveText('1–5 of 5 highlights');
  await expect(review.locator('.review-item')).toHaveCount(5);
  const all = await quotes(review);
  expect([...all].sort()).toEqual(['A quoted passage worth remembering.', 'Basij Organization', 'first point about margins', 'second point about memory', 'three-day visit']);
  const basij = review.locator('.review-item').filter({ hasText: 'Basij Organization' });
  await expect(basij.locator('.review-doc')).toHaveText(PAKISTAN);
  await expect(basij.locator('.review-note')).toHaveText('The militia, not the army');
  await axe(page, 'review open');
  await review.getByRole('button', { name: 'Close' }).click();
  await expect(review).toBeHidden();

  // Two more, never shown: the next review starts with them, after a reload.
  await highlight(page, 'Readers keep notes');
  await page.goto('/#doc=pakistan-army-chief-iran');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(PAKISTAN);
  await highlight(page, 'Hassan Rouhani');
  await page.reload();
  await expect(page.locator('article mark')).toHaveCount(3);

  // From the keyboard: `r`, then Next.
  await page.locator('h1').focus();
  await page.keyboard.press('r');
  await expect(review.getByRole('status')).toHaveText('1–5 of 7 highlights');
  const first = await quotes(review);
  expect(first.slice(0, 2).sort()).toEqual(['Hassan Rouhani', 'Readers keep notes']);
  expect(all).toEqual(expect.arrayContaining(first.slice(2)));
  await review.getByRole('button', { name: 'Next' }).focus();
  await page.keyboard.press('Enter');
  await expect(review.getByRole('status')).toHaveText('6–7 of 7 highlights');
  const second = await quotes(review);
  expect(second).toHaveLength(2);
  expect([...first, ...second].sort()).toEqual([...all, 'Hassan Rouhani', 'Readers keep notes'].sort());
  await expect(review.getByRole('button', { name: 'Next' })).toBeFocused();
  // After the last, round again: every one seen now, the longest ago first.
  await page.keyboard.press('Enter');
  await expect(review.getByRole('status')).toHaveText('1–5 of 7 highlights');
  expect((await quotes(review)).sort()).toEqual(first.slice(0, 5).sort());
  await page.keyboard.press('Escape');
  await expect(review).toBeHidden();
  await expect(page.locator('h1')).toBeFocused();

  // Opening one in the other document from Review.
  await page.keyboard.press('r');
  await expect(review.getByRole('status')).toHaveText('1–5 of 7 highlights');
  const inNotes = review.locator('.review-item').filter({ hasText: NOTES }).first();
  const quote = await inNotes.locator('.review-quote').textContent();
  await inNotes.getByRole('button', { name: /^Open/ }).focus();
  await page.keyboard.press('Enter');
  await expect(review).toBeHidden();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(NOTES);
  await expect(page.locator('.card.focused')).toContainText(quote);

  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('Review past highlights from every document');
  console.check();
});
