// Sync through a CouchDB server (issue 31), more of it: a real pouchdb-server on loopback
// (e2e/sync-server.mjs), browser contexts as devices, pages of one context as tabs.
import { test, expect } from '@playwright/test';
import { allowFullStorage, openApp, dragSelect, setFull } from './helpers.mjs';
import { startCouch, openSync, signIn, recordRequests } from './sync-server.mjs';

let server;
test.beforeAll(async () => { server = await startCouch(); });
test.afterAll(async () => { server?.stop(); });

const marks = (page, text) => page.locator('article mark', { hasText: text });

async function highlight(page, phrase) {
  await page.bringToFront();
  await dragSelect(page, phrase);
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(marks(page, phrase).first()).toBeVisible();
}

async function device(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openApp(page);
  return { context, page };
}

/** Two devices of one new user, both signed in. */
async function twoDevices(browser) {
  const user = await server.user();
  const a = await device(browser);
  const b = await device(browser);
  await signIn(a.page, server, user);
  await signIn(b.page, server, user);
  return { user, a, b };
}

/** Opens pasted text as a document of the reader's own. */
async function pasteDocument(page, text) {
  await page.getByRole('button', { name: 'Library' }).click();
  await page.getByRole('dialog', { name: 'Library' }).getByLabel('Or paste text').fill(text);
  await page.getByRole('button', { name: 'Open pasted text' }).click();
}

const polls = (seen) => seen.filter((r) => r.path.endsWith('/_changes') && r.query.feed === 'longpoll');

/**
 * Waits until each device (its requests as `recordRequests` sees them) holds a long poll from
 * the server's latest change: its run is over, and what it brought saved with its checkpoint.
 */
async function waitingFromLatest(user, ...devices) {
  await expect.poll(async () => {
    const seq = String((await server.couch('GET', `/${user.db}`)).json.update_seq);
    return devices.every((seen) => polls(seen).at(-1)?.query.since === seq);
  }, { timeout: 15_000 }).toBe(true);
}

/** Opens `title` from the Library once it is listed there (it may arrive by sync meanwhile). */
async function openFromLibrary(page, title) {
  await page.bringToFront();
  await expect(async () => {
    await page.getByRole('button', { name: 'Library' }).click();
    const lib = page.getByRole('dialog', { name: 'Library' });
    try {
      await expect(lib.getByRole('button', { name: title, exact: true })).toBeVisible({ timeout: 1_000 });
    } catch (e) {
      await lib.getByRole('button', { name: 'Close' }).click();
      throw e;
    }
  }).toPass({ timeout: 15_000 });
  await page.getByRole('dialog', { name: 'Library' }).getByRole('button', { name: title, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
}

const OWN = '# Notes from the field\n\nThe river rose twice that spring, and the ferry stopped running for a week.\n\nNobody in the village remembered a flood like it.';

test('the sign-in expires: the status says so, the dialog asks for the password again, and syncing resumes from the checkpoint', async ({ browser }) => {
  const { user, a, b } = await twoDevices(browser);
  await highlight(a.page, 'Basij Organization');
  await expect(marks(b.page, 'Basij Organization')).toHaveCount(1, { timeout: 15_000 });

  // The server stops honouring A's session (its password changed elsewhere): A's next run is refused.
  await server.setPassword(user, 'a-new-password');
  await highlight(a.page, 'Hassan Rouhani');
  const expired = a.page.getByRole('button', { name: 'Sign-in expired — sign in again' });
  await expect(expired).toBeVisible({ timeout: 15_000 });
  await expect(marks(b.page, 'Hassan Rouhani')).toHaveCount(0);

  const requests = recordRequests(a.context, server);
  await expired.click();
  const dialog = a.page.getByRole('dialog', { name: 'Sync' });
  await expect(dialog.getByRole('alert')).toContainText('has expired');
  await expect(dialog.getByRole('textbox', { name: 'Server address' })).toHaveValue(server.url);
  await expect(dialog.getByRole('textbox', { name: 'User name' })).toHaveValue(user.name);
  await expect(dialog.getByLabel('Password')).toBeFocused();
  // The old password is refused, in words; the new one signs in.
  await dialog.getByLabel('Password').fill('reader1-pw');
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog.getByRole('alert').last()).toHaveText('Wrong name or password');
  await dialog.getByLabel('Password').fill(user.password);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog.getByText(`Signed in as ${user.name}`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(a.page.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 15_000 });

  // The highlight made while the sign-in had expired went out.
  const docs = await server.docs(user);
  expect(Object.values(docs).filter((d) => d.type === 'annotation' && d.annotation.quote?.exact === 'Hassan Rouhani')).toHaveLength(1);
  // From the checkpoint, not from the start: the pull asked for changes since a sequence > 0.
  const changes = requests.filter((r) => r.path.endsWith('/_changes') && r.query.feed === 'normal');
  expect(changes.length).toBeGreaterThan(0);
  expect(changes.every((r) => r.query.since !== '0')).toBe(true);
  await a.context.close();
  await b.context.close();
});

test('a document of the reader\'s own highlighted on A opens and anchors on B; removing it from the Library removes it there and on the server, and Undo brings it back', async ({ browser }) => {
  const { user, a, b } = await twoDevices(browser);

  await pasteDocument(a.page, OWN);
  await expect(a.page.getByRole('heading', { level: 1 })).toHaveText('Notes from the field');
  await highlight(a.page, 'the ferry stopped running');

  // B: the document is in its Library; opened, the highlight anchors in its text.
  await openFromLibrary(b.page, 'Notes from the field');
  await expect(marks(b.page, 'the ferry stopped running')).toHaveCount(1, { timeout: 15_000 });

  // A removes the document from its Library (from another document: the open one cannot be
  // removed): gone from the server, from B's article and from B's Library.
  await a.page.bringToFront();
  await a.page.goto('/#doc=pakistan-army-chief-iran');
  await expect(a.page.getByRole('heading', { level: 1 })).toHaveText(/Pakistan/);
  await a.page.getByRole('button', { name: 'Library' }).click();
  const libA = a.page.getByRole('dialog', { name: 'Library' });
  await libA.getByRole('button', { name: 'Remove Notes from the field' }).click();
  await expect(libA.getByRole('button', { name: 'Notes from the field', exact: true })).toHaveCount(0);
  await expect(async () => {
    const docs = await server.docs(user);
    expect(Object.values(docs).filter((d) => d.doc && d.doc !== 'pakistan-army-chief-iran').map((d) => d._id)).toEqual([]);
  }).toPass({ timeout: 15_000 });
  await expect(marks(b.page, 'the ferry stopped running')).toHaveCount(0, { timeout: 15_000 });
  await b.page.goto('/#doc=pakistan-army-chief-iran');
  // (The removal of the annotation, the text and the library entry may reach B in two passes:
  // the long poll answers at the first of them. The Library lists what it held when opened.)
  await expect(async () => {
    await b.page.getByRole('button', { name: 'Library' }).click();
    const lib = b.page.getByRole('dialog', { name: 'Library' });
    try {
      await expect(lib.getByRole('button', { name: 'Notes from the field', exact: true })).toHaveCount(0, { timeout: 1_000 });
    } finally {
      await lib.getByRole('button', { name: 'Close' }).click();
    }
  }).toPass({ timeout: 15_000 });

  // Undo on A: back on the server with its highlight, and in B's Library, where it opens with it.
  await a.page.bringToFront();
  await libA.getByRole('button', { name: 'Undo' }).click();
  await expect(libA.getByRole('button', { name: 'Notes from the field', exact: true })).toBeVisible();
  await expect(async () => {
    const docs = await server.docs(user);
    expect(Object.values(docs).filter((d) => d.doc && d.doc !== 'pakistan-army-chief-iran').map((d) => d.type).sort()).toEqual(['annotation', 'library', 'text']);
  }).toPass({ timeout: 15_000 });
  await openFromLibrary(b.page, 'Notes from the field');
  await expect(marks(b.page, 'the ferry stopped running')).toHaveCount(1, { timeout: 15_000 });
  await a.context.close();
  await b.context.close();
});

test('tabs: only one syncs; an edit in the other, to a document the syncing tab does not show, goes out; closing the syncing tab hands over', async ({ browser }) => {
  const { user, a, b } = await twoDevices(browser);
  const requests = recordRequests(a.context, server);
  const a2 = await a.context.newPage();
  await openApp(a2);
  await expect(a2.getByRole('button', { name: 'Synced by another tab' })).toBeVisible({ timeout: 15_000 });

  // In the second tab, a document of the reader's own, highlighted: the first tab (still on the
  // bundled article) sends it.
  await pasteDocument(a2, OWN);
  await highlight(a2, 'Nobody in the village');
  await expect(async () => {
    const docs = await server.docs(user);
    expect(Object.values(docs).some((d) => d.type === 'annotation' && d.annotation.quote?.exact === 'Nobody in the village')).toBe(true);
  }).toPass({ timeout: 15_000 });
  // Only the first tab spoke to the server.
  const fromA2 = requests.filter((r) => r.page === a2);
  expect(fromA2).toEqual([]);

  // The syncing tab closes: the other takes over, and hears of B's changes.
  await a.page.close();
  await expect(a2.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 25_000 });
  await b.page.goto(a2.url());
  await expect(marks(b.page, 'Nobody in the village')).toHaveCount(1, { timeout: 15_000 });
  await highlight(b.page, 'The river rose twice');
  await expect(marks(a2, 'The river rose twice')).toHaveCount(1, { timeout: 15_000 });
  await a.context.close();
  await b.context.close();
});

test('a reload resumes from the checkpoint; undoing a delete on A brings the annotation back on B', async ({ browser }) => {
  const { user, a, b } = await twoDevices(browser);
  const fromB = recordRequests(b.context, server);
  for (const p of ['Basij Organization', 'Hassan Rouhani', 'three-day visit']) await highlight(a.page, p);
  await expect(marks(b.page, 'three-day visit')).toHaveCount(1, { timeout: 15_000 });
  // (B draws what it pulled before its checkpoint is written: a reload before that fetches it
  // again, as it must. The reload comes once B waits on the server from its latest change.)
  await waitingFromLatest(user, fromB);

  // B reloads: it asks for changes since its checkpoint and fetches nothing again.
  const requests = recordRequests(b.context, server);
  await b.page.reload();
  await expect(marks(b.page, 'Hassan Rouhani')).toHaveCount(1);
  await expect(b.page.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 15_000 });
  const changes = requests.filter((r) => r.path.endsWith('/_changes') && r.query.feed === 'normal');
  expect(changes.length).toBeGreaterThan(0);
  expect(changes.every((r) => r.query.since !== '0')).toBe(true);
  expect(requests.filter((r) => r.path.endsWith('/_bulk_get'))).toEqual([]);

  // A deletes one and undoes it: B loses it, then has it again.
  await a.page.bringToFront();
  await a.page.locator('.card', { hasText: 'Hassan Rouhani' }).getByRole('button', { name: /^Delete/ }).click();
  await expect(marks(b.page, 'Hassan Rouhani')).toHaveCount(0, { timeout: 15_000 });
  await a.page.keyboard.press('Control+z');
  await expect(marks(a.page, 'Hassan Rouhani')).toHaveCount(1);
  await expect(marks(b.page, 'Hassan Rouhani')).toHaveCount(1, { timeout: 15_000 });
  await a.context.close();
  await b.context.close();
});

test('the same annotation edited offline on both devices: back online, both show the later edit, once', async ({ browser }) => {
  const { user, a, b } = await twoDevices(browser);
  await highlight(a.page, 'Basij Organization');
  await expect(marks(b.page, 'Basij Organization')).toHaveCount(1, { timeout: 15_000 });

  const writeNote = async (page, text) => {
    await page.bringToFront();
    const card = page.locator('.card', { hasText: 'Basij Organization' });
    await card.getByRole('button', { name: /^(Add|Edit) note$/ }).click();
    await card.getByRole('textbox', { name: 'Note' }).fill(text);
    await page.keyboard.press('Control+Enter');
    await expect(card.locator('.note')).toHaveText(text);
  };
  await a.context.setOffline(true);
  await b.context.setOffline(true);
  await writeNote(a.page, 'Written first, on A.');
  // A later `modified` on B (the clocks of one machine; a pause makes the order certain).
  await b.page.waitForTimeout(50);
  await writeNote(b.page, 'Written later, on B.');
  await expect(a.page.getByRole('button', { name: /^Offline — 1 change waiting$/ })).toBeVisible({ timeout: 10_000 });

  await a.context.setOffline(false);
  await expect(a.page.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 15_000 });
  await b.context.setOffline(false);
  for (const page of [a.page, b.page]) {
    await expect(page.locator('.card', { hasText: 'Basij Organization' }).locator('.note')).toHaveText('Written later, on B.', { timeout: 15_000 });
    await expect(page.locator('.card')).toHaveCount(1);
  }
  // One live annotation on the server, the later note, no conflict left.
  await expect(async () => {
    const all = await server.couch('GET', `/${user.db}/_all_docs?include_docs=true&conflicts=true`);
    const notes = all.json.rows.filter((r) => r.doc.type === 'annotation').map((r) => [r.doc.annotation.note, r.doc._conflicts ?? []]);
    expect(notes).toEqual([['Written later, on B.', []]]);
  }).toPass({ timeout: 15_000 });
  await a.context.close();
  await b.context.close();
});

test('the syncing tab crashes: a deletion made meanwhile in another tab still reaches the server and the other device', async ({ browser }) => {
  const { user, a, b } = await twoDevices(browser);
  const a2 = await a.context.newPage();
  await openApp(a2);
  await expect(a2.getByRole('button', { name: 'Synced by another tab' })).toBeVisible({ timeout: 15_000 });
  await highlight(a.page, 'Basij Organization');
  await expect(marks(a2, 'Basij Organization')).toHaveCount(1, { timeout: 15_000 });
  await expect(marks(b.page, 'Basij Organization')).toHaveCount(1, { timeout: 15_000 });

  // The syncing tab dies without a word (no pagehide: its lease holds for a while), and the
  // reader deletes the highlight in the other tab before that tab may take over.
  const cdp = await a.context.newCDPSession(a.page);
  cdp.send('Page.crash').catch(() => {});
  await a2.bringToFront();
  await a2.locator('.card', { hasText: 'Basij Organization' }).getByRole('button', { name: /^Delete/ }).click();
  await expect(marks(a2, 'Basij Organization')).toHaveCount(0);
  await expect(a2.getByRole('button', { name: 'Synced by another tab' })).toBeVisible();

  // Once the lease runs out the tab takes over and sends the deletion.
  await expect(a2.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(marks(b.page, 'Basij Organization')).toHaveCount(0, { timeout: 15_000 });
  const docs = await server.docs(user);
  expect(Object.values(docs).filter((d) => d.type === 'annotation')).toEqual([]);
  await a.context.close();
  await b.context.close();
});

test('storage full on B: what the server sent is not taken as kept — the status says so, and once there is room B asks again and shows it', async ({ browser }) => {
  const user = await server.user();
  const a = await device(browser);
  // B's writes of annotation records fail as a full disk makes them fail while the flag is set.
  const bContext = await browser.newContext();
  await allowFullStorage(bContext);
  const b = { context: bContext, page: await bContext.newPage() };
  await openApp(b.page);
  await signIn(a.page, server, user);
  await signIn(b.page, server, user);
  await setFull(b.page, true);

  await highlight(a.page, 'Basij Organization');
  const full = b.page.getByRole('button', { name: /^Not synced: this device's storage is full/ });
  await expect(full).toBeVisible({ timeout: 15_000 });
  await expect(marks(b.page, 'Basij Organization')).toHaveCount(0);

  // Room again; the reader asks for another try from the Sync dialog: the same change is asked
  // for again (the checkpoint did not pass it), kept and shown; nothing was lost on the server.
  await setFull(b.page, false);
  await full.click();
  const dialog = b.page.getByRole('dialog', { name: 'Sync' });
  await dialog.getByRole('button', { name: 'Try again now' }).click();
  await expect(marks(b.page, 'Basij Organization')).toHaveCount(1, { timeout: 15_000 });
  await expect(b.page.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 15_000 });
  await expect(dialog.getByRole('button', { name: 'Try again now' })).toHaveCount(0);
  const docs = await server.docs(user);
  expect(Object.values(docs).filter((d) => d.type === 'annotation').map((d) => d.annotation.quote.exact)).toEqual(['Basij Organization']);
  await a.context.close();
  await b.context.close();
});

test('a document renamed on A: the server has the new title at once; B, showing it, follows, and so does its Library', async ({ browser }) => {
  const { user, a, b } = await twoDevices(browser);
  await pasteDocument(a.page, OWN);
  await expect(a.page.getByRole('heading', { level: 1 })).toHaveText('Notes from the field');
  await highlight(a.page, 'the ferry stopped running');
  const textOnServer = async () => Object.values(await server.docs(user)).find((d) => d.type === 'text')?.title;
  await expect.poll(textOnServer, { timeout: 15_000 }).toBe('Notes from the field');

  await openFromLibrary(b.page, 'Notes from the field');
  await expect(marks(b.page, 'the ferry stopped running')).toHaveCount(1, { timeout: 15_000 });

  await a.page.bringToFront();
  await a.page.getByRole('button', { name: 'Library' }).click();
  const libA = a.page.getByRole('dialog', { name: 'Library' });
  await libA.getByRole('button', { name: 'Rename Notes from the field' }).click();
  await libA.getByLabel('New title for Notes from the field').fill('Field notes, spring');
  await libA.getByLabel('New title for Notes from the field').press('Enter');
  await expect(a.page.getByRole('heading', { level: 1 })).toHaveText('Field notes, spring');
  await expect.poll(textOnServer, { timeout: 15_000 }).toBe('Field notes, spring');

  // B, showing the document, takes the new title; its Library lists it so.
  await expect(b.page.getByRole('heading', { level: 1 })).toHaveText('Field notes, spring', { timeout: 15_000 });
  await b.page.goto('/#doc=pakistan-army-chief-iran');
  await openFromLibrary(b.page, 'Field notes, spring');
  await expect(marks(b.page, 'the ferry stopped running')).toHaveCount(1, { timeout: 15_000 });
  await a.context.close();
  await b.context.close();
});

test('between runs a change goes out as a pass of the last run and comes in through the long poll\'s own answer; a burst of highlights all arrive', async ({ browser }) => {
  const user = await server.user();
  const a = await device(browser);
  const b = await device(browser);
  const fromA = recordRequests(a.context, server);
  const fromB = recordRequests(b.context, server);
  await signIn(a.page, server, user);
  await signIn(b.page, server, user);
  // Both waiting on the server from its latest change (their first runs, and what each brought
  // the other, over).
  await waitingFromLatest(user, fromA, fromB);
  fromA.length = 0;
  fromB.length = 0;

  await highlight(a.page, 'Basij Organization');
  await expect(marks(b.page, 'Basij Organization')).toHaveCount(1, { timeout: 15_000 });
  const what = (seen) => seen.map((r) => `${r.method} ${r.path.split('/').slice(2).join('/').replace(/^_local\/.*/, '_local') || 'db'}`);
  // A: the push alone, from the checkpoints it holds (no database information, no logs read,
  // no pull: its long poll stands for that), one change sent without asking `_revs_diff`.
  await expect.poll(() => what(fromA)).toEqual(expect.arrayContaining(['POST _bulk_docs', 'PUT _local']));
  expect(what(fromA)).not.toContain('POST _revs_diff');
  expect(what(fromA)).not.toContain('GET db');
  expect(what(fromA)).not.toContain('GET _local');
  expect(fromA.filter((r) => r.path.endsWith('/_changes') && r.query.feed !== 'longpoll')).toEqual([]);
  // B: the long poll's answer is the pull's page (all revisions: style=all_docs): the
  // documents fetched at once, no `_changes` asked again.
  expect(what(fromB)).toContain('POST _bulk_get');
  expect(what(fromB)).not.toContain('GET db');
  expect(fromB.filter((r) => r.path.endsWith('/_changes') && r.query.feed !== 'longpoll')).toEqual([]);
  expect(polls(fromB).every((r) => r.query.style === 'all_docs')).toBe(true);

  // A burst (highlights in a row, a note): every one reaches B, no reload, and the server
  // holds each once.
  const burst = ['Hassan Rouhani', 'three-day visit', 'military relations', 'popular force'];
  for (const p of burst) await highlight(a.page, p);
  const card = a.page.locator('.card', { hasText: 'popular force' });
  await card.getByRole('button', { name: /^(Add|Edit) note$/ }).click();
  await card.getByRole('textbox', { name: 'Note' }).fill('Compare with the Basij figures.');
  await a.page.keyboard.press('Control+Enter');
  for (const p of burst) await expect(marks(b.page, p)).toHaveCount(1, { timeout: 15_000 });
  await expect(b.page.locator('.card', { hasText: 'popular force' }).locator('.note')).toHaveText('Compare with the Basij figures.', { timeout: 15_000 });
  await expect(async () => {
    const docs = Object.values(await server.docs(user)).filter((d) => d.type === 'annotation');
    expect(docs.map((d) => d.annotation.quote.exact).sort()).toEqual([...burst, 'Basij Organization'].sort());
  }).toPass({ timeout: 15_000 });
  // At most one push per change (changes close together go out together).
  expect(what(fromA).filter((r) => r === 'POST _bulk_docs').length).toBeLessThanOrEqual(burst.length + 2);
  await a.context.close();
  await b.context.close();
});
