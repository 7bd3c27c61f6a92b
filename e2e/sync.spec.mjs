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

test('a first sync of 1,500 annotations: the reader highlights while it runs, and ends with every one of them and their own', async ({ browser }) => {
  const user = await server.user();
  // One highlight made by the app on A, then 1,499 more like it on the server (new ids): more
  // than a run merges record by record, more than a page of the paged read, more than the
  // count past which the article lays out only the blocks near the screen.
  const a = await (await browser.newContext()).newPage();
  await openApp(a);
  await dragSelect(a, 'Basij Organization');
  await a.getByRole('button', { name: 'Highlight', exact: true }).click();
  const dialogA = await openSync(a);
  await dialogA.getByRole('textbox', { name: 'Server address' }).fill(url);
  await dialogA.getByRole('textbox', { name: 'User name' }).fill(user.name);
  await dialogA.getByLabel('Password').fill(user.password);
  await dialogA.getByRole('button', { name: 'Sign in' }).click();
  await dialogA.getByRole('button', { name: 'Close' }).click();
  await expect(a.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 20_000 });
  const all = await couch('GET', `/${user.db}/_all_docs?include_docs=true`);
  const model = all.json.rows.find((r) => r.id.startsWith('annotation:')).doc;
  const docs = Array.from({ length: 1499 }, (_, i) => {
    const id = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const { _id, _rev, ...body } = model;
    return { ...body, _id: `annotation:${model.doc}:${id}`, annotation: { ...model.annotation, id, note: `copy ${i}` } };
  });
  expect((await couch('POST', `/${user.db}/_bulk_docs`, { docs })).status).toBe(201);

  // B, an empty device, signs in and highlights at once, while the first sync runs.
  const b = await (await browser.newContext()).newPage();
  await openApp(b);
  const dialogB = await openSync(b);
  await dialogB.getByRole('textbox', { name: 'Server address' }).fill(url);
  await dialogB.getByRole('textbox', { name: 'User name' }).fill(user.name);
  await dialogB.getByLabel('Password').fill(user.password);
  await dialogB.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialogB.getByText(`Signed in as ${user.name}`)).toBeVisible();
  await dialogB.getByRole('button', { name: 'Close' }).click();
  await dragSelect(b, 'Hassan Rouhani');
  await b.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(b, 'Hassan Rouhani')).toHaveCount(1);
  await expect(b.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 60_000 });

  // All 1,500 and the reader's own: stored, drawn, and listed; the reader's went out to A.
  const stored = () => b.evaluate((doc) => new Promise((resolve) => {
    const open = indexedDB.open('marginalia');
    open.onsuccess = () => {
      const req = open.result.transaction('annotations').objectStore('annotations').count(IDBKeyRange.bound([doc], [doc, []]));
      req.onsuccess = () => { open.result.close(); resolve(req.result); };
    };
  }), model.doc);
  await expect.poll(stored, { timeout: 20_000 }).toBe(1501);
  await expect(marks(b, 'Basij Organization')).toHaveCount(1);
  await expect(marks(b, 'Hassan Rouhani')).toHaveCount(1);
  // The page of 50, and the reader's own (focused, further on in the text) after it.
  await expect(b.locator('#card-list > li')).toHaveCount(51);
  await expect(b.locator('#card-list .card', { hasText: 'Hassan Rouhani' })).toHaveCount(1);
  await expect(b.getByRole('button', { name: 'Show 50 more' })).toBeVisible();
  await expect(marks(a, 'Hassan Rouhani')).toHaveCount(1, { timeout: 20_000 });
  await a.context().close();
  await b.context().close();
});
