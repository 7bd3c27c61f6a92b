// Import (file picker and drop), re-attaching unanchored annotations, Markdown export.
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dragSelect, openApp } from './helpers.mjs';

mkdirSync('target/e2e-files', { recursive: true });
const file = (name, contents) => {
  const path = `target/e2e-files/${name}`;
  writeFileSync(path, contents);
  return path;
};

test('a download imported into an empty profile gives back the same annotations; twice adds nothing', async ({ page, browser }) => {
  await openApp(page);
  await dragSelect(page, 'Basij Organization');
  await page.getByRole('button', { name: 'Highlight', exact: true }).click();
  await dragSelect(page, 'three-day visit');
  await page.getByRole('button', { name: 'Note', exact: true }).click();
  await page.getByRole('textbox', { name: 'Note' }).fill('Three days 😀 <i>only</i>');
  await page.getByRole('button', { name: 'Save' }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).first().click()]);
  const path = 'target/e2e-files/roundtrip.json';
  await download.saveAs(path);
  const original = JSON.parse(readFileSync(path, 'utf8')).first.items;

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await openApp(other);
  await other.getByLabel('Import').setInputFiles(path);
  await expect(other.getByRole('status').filter({ hasText: 'roundtrip.json (Marginalia download): 2 items: 2 placed, 0 unanchored.' })).toBeVisible();
  await expect(other.locator('article mark')).toHaveCount(2);
  await other.getByLabel('Import').setInputFiles(path);
  await expect(other.getByRole('status').filter({ hasText: '2 items: 0 placed, 0 unanchored, 2 already here.' })).toBeVisible();
  await expect(other.locator('.card')).toHaveCount(2);
  const [again] = await Promise.all([other.waitForEvent('download'), other.getByRole('button', { name: 'Download annotations' }).first().click()]);
  await again.saveAs('target/e2e-files/roundtrip-2.json');
  const copy = JSON.parse(readFileSync('target/e2e-files/roundtrip-2.json', 'utf8')).first.items;
  expect(copy).toEqual(original);
  // The import is one undoable step.
  await other.keyboard.press('Control+z');
  await expect(other.locator('article mark')).toHaveCount(0);
  await fresh.close();
});

test('a long import shows how far it got while the page keeps painting; then one undoable step; its download is whole', async ({ page }) => {
  await openApp(page);
  // 6,000 annotations: every run of one to four words, over again with other notes.
  const N = 6000;
  const texts = await page.locator('#article p').allTextContents();
  const items = [];
  for (let pass = 0; items.length < N; pass++) {
    for (const text of texts) {
      const words = [...text.matchAll(/\S+/g)];
      for (let i = 0; i < words.length; i++) {
        for (let k = 1; k <= 4 && i + k <= words.length && items.length < N; k++) {
          const start = words[i].index;
          const end = words[i + k - 1].index + words[i + k - 1][0].length;
          items.push({
            type: 'Annotation',
            body: { type: 'TextualBody', value: `pass ${pass} note ${items.length}` },
            target: { source: 'urn:marginalia:article:pakistan-army-chief-iran', selector: { type: 'TextQuoteSelector', exact: text.slice(start, end), prefix: text.slice(Math.max(0, start - 32), start), suffix: text.slice(end, end + 32) } },
          });
        }
      }
    }
  }
  // Every status the page shows, with the frames painted by then and whether it can be dismissed.
  await page.evaluate(() => {
    window.__frames = 0;
    const tick = () => { window.__frames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    window.__statuses = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('.status[role=status]')) {
        const last = window.__statuses[window.__statuses.length - 1];
        const text = el.firstChild?.textContent ?? '';
        if (!last || last.text !== text) window.__statuses.push({ text, frame: window.__frames, dismiss: !!el.querySelector('button') });
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  const collection = { type: 'AnnotationCollection', first: { type: 'AnnotationPage', items } };
  await page.getByLabel('Import').setInputFiles(file('long.json', JSON.stringify(collection)));
  const done = page.getByRole('status').filter({ hasText: /: 6,000 items: 6,000 placed, 0 unanchored\./ });
  await expect(done).toBeVisible({ timeout: 30_000 });
  await expect(done.getByRole('button', { name: 'Dismiss' })).toBeVisible();
  const statuses = await page.evaluate(() => window.__statuses);
  const busy = statuses.filter((s) => /^Importing from long\.json: \d{1,3}(,\d{3})? of 6,000 items checked…$/.test(s.text));
  expect(busy.length, JSON.stringify(statuses.map((s) => s.text))).toBeGreaterThan(0);
  expect(busy.every((s) => !s.dismiss)).toBe(true);
  // The page painted while the import was under way, not only after it.
  const last = statuses[statuses.length - 1];
  expect(last.text).toMatch(/^Imported from long\.json/);
  expect(last.frame).toBeGreaterThan(busy[0].frame);
  // Counts are shown with their thousands grouped.
  await expect(page.locator('.count')).toHaveText('6,000 in all');
  // Their download is written a slice per task too: one whole file all the same.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotations' }).first().click()]);
  await download.saveAs('target/e2e-files/long-download.json');
  const written = JSON.parse(readFileSync('target/e2e-files/long-download.json', 'utf8'));
  expect(written.total).toBe(N);
  expect(written.first.items).toHaveLength(N);
  expect(new Set(written.first.items.map((i) => i.body[0].value)).size).toBe(N);
  await page.keyboard.press('Control+z');
  await expect(page.locator('article mark')).toHaveCount(0);
});

test('Hypothesis export: anchored by quote, UTF-16 positions not trusted; rejects explained per item', async ({ page }) => {
  await openApp(page);
  const hypothesis = {
    export_date: '2026-11-01T10:00:00.000Z', export_userid: 'acct:reader@hypothes.is', client_version: '1.1500.0',
    annotations: [
      { id: 'abc123', created: '2026-10-01T10:00:00.000Z', updated: '2026-10-02T10:00:00.000Z', text: 'From Hypothesis', tags: ['hyp'],
        target: [{ source: 'https://example.org/a', selector: [
          { type: 'TextPositionSelector', start: 5, end: 12 },
          { type: 'TextQuoteSelector', exact: 'Mohammad Javad Zarif', prefix: 'Foreign Minister ', suffix: ' and the chief' }] }] },
      { id: 'def456', text: 'broken', target: [{ selector: [{ type: 'TextQuoteSelector', prefix: 'x' }] }] },
    ],
  };
  await page.getByLabel('Import').setInputFiles(file('hypothesis.json', JSON.stringify(hypothesis)));
  const status = page.getByRole('status').filter({ hasText: 'Hypothesis' });
  await expect(status).toContainText('2 items: 1 placed, 0 unanchored, 1 rejected.');
  await expect(status.locator('li')).toHaveText([/item 2: .*exact/]);
  await expect(page.locator('article mark')).toHaveText(['Mohammad Javad Zarif']);
  await expect(page.locator('.card .note')).toHaveText('From Hypothesis');
});

test('malformed JSON, an unknown shape and an oversized file change nothing and say why', async ({ page }) => {
  await openApp(page);
  await page.getByLabel('Import').setInputFiles(file('broken.json', '{"type": "AnnotationCollection", '));
  await expect(page.getByRole('alert')).toContainText('Nothing was imported from broken.json');
  // Dismissed from the keyboard, the report goes and the focus goes back to Import.
  await page.getByRole('button', { name: 'Dismiss' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toBeHidden();
  await expect(page.getByLabel('Import')).toBeFocused();
  await page.getByLabel('Import').setInputFiles(file('shape.json', '{"hello": "world"}'));
  await expect(page.getByRole('alert')).toContainText('Nothing was imported from shape.json');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await page.getByLabel('Import').setInputFiles({ name: 'huge.json', mimeType: 'application/json', buffer: Buffer.alloc(21 * 1024 * 1024, 32) });
  await expect(page.getByRole('alert')).toContainText('up to 20 MB');
  await expect(page.locator('.card')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
});

test('a report arriving while the reader is down the page is shown where they are, under the top bar, and the panel moves below it', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
  await page.getByLabel('Import').setInputFiles(file('broken-scrolled.json', '{"type": '));
  const report = page.getByRole('alert');
  await expect(report).toContainText('Nothing was imported from broken-scrolled.json');
  await expect(report).toBeInViewport({ ratio: 1 });
  const [bar, box] = await Promise.all([page.locator('.topbar').boundingBox(), report.boundingBox()]);
  expect(box.y).toBeGreaterThanOrEqual(bar.y + bar.height - 1);
  // The panel, sticking beside the article, moves down below the report rather than under it:
  // its heading and search box are not covered.
  const panelTop = () => page.evaluate(() => document.querySelector('.panel').getBoundingClientRect().top);
  const uncovered = (name) => page.evaluate((name) => {
    const el = name === 'heading' ? document.querySelector('.panel h2') : document.querySelector('.panel input[type=search]');
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + 4, r.top + 2);
    return el === hit || el.contains(hit);
  }, name);
  await expect.poll(panelTop).toBeGreaterThanOrEqual(box.y + box.height - 1);
  expect(await uncovered('heading')).toBe(true);
  expect(await uncovered('search')).toBe(true);
  await report.getByRole('button', { name: 'Dismiss' }).click();
  await expect(report).toBeHidden();
  // The reader stayed where they were, and the panel went back up under the top bar.
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
  await expect.poll(panelTop).toBeLessThan(bar.y + bar.height + 1);
  expect(await uncovered('heading')).toBe(true);
});

test('a dropped file is imported; an unanchored annotation is listed and re-attached in one action', async ({ page }) => {
  await openApp(page);
  const w3c = [{
    '@context': 'http://www.w3.org/ns/anno.jsonld', id: 'urn:uuid:6a1f7b4e-0c1d-4e2f-9a3b-5c6d7e8f9a0b', type: 'Annotation',
    body: 'Quote from an older version', target: { source: 'urn:x', selector: { type: 'TextQuoteSelector', exact: 'a sentence that was removed from the article long ago' } },
  }];
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'old.json', { type: 'application/json' }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, JSON.stringify(w3c));
  await expect(page.getByRole('status').filter({ hasText: '1 item: 0 placed, 1 unanchored.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Unanchored' })).toBeVisible();
  await expect(page.locator('article mark')).toHaveCount(0);
  await dragSelect(page, 'Maj. Gen. Mohammad Hossein Bagheri');
  await page.getByRole('button', { name: 'Re-attach to selection' }).click();
  await expect(page.locator('article mark')).toHaveText(['Maj. Gen. Mohammad Hossein Bagheri']);
  await expect(page.getByRole('heading', { name: 'Unanchored' })).toBeHidden();
  await expect(page.locator('.card .note')).toHaveText('Quote from an older version');
});

test('the report counts what the items became and lists the parts not kept; a quote found more than once says so on its card', async ({ page }) => {
  await openApp(page);
  const w3c = [
    { '@context': 'http://www.w3.org/ns/anno.jsonld', id: 'urn:uuid:6a1f7b4e-0c1d-4e2f-9a3b-5c6d7e8f9a01', type: 'Annotation',
      target: { selector: { type: 'TextQuoteSelector', exact: 'Iran' } } },
    { '@context': 'http://www.w3.org/ns/anno.jsonld', id: 'urn:uuid:6a1f7b4e-0c1d-4e2f-9a3b-5c6d7e8f9a02', type: 'Annotation',
      body: [null, { type: 'TextualBody', value: 'Kept note' }],
      target: { selector: { type: 'TextQuoteSelector', exact: 'three-day visit' } } },
  ];
  await page.getByLabel('Import').setInputFiles(file('twice.json', JSON.stringify(w3c)));
  const status = page.getByRole('status').filter({ hasText: 'twice.json' });
  await expect(status).toContainText('twice.json (W3C Web Annotations): 2 items: 2 placed, 0 unanchored.');
  await expect(status.locator('li')).toHaveText(['item 2: body 1 is empty']);
  const iran = page.locator('.card', { hasText: '“Iran”' });
  await expect(iran.locator('.place-note')).toHaveText(/^one of \d+ identical passages$/);
  const n = Number((await iran.locator('.place-note').textContent()).match(/\d+/)[0]);
  expect(n).toBeGreaterThan(1);
  await expect(iran.getByRole('button', { name: `Go to highlight: Iran (one of ${n} identical passages)` })).toBeVisible();
  await expect(page.locator('.card', { hasText: 'three-day visit' }).locator('.place-note')).toHaveCount(0);
});

test('a Hypothesis export with an escaped lone surrogate in a prefix is imported, not refused', async ({ page }) => {
  await openApp(page);
  const hypothesis = {
    export_date: '2026-11-01T10:00:00.000Z', export_userid: 'acct:reader@hypothes.is', client_version: '1.1500.0',
    annotations: [
      { id: 'sur001', created: '2026-10-01T10:00:00.000Z', updated: '2026-10-02T10:00:00.000Z', text: 'Half an emoji', tags: [],
        target: [{ source: 'https://example.org/a', selector: [
          { type: 'TextQuoteSelector', exact: 'Mohammad Javad Zarif', prefix: 'Foreign Minister \ud83d', suffix: ' and the chief' }] }] },
    ],
  };
  const json = JSON.stringify(hypothesis);
  expect(json).toContain('\\ud83d');
  await page.getByLabel('Import').setInputFiles(file('surrogate.json', json));
  const status = page.getByRole('status').filter({ hasText: 'surrogate.json' });
  await expect(status).toContainText('surrogate.json (Hypothesis export): 1 item: 1 placed, 0 unanchored.');
  await expect(page.locator('article mark')).toHaveText(['Mohammad Javad Zarif']);
  await expect(page.locator('.card .note')).toHaveText('Half an emoji');
});
