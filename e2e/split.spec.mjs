// The release build's split wasm (scripts/build-dist.mjs, src/ui/edge/split.rs): a first visit
// loads the main module only; a rarer part comes with its own file the first time it is used; a
// file that does not arrive is told, and the next use tries again.
import { test, expect } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { openApp } from './helpers.mjs';

// The service worker would answer the part's request from its copy of the build, out of the
// test's reach.
test.use({ serviceWorkers: 'block' });

/**
 * Opens the app recording every wasm file fetched, with the first download of part `name`
 * refused; checks that a first visit fetches the main module alone. Returns the paths fetched.
 */
async function firstVisitRefusingOnce(page, name) {
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  let refused = 0;
  await page.route(new RegExp(`/split_${name}-[0-9a-f]{16}\\.wasm$`), (route) => {
    if (refused++ === 0) return route.abort('internetdisconnected');
    return route.continue();
  });
  await openApp(page);
  await expect(page.locator('#article [data-block]').first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(wasm).toEqual([expect.stringMatching(/^\/marginalia-[0-9a-f]{16}_bg\.wasm$/)]);
  return wasm;
}

test('the shortcuts sheet comes with its own file on first use; a failed download is told and the next try opens it', async ({ page }) => {
  const wasm = await firstVisitRefusingOnce(page, 'help');

  const open = page.getByRole('button', { name: 'Keyboard shortcuts' });
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await open.click();
  await expect(page.locator('.toast')).toHaveText('This part of Marginalia did not load: check the connection and try again.');
  await expect(sheet).toHaveCount(0);

  await open.click();
  await expect(sheet).toBeVisible();
  await expect(sheet.getByRole('button', { name: 'Close' })).toBeFocused();
  expect(wasm.filter((p) => /\/split_help-/.test(p))).toHaveLength(2);
  // Closed and opened again: no new download.
  await page.keyboard.press('Escape');
  await expect(sheet).toHaveCount(0);
  await expect(open).toBeFocused();
  await open.click();
  await expect(sheet).toBeVisible();
  expect(wasm.filter((p) => /\/split_help-/.test(p))).toHaveLength(2);
});

test('Review and searching every document share a file fetched on first use; the details editor has its own', async ({ page }) => {
  // A first visit fetches none of them.
  const wasm = await firstVisitRefusingOnce(page, 'everywhere');
  const fetched = (name) => wasm.filter((p) => p.startsWith(`/split_${name}-`)).length;

  // Review: the failed download is told, the dialog stays closed; `r` tries again.
  const review = page.getByRole('dialog', { name: 'Review' });
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.locator('.toast')).toHaveText('This part of Marginalia did not load: check the connection and try again.');
  await expect(review).toHaveCount(0);
  await page.locator('#doc-title').focus();
  await page.keyboard.press('r');
  await expect(review).toBeVisible();
  await expect(review.getByRole('status')).toHaveText(/No highlights yet/);
  expect(fetched('everywhere')).toBe(2);
  await review.getByRole('button', { name: 'Close' }).click();
  await expect(review).toHaveCount(0);

  // Every document: already in; this document's annotations are searched with the others.
  await page.getByRole('radio', { name: 'Every document' }).check();
  await expect(page.locator('#panel').getByRole('status')).toHaveText(/^Type to search 0 annotations in \d+ documents?\.$/);
  await page.getByRole('radio', { name: 'This document' }).check();
  await expect(page.locator('#panel').getByRole('status')).toHaveText('0 in all');
  expect(fetched('everywhere')).toBe(2);

  // The details editor comes with its own file, the first time Edit details is chosen.
  const path = 'target/e2e-files/split-details.md';
  mkdirSync('target/e2e-files', { recursive: true });
  writeFileSync(path, '# Split Details\n\nA short text to edit the details of.\n');
  await page.getByRole('button', { name: 'Library' }).click();
  await page.getByRole('dialog', { name: 'Library' }).getByLabel('Open a file').setInputFiles(path);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Split Details');
  expect(fetched('details')).toBe(0);
  await page.getByRole('button', { name: 'Edit details' }).click();
  const form = page.getByRole('form', { name: 'Document details' });
  await expect(form.getByLabel('Title')).toBeFocused();
  expect(fetched('details')).toBe(1);
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form).toHaveCount(0);
  await page.getByRole('button', { name: 'Edit details' }).click();
  await expect(form.getByLabel('Title')).toHaveValue('Split Details');
  expect(fetched('details')).toBe(1);
});
