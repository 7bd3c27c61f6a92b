// Offline: once opened, the app opens again with no network (the service worker, assets/sw.js),
// with the reader's annotations; a new build replaces the kept one when the network is back.
// Each test serves its own copy of dist/ on its own port, and stops that server to go offline.
import { test, expect } from '@playwright/test';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dragSelect, watchConsole } from './helpers.mjs';

const PORT = 4175;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const COPY = 'target/e2e-offline';

/** Serves `dir` on PORT until the returned function is called. */
async function serve(dir) {
  const server = spawn(process.execPath, ['e2e/serve.mjs', dir, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    server.stdout.on('data', (d) => { if (String(d).includes('serving')) resolve(); });
    server.on('exit', (code) => reject(new Error(`the test server stopped (${code})`)));
  });
  return () => new Promise((resolve) => { server.removeAllListeners('exit'); server.on('exit', resolve); server.kill(); });
}

/** A copy of the release build; `marker` goes into its page (a meta tag) and its worker's version. */
function build(name, marker) {
  const dir = `${COPY}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  cpSync('dist', dir, { recursive: true });
  if (marker) {
    const index = `${dir}/index.html`;
    writeFileSync(index, readFileSync(index, 'utf8').replace('<head>', `<head>\n    <meta name="marginalia-test-build" content="${marker}" />`));
    execFileSync(process.execPath, ['scripts/service-worker.mjs', dir]);
  }
  return dir;
}

/** Waits until the page is controlled by an activated worker whose cache is complete. */
async function workerInControl(page) {
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'), { timeout: 20_000 }).toBe('activated');
}

const cacheNames = (page) => page.evaluate(() => caches.keys());
const buildMarker = (page) => page.evaluate(() => document.querySelector('meta[name="marginalia-test-build"]')?.content ?? null);

test('once opened, the app opens again with no network, with its annotations, and still highlights', async ({ page, context }) => {
  const stop = await serve(build('one'));
  try {
    const console = watchConsole(page);
    await page.goto(`${ORIGIN}/`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await dragSelect(page, 'Basij Organization');
    await page.getByRole('button', { name: 'Highlight', exact: true }).click();
    await expect(page.locator('article mark')).toHaveCount(1);
    await workerInControl(page);
    // One cache, holding the page and every file the build ships.
    const names = await cacheNames(page);
    expect(names).toHaveLength(1);
    const kept = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname).sort(), names[0]);
    expect(kept).toContain('/');
    expect(kept.some((p) => p.endsWith('.wasm'))).toBe(true);
    expect(kept.some((p) => p.endsWith('.css'))).toBe(true);
    console.check();
  } finally {
    await stop();
  }
  // The server is gone and the browser is offline: the page, the app and the annotation are back.
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Pakistan Army Chief Makes Historic Visit to Iran' })).toBeVisible();
  await expect(page.locator('#article mark')).toHaveCount(1);
  await expect(page.locator('.card', { hasText: 'Basij Organization' })).toBeVisible();
  await dragSelect(page, 'military relations');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await expect(page.locator('#article mark')).toHaveCount(2);
  await expect(page.getByText('2 in all')).toBeVisible();
  // Another page of the origin is not the app's to answer for.
  const other = await context.newPage();
  await expect(other.goto(`${ORIGIN}/some-other-page`)).rejects.toThrow();
  await other.close();
  await context.setOffline(false);
});

test('a new build replaces the kept one once the network is back, and is the one kept offline', async ({ page, context }) => {
  let stop = await serve(build('old', 'old'));
  await page.goto(`${ORIGIN}/`);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await workerInControl(page);
  const [oldCache] = await cacheNames(page);
  await stop();
  stop = await serve(build('new', 'new'));
  try {
    // Online, the page comes from the network: the new build at once.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    expect(await buildMarker(page)).toBe('new');
    // Its worker takes over and the old build's cache goes.
    await expect.poll(async () => {
      const names = await cacheNames(page);
      return names.length === 1 && names[0] !== oldCache;
    }, { timeout: 20_000 }).toBe(true);
    await workerInControl(page);
  } finally {
    await stop();
  }
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.locator('#article')).toBeVisible();
  expect(await buildMarker(page)).toBe('new');
  await context.setOffline(false);
});

test('the app can be installed: its manifest is valid and names an icon, a start address and a worker', async ({ page }) => {
  const stop = await serve(build('install'));
  try {
    await page.goto(`${ORIGIN}/`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await workerInControl(page);
    const cdp = await page.context().newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    const parsed = JSON.parse(manifest.data);
    expect(parsed.name).toBe('Marginalia');
    expect(parsed.start_url).toBe('/');
    const icon = await page.request.get(`${ORIGIN}${parsed.icons[0].src}`);
    expect(icon.ok()).toBe(true);
    expect(icon.headers()['content-type']).toContain('image/svg+xml');
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    // The test's browser context is incognito-like, which Chromium never installs from; nothing
    // else may stand in the way.
    expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
  } finally {
    await stop();
  }
});
