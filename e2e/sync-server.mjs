// A real pouchdb-server for the sync specs (issue 31): started on a free loopback port in a
// temporary directory, CORS with credentials for the app's origin, an admin, and one user with
// their own database (`userdb-<hex name>`, a `_security` object naming only them) per call of
// `user()`, so tests in one file do not share data.
import { expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const APP_ORIGIN = `http://127.0.0.1:${Number(process.env.MARGINALIA_E2E_PORT || 4173)}`;
const ADMIN = 'Basic ' + Buffer.from('admin:secret').toString('base64');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export async function startCouch() {
  const dir = mkdtempSync(join(tmpdir(), 'marginalia-e2e-sync-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(join(process.cwd(), 'node_modules/.bin/pouchdb-server'), ['--host', '127.0.0.1', '--port', String(port), '--in-memory',
    '--dir', dir, '--config', join(dir, 'config.json'), '--no-stdout-logs'], { cwd: dir, stdio: 'ignore' });
  const couch = async (method, path, body, auth = ADMIN) => {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (auth) headers.Authorization = auth;
    const r = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: await r.json().catch(() => null) };
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try { if ((await fetch(url + '/')).ok) break; } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('pouchdb-server did not answer in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const [path, value] of [['httpd/enable_cors', 'true'], ['cors/origins', APP_ORIGIN], ['cors/credentials', 'true'],
    ['cors/methods', 'GET, PUT, POST, HEAD, DELETE'], ['cors/headers', 'accept, content-type, origin']]) {
    expect((await couch('PUT', `/_config/${path}`, value, null)).status).toBe(200);
  }
  expect((await couch('PUT', '/_config/admins/admin', 'secret', null)).status).toBe(200);
  let users = 0;
  return {
    url,
    couch,
    /** A new user with their own database: { name, password, db }. */
    async user() {
      const name = `reader${++users}`;
      const password = `${name}-pw`;
      const db = 'userdb-' + Buffer.from(name).toString('hex');
      const u = await couch('PUT', `/_users/${encodeURIComponent(`org.couchdb.user:${name}`)}`, { name, password, roles: [], type: 'user' });
      expect(u.status).toBe(201);
      expect((await couch('PUT', `/${db}`)).status).toBe(201);
      expect((await couch('PUT', `/${db}/_security`, { admins: { names: [name], roles: [] }, members: { names: [name], roles: [] } })).status).toBe(200);
      return { name, password, db };
    },
    /** The user's password changed on the server: sessions made with the old one stop working. */
    async setPassword(user, password) {
      const path = `/_users/${encodeURIComponent(`org.couchdb.user:${user.name}`)}`;
      const doc = (await couch('GET', path)).json;
      expect((await couch('PUT', path, { ...doc, password })).status).toBe(201);
      user.password = password;
    },
    /** Every live document of the user's database, by id. */
    async docs(user) {
      const all = await couch('GET', `/${user.db}/_all_docs?include_docs=true`);
      return Object.fromEntries(all.json.rows.map((r) => [r.id, r.doc]));
    },
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the Sync dialog from the top bar's status. */
export async function openSync(page) {
  await page.getByRole('button', { name: /^(Sync|Synced|Syncing|Offline|Sign-in|Server)/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Sync' });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** Signs in from the dialog, closes it, and waits for "Synced". */
export async function signIn(page, server, user) {
  const dialog = await openSync(page);
  await dialog.getByRole('textbox', { name: 'Server address' }).fill(server.url);
  await dialog.getByRole('textbox', { name: 'User name' }).fill(user.name);
  await dialog.getByLabel('Password').fill(user.password);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog.getByText(`Signed in as ${user.name}`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('button', { name: 'Synced', exact: true })).toBeVisible({ timeout: 20_000 });
}

/** Requests to the server from `context`, as { method, path, query, page } (preflights left out). */
export function recordRequests(context, server) {
  const seen = [];
  context.on('request', (r) => {
    if (!r.url().startsWith(server.url) || r.method() === 'OPTIONS') return;
    const u = new URL(r.url());
    seen.push({ method: r.method(), path: decodeURIComponent(u.pathname), query: Object.fromEntries(u.searchParams), page: r.frame().page() });
  });
  return seen;
}
