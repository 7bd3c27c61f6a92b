// axe-core in the main states: 0 violations.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { afterNextPaint, dragSelect, openApp } from './helpers.mjs';

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

async function axe(page, label) {
  // axe is injected through the page's own script execution, not a <script> tag, so the app's
  // Content Security Policy stays as shipped.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  expect(result, `${label}: ${JSON.stringify(result, null, 2)}`).toEqual([]);
}

for (const scheme of ['light', 'dark']) {
  test(`axe-core reports 0 violations in the main states (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await openApp(page);
    await axe(page, 'empty article');

    for (const phrase of ['Basij Organization', 'three-day visit', 'Islamic Revolutionary Guard Corps', 'Hassan Rouhani']) {
      await dragSelect(page, phrase);
      await page.getByRole('button', { name: 'Highlight', exact: true }).click();
    }
    await page.locator('.card').first().getByRole('combobox', { name: 'Add tag' }).fill('militia');
    await page.locator('.card').first().getByRole('combobox', { name: 'Add tag' }).press('Enter');
    await axe(page, 'article with highlights, side panel full');

    await dragSelect(page, 'Foreign Minister');
    await expect(page.getByRole('toolbar', { name: 'Annotate selection' })).toBeVisible();
    await axe(page, 'toolbar open');

    await page.getByRole('button', { name: 'Note', exact: true }).click();
    await expect(page.getByRole('textbox', { name: 'Note' })).toBeFocused();
    await axe(page, 'note editor open');
    await page.getByRole('textbox', { name: 'Note' }).fill('A *Markdown* note with [a link](https://example.org)');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('.card .note a')).toHaveText('a link');
    // The note's marker in the text, focused: its note shows.
    await page.getByRole('button', { name: /^Note: A \*Markdown\* note/ }).focus();
    await expect(page.getByRole('tooltip')).toContainText('A Markdown note with a link');
    await axe(page, 'note marker focused, its note shown');
    // Back to the article from the keyboard: the reading mode's caret.
    await page.keyboard.press('Shift+Tab');
    await expect(page.getByRole('article')).toBeFocused();
    await expect(page.locator('.reading-caret')).toBeVisible();
    await axe(page, 'reading mode');

    await page.keyboard.press('?');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    await axe(page, 'shortcut sheet open');
  });
}

test('dialogs: the focus moves in, Tab stays inside, Escape closes, the focus comes back', async ({ page }) => {
  await openApp(page);
  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('article mark')).toHaveCount(1);

  const libraryButton = page.getByRole('button', { name: 'Library' });
  await libraryButton.click();
  const library = page.getByRole('dialog', { name: 'Library' });
  await expect(library).toBeFocused();
  // Round its controls twice over: the focus never leaves the dialog, either way.
  const stops = await library.evaluate((d) => d.querySelectorAll('button, input, textarea').length);
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < stops * 2 + 1; i++) {
      await page.keyboard.press(key);
      expect(await library.evaluate((d) => d.contains(document.activeElement) && d !== document.activeElement), `${key} ${i + 1}`).toBe(true);
    }
  }
  // Shortcuts do not act on the article behind it (Delete would remove the focused highlight).
  await page.keyboard.press('Delete');
  await page.keyboard.press('j');
  await expect(page.locator('article mark')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(library).toBeHidden();
  await expect(libraryButton).toBeFocused();

  const helpButton = page.getByRole('button', { name: 'Keyboard shortcuts' });
  await helpButton.click();
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(help.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await expect(helpButton).toBeFocused();
});

test('the keyboard focus stays in a card as it is edited, and moves to the next card when it is deleted', async ({ page }) => {
  await openApp(page);
  for (const phrase of ['Basij Organization', 'three-day visit']) {
    await dragSelect(page, phrase);
    await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  }
  const first = page.locator('.card').filter({ hasText: 'Basij Organization' });

  // The note: its button gives way to the editor and has the focus again when it closes.
  const addNote = first.getByRole('button', { name: 'Add note' });
  await addNote.focus();
  await page.keyboard.press('Enter');
  await expect(first.getByRole('textbox', { name: 'Note' })).toBeFocused();
  await expect(first.getByRole('button', { name: /note$/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(addNote).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.type('Compare with the Iraqi PMF.');
  await page.keyboard.press('Control+Enter');
  await expect(first.locator('.note')).toHaveText('Compare with the Iraqi PMF.');
  await expect(first.getByRole('button', { name: 'Edit note' })).toBeFocused();

  // Tags typed in one go, without pausing for the card to be drawn anew, all arrive.
  const tagField = first.getByRole('combobox', { name: 'Add tag' });
  await tagField.focus();
  await page.keyboard.type('militia, iran, army');
  await page.keyboard.press('Enter');
  await expect(first.getByRole('list', { name: 'Tags' }).getByRole('listitem')).toHaveText(['#militia×', '#iran×', '#army×']);
  await expect(tagField).toBeFocused();
  // Removing a tag: the next one's button, then the one before, then the field.
  await first.getByRole('button', { name: 'Remove tag iran' }).focus();
  await page.keyboard.press('Enter');
  await expect(first.getByRole('button', { name: 'Remove tag army' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(first.getByRole('button', { name: 'Remove tag militia' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(tagField).toBeFocused();

  // The colour, changed from the keyboard.
  const colour = first.getByRole('combobox', { name: 'Colour' });
  await colour.focus();
  await page.keyboard.press('ArrowDown');
  await expect(first).toHaveClass(/c-green/);
  await expect(colour).toBeFocused();

  // Deleting: the focus goes to the card now in its place, and to the panel's title when the
  // last one goes (not the search field, which on a phone opens the on-screen keyboard).
  await first.getByRole('button', { name: /^Delete highlight/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.card')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Go to highlight: three-day visit' })).toBeFocused();
  await page.getByRole('button', { name: /^Delete highlight/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.card')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Annotations', level: 2 })).toBeFocused();
  // The toast's Undo brings the card back, with the focus on it.
  await page.locator('.toast').getByRole('button', { name: 'Undo' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Go to highlight: three-day visit' })).toBeFocused();
});

test('Undo, Redo and Clear all keep the focus when there is nothing more for them to do', async ({ page }) => {
  await openApp(page);
  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  const marks = page.locator('article mark');
  await expect(marks).toHaveCount(1);
  for (const [name, count] of [['Undo', 0], ['Redo', 1], ['Clear all', 0]]) {
    const button = page.getByRole('button', { name, exact: true });
    await button.focus();
    await page.keyboard.press('Enter');
    await expect(marks).toHaveCount(count);
    await expect(button).toBeDisabled();
    await expect(button).toBeFocused();
    // Pressed again, it does nothing (by the frame after it, the app would have redrawn).
    await page.keyboard.press('Enter');
    await afterNextPaint(page);
    await expect(marks).toHaveCount(count);
  }
  await expect(page.locator('.toast')).toHaveText('Cleared all annotations — Undo');
});

/** Presses Tab until the focus comes back round (at most `max` times); for each stop, whether it
 *  shows a focus ring (outline or box-shadow) on something visible: itself, or the label that
 *  stands for a hidden input. Returns the stops that show none. */
async function tabWalk(page, max) {
  const bad = [];
  let count = 0;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      if (el.hasAttribute('data-tab-walked')) return { again: true };
      el.setAttribute('data-tab-walked', '');
      const box = (e) => e.getBoundingClientRect();
      const shown = (e) => box(e).width > 2 && box(e).height > 2 && getComputedStyle(e).visibility !== 'hidden';
      const who = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.getAttribute('aria-label') || el.textContent || el.labels?.[0]?.textContent || '').trim().slice(0, 30)}"`;
      const target = shown(el) ? el : [...(el.labels || [])].find(shown);
      if (!target) return { who, ok: false, why: 'not visible, nor its label' };
      const cs = getComputedStyle(target);
      const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
      return { who, ok: ring, why: ring ? '' : `no focus ring on ${target.tagName.toLowerCase()}` };
    });
    if (!stop) continue;
    if (stop.again) break;
    count += 1;
    if (!stop.ok) bad.push(`${stop.who}: ${stop.why}`);
  }
  return { bad, count };
}

test('every Tab stop shows a visible focus ring, the hidden file inputs on their labels', async ({ page }) => {
  await openApp(page);
  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('article mark')).toHaveCount(1);
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  const main = await tabWalk(page, 80);
  expect(main.count).toBeGreaterThan(5);
  expect(main.bad).toEqual([]);
  // Import's input was one of them.
  await page.getByLabel('Import').focus();
  await expect(page.locator('label[for="import-file"]')).not.toHaveCSS('outline-style', 'none');

  await page.getByRole('button', { name: 'Library' }).click();
  const lib = page.getByRole('dialog', { name: 'Library' });
  await expect(lib).toBeFocused();
  const inLibrary = await tabWalk(page, 40);
  expect(inLibrary.bad).toEqual([]);
  await lib.getByLabel('Open a file').focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await expect(lib.getByLabel('Open a file')).toBeFocused();
  await expect(lib.locator('label[for="open-file"]')).not.toHaveCSS('outline-style', 'none');
});
