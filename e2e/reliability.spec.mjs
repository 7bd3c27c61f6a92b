// Nothing lost, nothing injected: storage faults, a panic, two tabs, hostile input, strict CSP.
// Driven like a reader, on the release build.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { afterNextPaint, allowFullStorage, dragSelect, openApp, phrasePoints, setFull, watchConsole } from './helpers.mjs';

const DOC = 'pakistan-army-chief-iran';
const KEY = `marginalia/v1/doc/${DOC}`;
const BACKUP = `marginalia/v1/backup/${DOC}`;

const marks = (page, text) => page.locator('article mark', { hasText: text });
const card = (page, text) => page.locator('.card', { hasText: text });
/** An earlier build's localStorage value (the migration's source, and backups). */
const stored = (page, key = KEY) => page.evaluate((k) => localStorage.getItem(k), key);

/**
 * Reads or writes the app's IndexedDB database from the page (made as the app makes it when it
 * does not exist yet). `op`: 'read' (→ the stored texts of `arg.store` for DOC) or 'write'
 * (`arg.recs` id → text, `arg.replace`, `arg.meta`; then tells the app's tabs, as a tab does).
 */
function dbOp(page, op, arg) {
  return page.evaluate(([op, arg]) => new Promise((resolve, reject) => {
    const open = indexedDB.open('marginalia', 1);
    open.onupgradeneeded = () => {
      for (const s of ['annotations', 'meta', 'set-aside']) open.result.createObjectStore(s);
    };
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const range = IDBKeyRange.bound([arg.doc], [arg.doc, []]);
      const finish = (v) => { db.close(); resolve(v); };
      if (op === 'read') {
        const req = db.transaction(arg.store).objectStore(arg.store).getAll(range);
        req.onsuccess = () => finish(req.result);
        req.onerror = () => reject(req.error);
        return;
      }
      const tx = db.transaction(['annotations', 'meta'], 'readwrite');
      const store = tx.objectStore('annotations');
      if (arg.replace) store.delete(range);
      for (const [id, raw] of Object.entries(arg.recs)) store.put(raw, [arg.doc, id]);
      tx.objectStore('meta').put(arg.meta, arg.doc);
      tx.onabort = () => reject(tx.error);
      tx.oncomplete = () => {
        const channel = new BroadcastChannel('marginalia/v1/saved');
        channel.postMessage(arg.doc);
        channel.close();
        finish(null);
      };
    };
  }), [op, arg]);
}

/** The document's records in the database, as stored (text). */
const rawRecords = (page, store = 'annotations', doc = DOC) => dbOp(page, 'read', { store, doc });

/** The document's annotations in the database, parsed. */
const records = async (page) => (await rawRecords(page)).map((r) => JSON.parse(r));

/**
 * Writes records straight into the database as another tab (or build) would, and tells the app's
 * tabs: `recs` maps annotation id → stored text; `replace` first removes the document's others;
 * `meta` overrides the format record.
 */
const writeRecords = (page, recs, { replace = false, meta = '{"version":1}' } = {}) => dbOp(page, 'write', { recs, replace, meta, doc: DOC });

async function highlight(page, phrase) {
  await page.bringToFront(); // a reader acts in the tab in front (a hidden tab gets no animation frames)
  await dragSelect(page, phrase);
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(page, phrase).first()).toBeVisible();
}

/** Opens the note editor of the card quoting `quote`. */
async function openNote(page, quote) {
  await page.bringToFront();
  await card(page, quote).getByRole('button', { name: /^(Add|Edit) note$/ }).click();
  const box = page.getByRole('textbox', { name: 'Note' });
  await expect(box).toBeFocused();
  return box;
}

async function writeNote(page, quote, text) {
  const box = await openNote(page, quote);
  await box.fill(text);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(box).toBeHidden();
}

/** Opens a plain page of the app's origin that is not the app (no requests, no 404s). */
async function plainPage(page) {
  await page.route('**/plain-page', (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><html lang="en"><title>plain</title><link rel="icon" href="data:,"></html>',
  }));
  await page.goto('/plain-page');
}

/** Writes localStorage before the app runs: from a page of the same origin that is not the app. */
async function seed(page, entries) {
  await plainPage(page);
  await page.evaluate((entries) => {
    localStorage.clear();
    for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
  }, entries);
}

/** Fills localStorage until it refuses even a few characters; returns the filler keys. */
async function fillStorage(page) {
  return page.evaluate(() => {
    const keys = [];
    let size = 1 << 20;
    let i = 0;
    while (size >= 8) {
      try {
        const k = `filler/${i++}`;
        localStorage.setItem(k, 'x'.repeat(size));
        keys.push(k);
      } catch {
        size = Math.floor(size / 2);
      }
    }
    return keys;
  });
}

async function freeStorage(page, keys) {
  await page.evaluate((keys) => keys.forEach((k) => localStorage.removeItem(k)), keys);
}

async function downloadText(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/**
 * Makes the app panic on purpose: calls `marginalia_test_panic`, which the build exports to the
 * page's own script only (no link or reader's action reaches it). The release build aborts after
 * its panic hook: the call ends in a RuntimeError, returned here.
 */
const panicOnPurpose = (page) => page.evaluate(() => {
  try {
    window.wasmBindings.marginalia_test_panic();
  } catch (e) {
    return String(e);
  }
  return 'no panic';
});

/**
 * Counts the app's saves: its `marginalia:save` measure, taken each time a save runs, whether it
 * writes or finds it must not (and cleared at once: a PerformanceObserver still sees it).
 */
async function countSaves(page) {
  await page.evaluate(() => {
    window.__saves = 0;
    new PerformanceObserver((list) => {
      window.__saves += list.getEntries().filter((e) => e.name === 'marginalia:save').length;
    }).observe({ type: 'measure' });
  });
  return () => page.evaluate(() => window.__saves);
}

const quotesOf = (collection) => collection.first.items
  .map((a) => a.target.selector.find((s) => s.type === 'TextQuoteSelector').exact)
  .sort();

// ---------------------------------------------------------------------------------------------
// Storage faults

const DAMAGED = [
  ['invalid JSON', `{"version": 1, "doc": "${DOC}", "annotations": [{"id": "urn:uuid:1", "quo`, 'not valid JSON'],
  ['the wrong shape', JSON.stringify({ version: 1, doc: DOC, annotations: { oops: 'a map, not a list' } }), 'not in the expected form'],
  ['an unknown newer version', JSON.stringify({ version: 99, doc: DOC, annotations: [{ hologram: true }] }), 'newer version of Marginalia'],
];

for (const [what, raw, says] of DAMAGED) {
  test(`an earlier build's stored data with ${what}: the app starts, keeps it, backs it up, overwrites nothing until the reader chooses`, async ({ page }) => {
    await seed(page, { [KEY]: raw });
    const console = watchConsole(page);
    await openApp(page);
    const alert = page.getByRole('alert').filter({ hasText: 'could not be read' });
    await expect(alert).toContainText(says);
    await expect(alert).toContainText(`A copy is kept under the key "${BACKUP}"`);
    await expect(alert.getByRole('button', { name: 'Download the damaged data' })).toBeVisible();
    await expect(alert.getByRole('button', { name: 'Start fresh' })).toBeVisible();
    expect(await stored(page)).toBe(raw);
    expect(await stored(page, BACKUP)).toBe(raw);

    // The reader goes on reading and highlighting (saved as usual, elsewhere); the old value
    // is never written over.
    await highlight(page, 'Basij Organization');
    await writeNote(page, 'Basij Organization', 'saved meanwhile');
    await expect.poll(async () => (await records(page)).map((a) => a.note)).toEqual(['saved meanwhile']);
    expect(await stored(page)).toBe(raw);
    await expect(alert.getByRole('button', { name: 'Start fresh' })).toBeVisible();

    // A reload loses neither: the data is still held, the new highlight is back.
    await page.reload();
    await expect(alert).toContainText(says);
    expect(await stored(page)).toBe(raw);
    await expect(marks(page, 'Basij Organization')).toHaveCount(1);

    const file = await downloadText(page, () => alert.getByRole('button', { name: 'Download the damaged data' }).click());
    expect(file.name).toBe(`${DOC}-damaged-storage.json`);
    expect(file.text).toBe(raw);

    // From the keyboard: the warning goes with its button, and the focus goes to the title.
    await alert.getByRole('button', { name: 'Start fresh' }).focus();
    await page.keyboard.press('Enter');
    await expect(alert).toBeHidden();
    await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
    await expect(page.getByRole('status').getByText(`Started fresh. The damaged data is kept under the key "${BACKUP}"`)).toBeVisible();
    expect(await stored(page)).toBeNull();
    expect((await records(page)).map((a) => a.quote.exact)).toEqual(['Basij Organization']);
    expect(await stored(page, BACKUP)).toBe(raw);

    await page.reload();
    await expect(marks(page, 'Basij Organization')).toHaveCount(1);
    await expect(page.getByRole('alert')).toHaveCount(0);
    console.check();
  });
}

test('an earlier build\'s annotations in localStorage move into the database, and the old key goes only once they are there', async ({ page }) => {
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await writeNote(page, 'Basij Organization', 'from the old format');
  await highlight(page, 'three-day visit');
  await expect.poll(async () => (await records(page)).length).toBe(2);
  const old = { version: 1, doc: DOC, annotations: await records(page) };
  // As an earlier build left it: everything in one localStorage value, nothing in the database.
  const context = await browserContext(page);
  const fresh = await context.newPage();
  const console = watchConsole(fresh);
  await seed(fresh, { [KEY]: JSON.stringify(old) });
  await openApp(fresh);
  await expect(fresh.locator('article mark')).toHaveCount(2);
  await expect(card(fresh, 'Basij Organization').locator('.note')).toHaveText('from the old format');
  await expect.poll(() => stored(fresh)).toBeNull();
  expect((await records(fresh)).map((a) => a.quote.exact).sort()).toEqual(['Basij Organization', 'three-day visit']);
  await fresh.reload();
  await expect(fresh.locator('article mark')).toHaveCount(2);
  await expect(fresh.getByRole('alert')).toHaveCount(0);
  console.check();

  // A full database: the old value stays where it is until its annotations are written.
  const full = await browserContext(page);
  await allowFullStorage(full);
  const tab = await full.newPage();
  await seed(tab, { [KEY]: JSON.stringify(old), 'test/storage-full': '1' });
  await openApp(tab);
  await expect(tab.locator('article mark')).toHaveCount(2);
  await expect(tab.getByRole('alert')).toContainText('not saved');
  expect(await stored(tab)).toBe(JSON.stringify(old));
  await setFull(tab, false);
  await highlight(tab, 'Foreign Minister');
  await expect.poll(() => stored(tab)).toBeNull();
  expect(await records(tab)).toHaveLength(3);
  await context.close();
  await full.close();
});

/** A new context of the same browser (its own, empty storage). */
const browserContext = (page) => page.context().browser().newContext({ baseURL: test.info().project.use.baseURL });

test('records in the database that cannot be read: the others load, the bad ones are kept, downloadable, and set aside on Start fresh', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await expect.poll(async () => (await records(page)).length).toBe(1);
  const bad = '{"id": "urn:uuid:broken", "quo';
  await writeRecords(page, { 'urn:uuid:broken': bad, 'urn:uuid:odd': '{"id": "urn:uuid:odd", "hologram": true}' });
  await page.reload();
  const alert = page.getByRole('alert').filter({ hasText: 'could not be read' });
  await expect(alert).toContainText('2 of your saved annotations could not be read');
  await expect(alert).toContainText('not valid JSON');
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await highlight(page, 'three-day visit');
  await expect.poll(async () => (await rawRecords(page)).length).toBe(4);

  const file = await downloadText(page, () => alert.getByRole('button', { name: 'Download the damaged data' }).click());
  expect(JSON.parse(file.text)).toEqual([{ id: 'urn:uuid:broken', stored: bad }, { id: 'urn:uuid:odd', stored: '{"id": "urn:uuid:odd", "hologram": true}' }]);
  await alert.getByRole('button', { name: 'Start fresh' }).click();
  await expect(alert).toBeHidden();
  await expect(page.getByRole('status').getByText('kept aside in the browser\'s database')).toBeVisible();
  expect(await rawRecords(page, 'set-aside')).toContain(bad);
  expect((await records(page)).map((a) => a.quote.exact).sort()).toEqual(['Basij Organization', 'three-day visit']);
  await page.reload();
  await expect(page.locator('article mark')).toHaveCount(2);
  await expect(page.getByRole('alert')).toHaveCount(0);
  console.check();
});

test('damaged data that cannot be backed up (localStorage full): Start fresh waits until the reader has downloaded it', async ({ page }) => {
  // A newer version's value, large enough that the fresh value fits in the space it leaves.
  const raw = JSON.stringify({ version: 7, doc: DOC, annotations: [{ future: 'y'.repeat(20000) }] });
  await seed(page, { [KEY]: raw });
  const keys = await fillStorage(page);
  await openApp(page);
  const alert = page.getByRole('alert').filter({ hasText: 'could not be read' });
  await expect(alert).toContainText('newer version');
  await expect(alert).toContainText('No backup copy could be made');
  expect(await stored(page, BACKUP)).toBeNull();

  await highlight(page, 'Basij Organization');
  await alert.getByRole('button', { name: 'Start fresh' }).click();
  await expect(alert).toContainText('choose Download the damaged data first, then Start fresh');
  expect(await stored(page)).toBe(raw);

  const file = await downloadText(page, () => alert.getByRole('button', { name: 'Download the damaged data' }).click());
  expect(file.text).toBe(raw);
  await alert.getByRole('button', { name: 'Start fresh' }).click();
  await expect(alert).toBeHidden();
  await expect(page.getByRole('status').getByText('Started fresh. The damaged data was downloaded.')).toBeVisible();
  expect(await stored(page)).toBeNull();
  expect((await records(page)).map((a) => a.quote.exact)).toEqual(['Basij Organization']);
  await freeStorage(page, keys);
});

test('storage full: the highlight stays, a persistent warning offers the download, the next change saves', async ({ page }) => {
  await allowFullStorage(page.context());
  const console = watchConsole(page);
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await expect.poll(async () => (await records(page)).length).toBe(1);

  await setFull(page, true);
  await highlight(page, 'three-day visit');
  const alert = page.getByRole('alert').filter({ hasText: 'not saved' });
  await expect(alert).toContainText("the browser's storage is full");
  await expect(alert).toContainText('Saving is tried again on your next change');
  await expect(marks(page, 'three-day visit')).toHaveCount(1);
  expect(await records(page)).toHaveLength(1);

  // More work while full: kept in memory, the warning stays.
  await writeNote(page, 'three-day visit', 'written while the storage was full');
  await expect(alert).toBeVisible();
  // The warning is persistent: it outlives a toast shown after it (copying a quote shows one).
  await card(page, 'three-day visit').getByRole('button', { name: /^Copy quote/ }).click();
  const toast = page.locator('.toast');
  await expect(toast).toBeVisible();
  await expect(toast).toBeHidden({ timeout: 10_000 });
  await expect(alert).toBeVisible();

  const file = await downloadText(page, () => alert.getByRole('button', { name: 'Download annotations' }).click());
  const collection = JSON.parse(file.text);
  expect(quotesOf(collection)).toEqual(['Basij Organization', 'three-day visit']);
  expect(file.text).toContain('written while the storage was full');

  // Space again: the next change saves everything, and the warning goes.
  await setFull(page, false);
  await highlight(page, 'Foreign Minister');
  await expect(alert).toBeHidden();
  const saved = await records(page);
  expect(saved.map((a) => a.quote.exact).sort()).toEqual(['Basij Organization', 'Foreign Minister', 'three-day visit']);
  expect(saved.find((a) => a.quote.exact === 'three-day visit').note).toBe('written while the storage was full');

  await page.reload();
  await expect(page.locator('article mark')).toHaveCount(3);
  console.check();
});

test('storage full before the app starts: saved annotations load, new ones are kept in memory with the warning', async ({ page }) => {
  await allowFullStorage(page.context());
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await expect.poll(async () => (await records(page)).length).toBe(1);
  await setFull(page, true);
  await page.reload();
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await highlight(page, 'three-day visit');
  await expect(page.getByRole('alert')).toContainText('not saved');
  await setFull(page, false);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await records(page)).toHaveLength(1);
});

test('IndexedDB missing (access throws): the app works in memory and says so', async ({ page }) => {
  const console = watchConsole(page);
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', {
      configurable: true,
      get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
    });
  });
  await openApp(page);
  const alert = page.getByRole('alert').filter({ hasText: 'Memory only' });
  await expect(alert).toContainText('will be lost when this tab closes');
  await expect(alert).toContainText('the browser refused access to IndexedDB');
  await highlight(page, 'Basij Organization');
  await writeNote(page, 'Basij Organization', 'only in memory');
  await expect(alert).toBeVisible();
  const file = await downloadText(page, () => alert.getByRole('button', { name: 'Download annotations' }).click());
  expect(quotesOf(JSON.parse(file.text))).toEqual(['Basij Organization']);
  expect(file.text).toContain('only in memory');
  console.check();
});

test('IndexedDB that will not open: the app works in memory and says why', async ({ page }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () { throw new DOMException('Blocked by the site settings.', 'SecurityError'); };
  });
  await openApp(page);
  const alert = page.getByRole('alert').filter({ hasText: 'Memory only' });
  await expect(alert).toContainText('Blocked by the site settings');
  await highlight(page, 'three-day visit');
  await expect(alert).toBeVisible();
  const file = await downloadText(page, () => alert.getByRole('button', { name: 'Download annotations' }).click());
  expect(quotesOf(JSON.parse(file.text))).toEqual(['three-day visit']);
});

test('localStorage that throws on every write or read no longer matters: annotations are saved and come back', async ({ page }) => {
  const console = watchConsole(page);
  await page.addInitScript(() => {
    Storage.prototype.setItem = function () { throw new DOMException('Writes are blocked.', 'SecurityError'); };
    Storage.prototype.getItem = function () { throw new DOMException('Reads are blocked.', 'SecurityError'); };
  });
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await expect.poll(async () => (await records(page)).length).toBe(1);
  await page.reload();
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await expect(page.getByRole('alert')).toHaveCount(0);
  console.check();
});

test('a panic shows "Something went wrong — your annotations are safe" with a download of what is in memory', async ({ page }) => {
  await allowFullStorage(page.context());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await writeNote(page, 'Basij Organization', 'safe after a panic');
  // Storage full as well: the rescue download must not depend on what was saved.
  await expect.poll(async () => (await records(page)).length).toBe(1);
  await setFull(page, true);
  await highlight(page, 'three-day visit');
  await expect(page.getByRole('alert')).toContainText('not saved');

  expect(await panicOnPurpose(page)).toMatch(/RuntimeError/);
  const alert = page.getByRole('alert').filter({ hasText: 'Something went wrong — your annotations are safe' });
  await expect(alert).toBeVisible();
  await expect(alert).toBeInViewport();
  expect(errors.join('\n')).toContain('testing the panic message');

  const file = await downloadText(page, () => alert.getByRole('link', { name: 'Download your annotations' }).click());
  expect(file.name).toBe(`${DOC}-annotations-rescued.json`);
  const rescued = JSON.parse(file.text);
  expect(rescued.annotations.map((a) => a.quote.exact).sort()).toEqual(['Basij Organization', 'three-day visit']);
  expect(file.text).toContain('safe after a panic');
  await setFull(page, false);

  // Reload from the message: the saved annotations are back.
  await alert.getByRole('link', { name: 'Reload' }).click();
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('no address makes the app panic: a link with the hash the tests once used is only an address', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page, '/#marginalia-test-panic');
  await expect(page.locator('#article [data-block]').first()).toBeVisible(); // the app, not the static copy
  await page.evaluate(() => new Promise((resolve) => {
    addEventListener('hashchange', () => requestAnimationFrame(() => setTimeout(resolve, 0)), { once: true });
    location.hash = '#marginalia-test-panic-again';
  }));
  await afterNextPaint(page);
  await expect(page.locator('#marginalia-panic')).toHaveCount(0);
  console.check();
});

// ---------------------------------------------------------------------------------------------
// Two tabs

test('two tabs: changes appear in the other tab without a reload; edits merge; the same note resolves to the later edit', async ({ page }) => {
  const consoleA = watchConsole(page);
  const a = page;
  const b = await page.context().newPage();
  const consoleB = watchConsole(b);
  await openApp(a);
  await openApp(b);

  // A highlights: B shows it.
  await highlight(a, 'Basij Organization');
  await expect(marks(b, 'Basij Organization')).toHaveCount(1);
  await expect(b.locator('.card')).toHaveCount(1);

  // B writes a note: A shows it.
  await writeNote(b, 'Basij Organization', 'note from B');
  await expect(card(a, 'Basij Organization').locator('.note')).toHaveText('note from B');

  // Different annotations, one in each tab: both survive everywhere.
  await highlight(a, 'three-day visit');
  await highlight(b, 'Foreign Minister');
  for (const p of [a, b]) {
    await expect(p.locator('.card')).toHaveCount(3);
    await expect(marks(p, 'three-day visit')).toHaveCount(1);
    await expect(marks(p, 'Foreign Minister')).toHaveCount(1);
  }
  await writeNote(a, 'three-day visit', 'A on the visit');
  await writeNote(b, 'Foreign Minister', 'B on the minister');
  for (const p of [a, b]) {
    await expect(card(p, 'three-day visit').locator('.note')).toHaveText('A on the visit');
    await expect(card(p, 'Foreign Minister').locator('.note')).toHaveText('B on the minister');
  }

  // The same note edited in both at once: B's unsaved text survives A's save, and the later
  // save (B's) wins in both tabs.
  const boxA = await openNote(a, 'Basij Organization');
  const boxB = await openNote(b, 'Basij Organization');
  await boxB.fill('B typed this first but saves last');
  await boxA.fill('A saves first');
  await a.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(b.getByRole('status').getByText('changed in another tab; your unsaved text is still in the editor')).toBeVisible();
  await expect(b.getByRole('textbox', { name: 'Note' })).toHaveValue('B typed this first but saves last');
  await b.getByRole('button', { name: 'Save', exact: true }).click();
  for (const p of [a, b]) {
    await expect(card(p, 'Basij Organization').locator('.note')).toHaveText('B typed this first but saves last');
  }

  // Delete in B, undo in B: A follows both.
  await b.bringToFront();
  await card(b, 'Foreign Minister').getByRole('button', { name: /^Delete/ }).click();
  await expect(marks(a, 'Foreign Minister')).toHaveCount(0);
  await b.getByRole('button', { name: 'Undo', exact: true }).first().click();
  await expect(marks(a, 'Foreign Minister')).toHaveCount(1);
  await expect(card(a, 'Foreign Minister').locator('.note')).toHaveText('B on the minister');

  // Nothing duplicated, nothing dropped, the same in both tabs and after a reload.
  const ids = async (p) => p.evaluate(() => [...document.querySelectorAll('.card')].map((c) => c.dataset.card).sort());
  expect(await ids(a)).toEqual(await ids(b));
  expect(await ids(a)).toHaveLength(3);
  await a.reload();
  await expect(a.locator('.card')).toHaveCount(3);
  expect(await ids(a)).toEqual(await ids(b));
  consoleA.check();
  consoleB.check();
});

test('two tabs: an undo is a change of its own — the other tab follows it, and later writes never bring the undone version back', async ({ page }) => {
  const a = page;
  const b = await page.context().newPage();
  await openApp(a);
  await openApp(b);
  await highlight(a, 'Basij Organization');
  await writeNote(a, 'Basij Organization', 'a note to take back');
  await expect(card(b, 'Basij Organization').locator('.note')).toHaveText('a note to take back');
  await expect.poll(async () => (await records(a)).map((x) => x.note)).toEqual(['a note to take back']);

  await a.bringToFront();
  await a.getByRole('button', { name: 'Undo', exact: true }).first().click();
  await expect(card(a, 'Basij Organization')).not.toContainText('a note to take back');
  await expect(card(b, 'Basij Organization')).not.toContainText('a note to take back');
  // Another write (from B) makes A read everything again: the undone note stays undone.
  await highlight(b, 'three-day visit');
  await expect(marks(a, 'three-day visit')).toHaveCount(1);
  await expect(card(a, 'Basij Organization')).not.toContainText('a note to take back');
  await expect.poll(async () => (await records(a)).map((x) => x.note).sort()).toEqual(['', '']);
});

test('two tabs, a write from a tab that had not heard of the latest edit: contents follow the later modified, nothing regresses', async ({ page }) => {
  const a = page;
  await openApp(a);
  await highlight(a, 'Basij Organization');
  await highlight(a, 'three-day visit');
  await expect.poll(async () => (await records(a)).length).toBe(2);
  const before = await records(a); // what a slower tab last saw
  await writeNote(a, 'Basij Organization', 'newer edit in A');
  await expect.poll(async () => (await records(a)).map((x) => x.note).sort()).toEqual(['', 'newer edit in A']);

  // Another tab (a plain page of the same origin, standing in for a slower tab) writes both
  // records: it has not seen A's note, and it edited the other annotation later.
  const b = await page.context().newPage();
  await plainPage(b);
  const visit = before.find((x) => x.quote.exact === 'three-day visit');
  const basij = before.find((x) => x.quote.exact === 'Basij Organization');
  await writeRecords(b, {
    [visit.id]: JSON.stringify({ ...visit, note: 'edited in the slower tab', modified: Date.now() + 1000 }),
    [basij.id]: JSON.stringify(basij),
  });

  await expect(card(a, 'three-day visit').locator('.note')).toHaveText('edited in the slower tab');
  await expect(card(a, 'Basij Organization').locator('.note')).toHaveText('newer edit in A');
  // A's newer version won, so A wrote it back for every tab.
  await expect.poll(async () => (await records(a)).map((x) => x.note).sort())
    .toEqual(['edited in the slower tab', 'newer edit in A']);
  await expect(a.locator('.card')).toHaveCount(2);

  // A newer build's data arriving mid-session is held like at start: nothing is written.
  await writeRecords(b, {}, { meta: '{"version": 42}' });
  const alert = a.getByRole('alert').filter({ hasText: 'could not be read' });
  await expect(alert).toContainText('newer version');
  const saves = await countSaves(a);
  await highlight(a, 'Foreign Minister');
  // The save that follows the highlight has run (and handed the database nothing: a write it
  // started would come before the read below).
  await expect.poll(saves).toBeGreaterThan(0);
  expect(await records(b)).toHaveLength(2);
  await alert.getByRole('button', { name: 'Start fresh' }).click();
  await expect(alert).toBeHidden();
  await expect.poll(async () => (await records(b)).length).toBe(3);
  expect(await rawRecords(b, 'set-aside')).toHaveLength(2);
});

test('two tabs with the storage full: work a tab could not save survives the other tab\'s changes and is saved once there is room', async ({ page }) => {
  await allowFullStorage(page.context());
  const a = page;
  const b = await page.context().newPage();
  await openApp(a);
  await openApp(b);
  await highlight(a, 'Basij Organization');
  await highlight(a, 'Foreign Minister');
  await expect(b.locator('.card')).toHaveCount(2);

  await setFull(a, true);
  await highlight(b, 'three-day visit');
  const warning = b.getByRole('alert').filter({ hasText: 'not saved' });
  await expect(warning).toBeVisible();
  await writeNote(b, 'three-day visit', 'a long unsaved thought '.repeat(200));

  // A deletes one (a deletion needs no room, so A saves): B follows the deletion and keeps its
  // unsaved highlight and note, still warning that they are not saved.
  await a.bringToFront();
  await card(a, 'Foreign Minister').getByRole('button', { name: /^Delete/ }).click();
  await expect(marks(b, 'Foreign Minister')).toHaveCount(0);
  await expect(marks(b, 'three-day visit')).toHaveCount(1);
  await expect(card(b, 'three-day visit').locator('.note')).toContainText('a long unsaved thought');
  await expect(warning).toBeVisible();
  await expect(marks(a, 'three-day visit')).toHaveCount(0);
  await expect(marks(a, 'Foreign Minister')).toHaveCount(0);

  // Room again: B's next change saves everything, and A receives it.
  await setFull(a, false);
  await writeNote(b, 'three-day visit', 'saved at last');
  await expect(warning).toBeHidden();
  await expect(card(a, 'three-day visit').locator('.note')).toHaveText('saved at last');
  expect((await records(a)).map((x) => x.quote.exact).sort()).toEqual(['Basij Organization', 'three-day visit']);
});

// ---------------------------------------------------------------------------------------------
// Hostile input

const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '<script>window.__pwned=2;alert(2)</script>',
  '<a href="javascript:window.__pwned=3">click</a> javascript:alert(3)',
  '<svg onload="window.__pwned=4"><animate onbegin="alert(4)"/></svg>',
  '<iframe srcdoc="<script>parent.__pwned=5</script>"></iframe>',
  '"><style>body{display:none}</style><b onmouseover=alert(6)>',
  '{{constructor.constructor("window.__pwned=7")()}} ${alert(8)} %s%n',
  '\u202eRTL override: עברית ושלום — العربية والسلام',
  'emoji 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 e\u0301 \u{1F600}',
  'control \u0001\u0002\u0007\u001b[31m\u007f\u0085\u2028\u200b end',
  'x'.repeat(20000),
];

async function assertInert(page) {
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  const injected = await page.evaluate(() => ({
    elements: document.querySelectorAll('.panel img, .panel script, .panel svg, .panel iframe, .panel style, .panel b, article img, article script, article svg, article iframe').length,
    jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
    hidden: getComputedStyle(document.body).display === 'none',
  }));
  expect(injected).toEqual({ elements: 0, jsLinks: 0, hidden: false });
}

test('hostile notes are shown as text and never run', async ({ page }) => {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  const console = watchConsole(page);
  await openApp(page);
  await highlight(page, 'Basij Organization');
  for (const payload of PAYLOADS) {
    await writeNote(page, 'Basij Organization', payload);
    const shown = await card(page, 'Basij Organization').locator('.note').evaluate((el) => el.textContent);
    expect(shown).toBe(payload);
    await assertInert(page);
  }
  // The highlight's tooltip carries the note as an attribute value, never markup.
  await writeNote(page, 'Basij Organization', PAYLOADS[0]);
  await expect(marks(page, 'Basij Organization')).toHaveAttribute('title', /onerror/);
  await page.reload();
  await expect(card(page, 'Basij Organization').locator('.note')).toHaveText(PAYLOADS[0]);
  await marks(page, 'Basij Organization').hover();
  await card(page, 'Basij Organization').locator('.note').hover();
  await assertInert(page);
  // Both downloads carry it as text.
  const json = await downloadText(page, () => page.getByRole('button', { name: 'Download annotations' }).first().click());
  expect(JSON.stringify(JSON.parse(json.text))).toContain('onerror');
  await assertInert(page);
  expect(dialogs).toEqual([]);
  console.check();
});

test('hostile ids, quotes, notes and tags arriving through storage (another tab, an older copy) are inert', async ({ page }) => {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await openApp(page);
  await highlight(page, 'Basij Organization');
  await expect.poll(async () => (await records(page)).length).toBe(1);
  const [base] = await records(page);
  const hostile = PAYLOADS.map((p, i) => ({
    ...base,
    id: i === 0 ? '"]><img src=x onerror="window.__pwned=10">' : `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    note: p,
    tags: [p.slice(0, 60), 'javascript:alert(11)'],
    // Every other one: a quote that is not in the text (listed as unanchored, quote shown).
    ...(i % 2 ? { quote: { exact: p.slice(0, 300), prefix: '<b>', suffix: '</b>' }, position: undefined } : {}),
  }));
  await writeRecords(page, Object.fromEntries(hostile.map((a) => [a.id, JSON.stringify(a)])), { replace: true });
  await page.reload();
  await expect(page.locator('.card')).toHaveCount(PAYLOADS.length);
  await expect(page.getByRole('heading', { name: 'Unanchored' })).toBeVisible();
  for (const [i, payload] of PAYLOADS.entries()) {
    const notes = await page.locator('.card .note').evaluateAll((els) => els.map((e) => e.textContent));
    expect(notes, `payload ${i}`).toContain(payload);
  }
  // Reach the hostile id through the UI: focus its card and its highlight.
  await marks(page, 'Basij Organization').first().click();
  await page.locator('.card .quote').first().click();
  await assertInert(page);
  expect(dialogs).toEqual([]);
});

test('hostile text in an imported file is shown as text and never runs', async ({ page }) => {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await openApp(page);
  const picker = page.getByLabel('Import');
  await highlight(page, 'three-day visit');
  await expect.poll(async () => (await records(page)).length).toBe(1);
  const env = { version: 1, doc: DOC, annotations: await records(page) };
  const base = env.annotations[0];
  env.annotations = PAYLOADS.map((p, i) => ({ ...base, id: `urn:uuid:11111111-0000-4000-8000-${String(i).padStart(12, '0')}`, note: p, tags: ['<i>tag</i>'] }));
  await picker.setInputFiles({ name: '<img src=x onerror=alert(12)>.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(env)) });
  await expect(page.locator('.card .note')).toHaveCount(PAYLOADS.length);
  const notes = await page.locator('.card .note').evaluateAll((els) => els.map((e) => e.textContent));
  expect(notes.sort()).toEqual([...PAYLOADS].sort());
  await assertInert(page);
  expect(dialogs).toEqual([]);
});

test('a 1 MB note is refused with a clear message, the page never freezes; 100,000 characters are accepted', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await highlight(page, 'Basij Organization');
  const box = await openNote(page, 'Basij Organization');
  await box.fill('my short start');
  const big = 'lorem ipsum '.repeat(Math.ceil((1 << 20) / 12)).slice(0, 1 << 20);
  const t0 = Date.now();
  await page.keyboard.insertText(big);
  await expect(page.getByRole('status').getByText('Not added: a note can hold up to 100,000 characters, and this text has 1,048,576')).toBeVisible();
  await expect(box).toHaveValue('my short start');
  // Responsive: a round trip to the page is quick.
  const t1 = Date.now();
  await page.evaluate(() => 1);
  expect(Date.now() - t1).toBeLessThan(1000);
  expect(t1 - t0).toBeLessThan(10000);

  // The most a note takes is accepted, saved and shown.
  await box.fill('');
  const max = 'a'.repeat(99_990) + ' end.';
  await page.keyboard.insertText(max);
  await expect(box).toHaveValue(max);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(card(page, 'Basij Organization').locator('.note')).toContainText('end.');
  await expect.poll(async () => (await records(page))[0].note.length).toBe(max.length);
  await page.reload();
  await expect(card(page, 'Basij Organization').locator('.note')).toContainText('end.');
  console.check();
});

// ---------------------------------------------------------------------------------------------
// Strict Content Security Policy

test('the release build runs under the strict CSP with no violation while a reader works', async ({ page }) => {
  const reported = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) reported.push(m.text()); });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  await openApp(page);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  for (const d of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'"]) expect(csp).toContain(d);
  // Sync (issue 31) may reach a server over https, and the loopback one in development; no more.
  expect(csp).toContain("connect-src 'self' https: http://127.0.0.1:* http://localhost:*;");
  // The two inline scripts (the static article's guard, the import map pinning the JS glue) are
  // allowed by their hashes, nothing else is.
  expect(csp).not.toContain('unsafe-inline');
  const inline = await page.evaluate(async () => Promise.all([...document.querySelectorAll('script:not([src])')].map(async (s) => {
    const digest = await crypto.subtle.digest('SHA-384', new TextEncoder().encode(s.textContent));
    return [s.type || 'classic', `'sha384-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`];
  })));
  expect(inline.map(([type]) => type).sort()).toEqual(['classic', 'importmap']);
  expect((csp.match(/'sha384-[^']+'/g) ?? []).sort()).toEqual(inline.map(([, hash]) => hash).sort());

  await highlight(page, 'Basij Organization');
  await dragSelect(page, 'three-day visit');
  await expect(page.getByRole('toolbar', { name: 'Annotate selection' })).toBeVisible();
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await page.getByRole('textbox', { name: 'Note' }).fill('<img src=x onerror=alert(1)> under CSP');
  await page.keyboard.press('Control+Enter');
  await card(page, 'Basij Organization').locator('.quote').click();
  await marks(page, 'three-day visit').click();
  await downloadText(page, () => page.getByRole('button', { name: 'Download annotations' }).first().click());
  const md = await downloadText(page, () => page.getByRole('button', { name: 'Download Markdown' }).click());
  expect(md.text).toContain('Basij Organization');
  await card(page, 'Basij Organization').getByRole('button', { name: /^Delete/ }).click();
  await page.getByRole('button', { name: 'Undo', exact: true }).first().click();
  await expect(marks(page, 'Basij Organization')).toHaveCount(1);
  await page.reload();
  await expect(page.locator('article mark')).toHaveCount(2);
  // The panic message is built under the same policy.
  expect(await panicOnPurpose(page)).toMatch(/RuntimeError/);
  await expect(page.getByRole('alert').filter({ hasText: 'Something went wrong' })).toBeVisible();

  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  expect(reported).toEqual([]);

  // The listener works: an inline script is refused and reported.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.appendChild(s);
  });
  await expect.poll(() => page.evaluate(() => window.__csp.length)).toBeGreaterThan(0);
  expect(await page.evaluate(() => window.__inline)).toBeUndefined();
});

test('a large import is all there after a reload straight after it (its save goes to the database a slice per task)', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  // 1,500 annotations (three slices of the save), each a different run of one to four words.
  const N = 1500;
  const items = [];
  for (const text of await page.locator('#article p').allTextContents()) {
    const words = [...text.matchAll(/\S+/g)];
    for (let i = 0; i < words.length; i++) {
      for (let k = 1; k <= 4 && i + k <= words.length && items.length < N; k++) {
        const start = words[i].index;
        const last = words[i + k - 1];
        const end = last.index + last[0].length;
        items.push({
          id: `urn:uuid:00000000-0000-4000-8000-${String(items.length).padStart(12, '0')}`,
          type: 'Annotation',
          motivation: 'commenting',
          body: { type: 'TextualBody', value: `note ${items.length}`, purpose: 'commenting' },
          target: {
            source: `urn:marginalia:article:${DOC}`,
            selector: { type: 'TextQuoteSelector', exact: text.slice(start, end), prefix: text.slice(Math.max(0, start - 32), start), suffix: text.slice(end, end + 32) },
          },
        });
      }
    }
  }
  expect(items.length).toBe(N);
  const collection = { '@context': 'http://www.w3.org/ns/anno.jsonld', type: 'AnnotationCollection', total: N, first: { type: 'AnnotationPage', items } };
  await page.getByLabel('Import').setInputFiles({ name: 'many.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(collection)) });
  await expect(page.getByRole('status').filter({ hasText: /1,500 items: 1,500 placed, 0 unanchored\./ })).toBeVisible();
  // Leaving now: the save is scheduled or still handing its records over; all of it is written.
  await page.reload();
  await expect(page.locator('#article mark').first()).toBeVisible();
  expect((await records(page)).length).toBe(N);
  await expect(page.locator('.count')).toContainText(/1,?500/);
  console.check();
});

test('a selection being dragged keeps its start when another tab\'s change re-renders the paragraph under it', async ({ page }) => {
  const console = watchConsole(page);
  await openApp(page);
  await highlight(page, 'three-day visit');
  await expect.poll(async () => (await records(page)).length).toBe(1);
  // The reader starts dragging across "Foreign Minister", in the same paragraph …
  const p = await phrasePoints(page, 'Foreign Minister');
  await page.mouse.move(p.x1, p.y1);
  await page.mouse.down();
  await page.mouse.move((p.x1 + p.x2) / 2, (p.y1 + p.y2) / 2, { steps: 4 });
  // … when another tab removes the highlight: the text the drag started in is drawn anew.
  await writeRecords(page, {}, { replace: true });
  await expect(marks(page, 'three-day visit')).toHaveCount(0);
  await page.mouse.move(p.x2, p.y2, { steps: 4 });
  await page.mouse.up();
  await expect.poll(() => page.evaluate(() => String(window.getSelection()))).toBe('Foreign Minister');
  await expect(page.getByRole('button', { name: 'Highlight', exact: true })).toBeVisible();
  console.check();
});
