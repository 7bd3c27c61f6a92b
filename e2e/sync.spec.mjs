// Sync through a CouchDB server (issue 31): a real pouchdb-server on loopback, two browser
// contexts as two devices.
import { test, expect } from '@playwright/test';
import { openApp, dragSelect } from './helpers.mjs';
import { startCouch } from './sync-server.mjs';

const marks = (page, text) => page.locator('article mark', { hasText: text });

// The server (e2e/sync-server.mjs) and its one user here, with their own database.
let server;
let url;
let couch;
let NAME;
let PASSWORD;
let DB;

test.beforeAll(async () => {
  server = await startCouch();
  ({ url, couch } = server);
  ({ name: NAME, password: PASSWORD, db: DB } = await server.user());
});

test.afterAll(async () => {
  if (server) server.stop();
});

/** Opens the Sync dialog from the top bar's status. */
async function openSync(page) {
  await page.getByRole('button', { name: /^(Sync|Synced|Syncing|Offline|Sign-in|Server)/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Sync' });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function signIn(page, password = PASSWORD) {
  const dialog = await openSync(page);
  await dialog.getByRole('textbox', { name: 'Server address' }).fill(url);
  await dialog.getByRole('textbox', { name: 'User name' }).fill(NAME);
  await dialog.getByLabel('Password').fill(password);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  return dialog;
}

test('two devices: a highlight made on one appears on the other, one made offline when back online; a wrong password says so; signing out keeps local data', async ({ browser }) => {
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await openApp(a);
  await openApp(b);

  // A wrong password: a clear message, still signed out.
  const dialogA = await signIn(a, 'not-the-password');
  await expect(dialogA.getByRole('alert')).toHaveText('Wrong name or password');
  await expect(dialogA.getByRole('button', { name: 'Sign in' })).toBeVisible();

  // The right one: signed in, and the top bar says it is synced.
  await dialogA.getByLabel('Password').fill(PASSWORD);
  await dialogA.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialogA.getByText(`Signed in as ${NAME}`)).toBeVisible();
  await dialogA.getByRole('button', { name: 'Close' }).click();
  await expect(a.getByRole('button', { name: 'Synced' })).toBeVisible({ timeout: 15_000 });
  await expect(a.locator('.brand small')).toHaveText('highlights synced across your devices');
  await expect(b.locator('.brand small')).toHaveText('highlights stay on this device');

  const dialogB = await signIn(b);
  await expect(dialogB.getByText(`Signed in as ${NAME}`)).toBeVisible();
  await dialogB.getByRole('button', { name: 'Close' }).click();
  await expect(b.getByRole('button', { name: 'Synced' })).toBeVisible({ timeout: 15_000 });

  // A highlight on A appears on B, no reload.
  await a.bringToFront();
  await dragSelect(a, 'Basij Organization');
  await a.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(a, 'Basij Organization')).toHaveCount(1);
  await expect(marks(b, 'Basij Organization')).toHaveCount(1, { timeout: 15_000 });
  // It is on the server too.
  const all = await couch('GET', `/${DB}/_all_docs?include_docs=true`);
  expect(all.json.rows.some((r) => r.id.startsWith('annotation:') && r.doc.type === 'annotation')).toBe(true);

  // Offline, a highlight waits on A and says so; back online, it goes out.
  await a.context().setOffline(true);
  await a.bringToFront();
  await dragSelect(a, 'Hassan Rouhani');
  await a.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(a.getByRole('button', { name: /^Offline — \d+ changes? waiting$/ })).toBeVisible({ timeout: 10_000 });
  await b.waitForTimeout(4_000);
  await expect(marks(b, 'Hassan Rouhani')).toHaveCount(0);
  await a.context().setOffline(false);
  await expect(marks(b, 'Hassan Rouhani')).toHaveCount(1, { timeout: 15_000 });
  await expect(a.getByRole('button', { name: 'Synced' })).toBeVisible({ timeout: 15_000 });

  // Deleting on B removes it on A.
  await b.bringToFront();
  await b.locator('.card', { hasText: 'Basij Organization' }).getByRole('button', { name: /^Delete/ }).click();
  await expect(marks(b, 'Basij Organization')).toHaveCount(0);
  await expect(marks(a, 'Basij Organization')).toHaveCount(0, { timeout: 15_000 });

  // A highlight made on B, then B signs out: the highlight stays, after a reload too.
  await dragSelect(b, 'three-day visit');
  await b.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(a, 'three-day visit')).toHaveCount(1, { timeout: 15_000 });
  const again = await openSync(b);
  await again.getByRole('button', { name: 'Sign out' }).click();
  await expect(again.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await again.getByRole('button', { name: 'Close' }).click();
  await expect(b.getByRole('button', { name: 'Sync', exact: true })).toBeVisible();
  await expect(b.locator('.brand small')).toHaveText('highlights stay on this device');
  await b.reload();
  await expect(marks(b, 'three-day visit')).toHaveCount(1);
  await expect(b.getByRole('button', { name: 'Sync', exact: true })).toBeVisible();
});
