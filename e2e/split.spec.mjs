// The release build's split wasm (scripts/build-dist.mjs, src/ui/edge/split.rs): a first visit
// loads the main module only; a rarer part comes with its own file the first time it is used; a
// file that does not arrive is told, and the next use tries again.
import { test, expect } from '@playwright/test';
import { openApp } from './helpers.mjs';

// The service worker would answer the part's request from its copy of the build, out of the
// test's reach.
test.use({ serviceWorkers: 'block' });

test('the shortcuts sheet comes with its own file on first use; a failed download is told and the next try opens it', async ({ page }) => {
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  let refused = 0;
  await page.route(/\/split_help-[0-9a-f]{16}\.wasm$/, (route) => {
    if (refused++ === 0) return route.abort('internetdisconnected');
    return route.continue();
  });
  await openApp(page);
  await expect(page.locator('#article [data-block]').first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(wasm).toEqual([expect.stringMatching(/^\/marginalia-[0-9a-f]{16}_bg\.wasm$/)]);

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
