// Gathers one `make bench` run into one table: the issue's targets, each figure beside its
// reference measured in the same run, and whether the target is met; then the domain's hot paths
// (criterion). Prints it, writes target/bench/report.json and target/bench/report.md.
// Reads: target/bench/sizes.json (make dist), target/criterion/*/*/new/estimates.json
// (cargo bench), target/bench/fuzzy.json (bench/fuzzy), target/bench/browser.json (bench/browser.mjs),
// target/bench/sync.json (bench/sync).
import { readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'target/bench');
const START = Number(process.env.BENCH_START || 0) * 1000;

const read = (p) => (existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null);
const sh = (cmd) => { try { return execSync(cmd, { encoding: 'utf8' }).trim(); } catch { return ''; } };
const ms = (x, d = 1) => (x == null ? '—' : `${x.toFixed(d)} ms`);
const num = (x) => Math.round(x).toLocaleString('en-US');
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

const machine = {
  cpus: Number(sh('nproc')),
  model: sh("lscpu | sed -n 's/^Model name: *//p' | head -1"),
  load_at_start: process.env.BENCH_LOAD || sh("cut -d' ' -f1-3 /proc/loadavg"),
  rustc: sh('rustc --version'),
  node: process.version,
};

const sizes = read(join(OUT, 'sizes.json')) ?? read(join(ROOT, 'target/sizes.json'));
const fuzzy = read(join(OUT, 'fuzzy.json'));
const browser = read(join(OUT, 'browser.json'));
if (browser) machine.chromium = browser.chromium;

/** Criterion's estimate for `group/id` in ms (median point estimate), or null. */
function crit(path) {
  const file = join(ROOT, 'target/criterion', path, 'new/estimates.json');
  if (!existsSync(file) || statSync(file).mtimeMs < START) return null;
  const e = JSON.parse(readFileSync(file, 'utf8'));
  return { ms: e.median.point_estimate / 1e6, lo: e.median.confidence_interval.lower_bound / 1e6, hi: e.median.confidence_interval.upper_bound / 1e6 };
}

const rows = [];
/** met: true / false / null (reported only, or not measured). */
function row(figure, measured, reference, target, met, note = '') {
  rows.push({ figure, measured, reference, target, met, note });
}

// 1. Size.
if (sizes) {
  const kb = sizes.total_gzip / 1024;
  const floor = read(join(OUT, 'floor.json'));
  const reference = floor
    ? `Leptos alone (bench/leptos-floor: a keyed list of rows, same settings) ${(floor.total_gzip / 1024).toFixed(1)} KB (${num(floor.total_gzip)} B); ` +
      `the app is ${(sizes.total_gzip / floor.total_gzip).toFixed(1)}×`
    : "Leptos' own benchmark entry ≈ 64 KB (not measured here)";
  const domain = read(join(OUT, 'domain-alone.json'));
  const domainNote = domain
    ? `the domain alone, no UI (bench/wasm: parse, decode, anchor, encode; same settings): ${(domain.total_gzip / 1024).toFixed(1)} KB (${num(domain.total_gzip)} B)`
    : '';
  row('wasm + js + css shipped, gzip', `${kb.toFixed(1)} KB (${num(sizes.total_gzip)} B)`,
    reference, '≤ 90 KB in total', kb <= 90, [kb <= 90 ? '' : `${(kb - 90).toFixed(1)} KB over`, domainNote].filter(Boolean).join('; '));
} else row('wasm + js + css shipped, gzip', 'not measured', '—', '≤ 90 KB in total', null);

// 2. Bundled article painted.
if (browser?.bundled_paint) {
  const b = browser.bundled_paint;
  // The middle half of each page's loads, to show how far one load moves.
  const quartiles = (runs) => {
    const s = (runs ?? []).map((r) => r.fcp).sort((x, y) => x - y);
    return s.length >= 4 ? `${ms(s[Math.floor((s.length - 1) / 4)], 0)}–${ms(s[Math.ceil((3 * (s.length - 1)) / 4)], 0)}` : null;
  };
  const spread = quartiles(b.app.runs) && `middle half of the loads: app ${quartiles(b.app.runs)}, static ${quartiles(b.static.runs)}`;
  row(`bundled article painted, from navigation start (first contentful paint, median of ${b.rounds ?? b.app.runs?.length ?? '?'} loads)`,
    `${ms(b.app.fcp_ms, 0)} (${b.ratio.toFixed(2)}×)`, `static HTML: ${ms(b.static.fcp_ms, 0)}`, '≤ 1.5×', b.ratio <= 1.5,
    [b.ratio <= 1.5 ? '' : `${((b.ratio / 1.5 - 1) * 100).toFixed(0)}% over (${ms(b.app.fcp_ms - 1.5 * b.static.fcp_ms, 0)})`, spread]
      .filter(Boolean).join('; '));
}

// 2b. The bundled article on a second visit, the release build's service worker in control.
if (browser?.bundled_paint?.second_visit) {
  const b = browser.bundled_paint;
  const v = b.second_visit;
  row(`bundled article painted on a second visit, the service worker in control (FCP, median of ${v.runs.length} loads)`,
    `${ms(v.fcp_ms, 0)} (${(v.fcp_ms / b.static.fcp_ms).toFixed(2)}× the static page)`,
    `first visit: ${ms(b.app.fcp_ms, 0)}; static HTML: ${ms(b.static.fcp_ms, 0)}`, 'reported', null,
    `worker in control in ${v.worker_in_control} of ${v.runs.length} loads (each a new tab of a profile that had opened the app once)`);
}

// 2c. First visit: navigation → can highlight, beside Recogito's text-annotator (bench/first-visit).
const fv = read(join(OUT, 'first-visit.json'));
if (fv && !machine.chromium) machine.chromium = fv.chromium;
if (fv) {
  const TARGETS = { slow4g: 1.0, cpu4: 1.0, none: 1.2 };
  const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
  const refName = `Recogito text-annotator ${fv.reference?.version ?? ''} page (same article and stylesheet, esbuild bundle)`;
  for (const [key, c] of Object.entries(fv.conditions ?? {})) {
    const app = c.pages.marginalia;
    const ref = c.pages.recogito;
    const limit = TARGETS[key];
    const met = app.ratio <= limit;
    const variants = Object.entries(c.pages).filter(([n, p]) => n !== 'marginalia' && n !== 'recogito' && p.ratio != null);
    row(`first visit, navigation → can highlight, ${c.label} (median of ${app.runs.length} fresh profiles, taking turns)`,
      `${ms(app.can_highlight_ms, 0)} (${app.ratio.toFixed(2)}×)`, `${refName}: ${ms(ref.can_highlight_ms, 0)}`, `≤ ${limit.toFixed(1)}×`, met,
      [met ? '' : `${((app.ratio / limit - 1) * 100).toFixed(0)}% over (${ms(app.can_highlight_ms - limit * ref.can_highlight_ms, 0)})`,
        `range: app ${ms(app.min_ms, 0)}–${ms(app.max_ms, 0)}, reference ${ms(ref.min_ms, 0)}–${ms(ref.max_ms, 0)}`,
        `first paint: app ${ms(app.fcp_ms, 0)}, reference ${ms(ref.fcp_ms, 0)}; annotator mounted: app ${ms(app.mounted_ms, 0)}, reference ${ms(ref.mounted_ms, 0)}`,
        ...variants.map(([n, p]) => `${n}: ${ms(p.can_highlight_ms, 0)} (${p.ratio.toFixed(2)}×)`)].filter(Boolean).join('; '));
  }
  const b = fv.bytes;
  if (b?.marginalia && b?.recogito) {
    const m = b.marginalia;
    const r = b.recogito;
    row('bytes before the first highlight is possible (first visit; compressed bodies as a host sends them: gzip-only host; brotli host)',
      `gzip ${kb(m.gzip.before)}, brotli ${kb(m.brotli.before)}; loaded later: gzip ${kb(m.gzip.later)}, brotli ${kb(m.brotli.later)}`,
      `${refName}: gzip ${kb(r.gzip.before)}, brotli ${kb(r.brotli.before)}`, 'reported', null,
      `${(m.gzip.before / r.gzip.before).toFixed(1)}× (gzip), ${(m.brotli.before / r.brotli.before).toFixed(1)}× (brotli) the reference's; ` +
      `before: ${m.brotli.files_before.map((f) => `${f.path} ${kb(f.bytes)}`).join(', ')} (brotli); ` +
      'later: what the service worker fetches to keep a copy of the build (revalidated: 304s for what the page already has)');
  }
  const repeats = Object.entries(fv.conditions ?? {}).filter(([, c]) => c.pages['marginalia repeat']);
  if (repeats.length) {
    row('repeat visit, the service worker in control: navigation → can highlight (median)',
      repeats.map(([, c]) => `${ms(c.pages['marginalia repeat'].can_highlight_ms, 0)} ${c.label.split(' (')[0]}`).join('; '),
      `first visit: ${repeats.map(([, c]) => `${ms(c.pages.marginalia.can_highlight_ms, 0)}`).join('; ')}`, 'reported', null,
      repeats.map(([, c]) => `${c.label.split(' (')[0]}: worker in control in ${c.pages['marginalia repeat'].worker_in_control} of ${c.pages['marginalia repeat'].runs.length}`).join('; ') +
      '; throttling applies to the page, the worker answers from its cache');
  }
}

// Articles from the web (issue 32): a 1 MB saved page's extraction, and the Readability corpus.
if (browser?.web) {
  const w = browser.web;
  row(`1 MB web page (${num(w.paragraphs)} paragraphs, ${mb(w.html_bytes)}) opened: longest extraction step after the first (worst of ${w.runs.length})`,
    ms(w.longest_step_after_first_ms, 1),
    `first step (the browser's DOMParser parse, one task): ${ms(w.first_step_ms, 0)}; whole extraction with yields: ${ms(w.total_ms, 0)} (median)`,
    '≤ 50 ms', w.longest_step_after_first_ms <= 50,
    w.long_tasks_after_first.length ? `long tasks after the first step: ${w.long_tasks_after_first.map((d) => d.toFixed(0)).join(', ')} ms` : 'no long task after the first step');
} else row('1 MB web page: longest extraction step after the first', 'not measured', '—', '≤ 50 ms', null);
{
  const file = join(OUT, 'readability.txt');
  const line = existsSync(file) && statSync(file).mtimeMs >= START
    ? readFileSync(file, 'utf8').split('\n').find((l) => /pages: mean F1/.test(l)) : null;
  const m = line && line.match(/(\d+) pages: mean F1 ([\d.]+), titles right (\d+)\/(\d+), metadata fields matched (\d+)\/(\d+)/);
  if (m) {
    row(`Readability's test pages (${m[1]}): token F1 of the article against Reader View's, mean (per page: target/bench/readability.txt)`,
      `${m[2]}; titles ${m[3]}/${m[4]}; metadata fields ${m[5]}/${m[6]}`, 'Mozilla Readability (expected.html, expected-metadata.json)',
      'mean F1 ≥ 0.95, every title', Number(m[2]) >= 0.95 && m[3] === m[4]);
  } else row("Readability's test pages: mean F1", 'not measured', 'Mozilla Readability', 'mean F1 ≥ 0.95, every title', null);
}

// 3. 1 MB article.
if (browser?.big_paint?.pending || !browser?.big_paint) {
  const why = browser?.big_paint?.pending ?? 'browser benchmarks did not run';
  row('1 MB article: first screen painted', `pending: ${why}`, 'plain DOM calls', '≤ 1.3×', null);
  row('1 MB article: longest task after first paint', 'pending', '—', '≤ 50 ms', null);
} else {
  const b = browser.big_paint;
  row(`1 MB article (${num(b.app.blocks)} paragraphs): first screen painted (FCP, median)`,
    `${ms(b.app.fcp_ms, 0)} (${b.ratio.toFixed(2)}×)`, `plain DOM calls: ${ms(b.plain_dom.fcp_ms, 0)}`, '≤ 1.3×', b.ratio <= 1.3,
    b.ratio <= 1.3 ? '' : `${((b.ratio / 1.3 - 1) * 100).toFixed(0)}% over`);
  row('1 MB article: longest task after first paint (3 s observed, worst load)', ms(b.app.longest_after_paint_ms, 0),
    `plain DOM: ${ms(b.plain_dom.longest_after_paint_ms, 0)}; the app's mount task before paint: ${ms(b.app.longest_before_paint_ms, 0)}`,
    '≤ 50 ms', b.app.longest_after_paint_ms <= 50,
    b.app.over50_after_paint ? `${b.app.over50_after_paint} task(s) over 50 ms` : '');
}

// 4. Create one highlight.
const t = browser?.ten_k;
if (t) {
  row(`create one highlight with 10,000 existing, mouse-up → next frame (median of ${t.clicks.length}; worst)`,
    `${ms(t.to_frame_ms)} (worst ${ms(t.to_frame_max_ms)})`, 'one frame: 16.7 ms', '≤ 16 ms', t.to_frame_ms <= 16,
    [t.to_frame_ms <= 16 ? null : `${(t.to_frame_ms / 16).toFixed(1)}× over`,
      `${t.clicks.filter((c) => c.to_frame_ms > 16).length} of ${t.clicks.length} over 16 ms`,
      `click handler incl. render ${ms(median(t.clicks.map((c) => c.handler_ms)))} (median)`].filter(Boolean).join('; '));
  const detail = t.clicks.map((c) => `${c.block}→[${c.rerendered.join(',')}]`).join(' ');
  row('…only the touched paragraphs re-render (touched → re-rendered)', t.only_touched ? 'yes' : 'no', detail,
    'only touched', t.only_touched);
}

// 5. Re-anchor.
{
  const native = crit('anchor/reanchor_10k_1mb');
  const wasm = browser?.wasm?.reanchor;
  const worst = Math.max(native?.ms ?? 0, wasm?.anchor_ms ?? 0);
  row('re-anchor 10,000 annotations on the unchanged 1 MB text',
    `native ${ms(native?.ms)}; in Chromium (wasm, as shipped) ${ms(wasm?.anchor_ms)}`,
    wasm ? `decoding them first: ${ms(wasm.decode_ms)} (wasm)` : '—', '≤ 50 ms',
    native || wasm ? worst <= 50 : null, wasm ? `${wasm.anchored}/${wasm.total} anchored` : '');
}

// 5b. Search every document (issue 33): one keystroke over 10,000 annotations in 50 documents.
{
  const index = crit('search/index_keystroke_10k_50docs');
  const naive = crit('search/naive_keystroke_10k_50docs');
  const wasm = browser?.wasm?.search;
  const worst = Math.max(index?.ms ?? 0, wasm?.keystroke_max_ms ?? 0);
  row('search every document: one keystroke, 10,000 annotations in 50 documents (typing "pakistan military")',
    `native ${ms(index?.ms, 2)}; in Chromium (wasm, as shipped) ${ms(wasm?.keystroke_ms, 2)}, slowest keystroke ${ms(wasm?.keystroke_max_ms, 2)}`,
    `naive scan (each annotation folded and tested, as the panel's filter): native ${ms(naive?.ms, 2)}; wasm ${ms(wasm?.naive_ms, 2)}, slowest ${ms(wasm?.naive_max_ms, 2)}`,
    '≤ 16.7 ms (one frame)', index || wasm ? worst <= 16.7 : null,
    wasm ? `index built in ${ms(wasm.build_ms, 1)} (wasm), once, when "Every document" is first chosen` : '');
  const app = read(join(OUT, 'search.json'));
  if (app && statSync(join(OUT, 'search.json')).mtimeMs >= START) {
    row(`search every document in the app (release build): keydown → hits and count in the DOM, 10,000 in 50 documents (median of ${app.keystrokes} keystrokes over ${app.rounds.length} fresh profiles; slowest)`,
      `${ms(app.dom_ms_median)}; slowest ${ms(app.dom_ms_max)}`,
      `the same keystrokes searching this document (no annotations), same pages: ${ms(app.reference_dom_ms_median)}; slowest ${ms(app.reference_dom_ms_max)}`, '≤ 16.7 ms (one frame)', app.dom_ms_max <= 16.7,
      `keystrokes painted past 16 ms (Event Timing): ${app.slow_keystrokes} of ${app.keystrokes} (reference ${app.reference_slow_keystrokes}); the 10,000 read from IndexedDB when "Every document" is first chosen in ${ms(app.read_ms_median, 0)}`);
  }
}

// 6. Fuzzy.
if (fuzzy) {
  const s = fuzzy.summary;
  row(`fuzzy anchoring per quote, 1 MB text, 5% edits (${s.quotes} quotes, 32–1024 chars, total)`,
    `${ms(s.ours_total_ms, 0)} (${s.total_ratio.toFixed(1)}× faster; geometric mean ${s.geomean_ratio.toFixed(1)}×)` +
      (s.total_ratio_with_prepare !== undefined ? `; the text's one-off preparation ${ms(s.prepare_ms, 0)} more (with it ${s.total_ratio_with_prepare.toFixed(1)}×)` : ''),
    `approx-string-match: ${ms(s.asm_total_ms, 0)}`, '≥ 3× faster', s.total_ratio >= 3,
    `right place: ours ${s.ours_right}/${s.quotes}, theirs ${s.asm_right}/${s.quotes}`);
} else row('fuzzy anchoring per quote, 1 MB text, 5% edits', 'not measured', 'approx-string-match', '≥ 3× faster', null);

// 7. Save: the main-thread step (`marginalia:save`: the changed records encoded and handed to an
// IndexedDB transaction, after the frame) is the figure; the commit, off the main thread
// (`marginalia:save-committed`, to the transaction's `complete`), is shown beside it.
if (t) {
  const enc = browser.wasm?.encode;
  const save = t.save_ms;
  const n = t.clicks.length;
  const lsWrites = t.local_storage_writes ?? [];
  row(`save after one change with 10,000 annotations (main-thread save step \`marginalia:save\`, median of ${n}; it runs after the frame)`,
    `${ms(save)} on the main thread (worst ${ms(t.save_max_ms)}); commit ${ms(t.save_committed_ms)}`,
    `one JSON blob of all of them: ${ms(t.reference.stringify_and_set_ms)} (JSON.stringify ${ms(t.reference.stringify_ms)} + setItem, ${num(t.reference.annotations)} annotations)${t.reference.error ? `; ${t.reference.error}` : ''}`,
    '≤ 16 ms', save == null ? null : save <= 16,
    `commit = \`marginalia:save-committed\`, IndexedDB transaction to \`complete\`, off the main thread (its mark is set ${ms(t.committed_start_after_save_ms, 2)} into the save step, once the changed records are planned); click → committed ${ms(t.change_to_committed_ms)}; ${t.saved}/${n} commits measured; ${num(t.annotations_after)} records after the clicks` +
    `; localStorage writes during saves: ${lsWrites.length ? lsWrites.join(', ') : 'none'}` +
    (enc ? `; encoding all 10,000 at once in wasm (the old whole-blob save, not what a save does now) ${ms(enc.encode_ms)} vs JSON.stringify ${ms(enc.stringify_ms)}` : ''));
}

// 8. Heap.
if (t) {
  row('JS heap after loading 10,000 annotations (after GC)', `${mb(t.heap.js_heap_used)} JS + ${mb(t.heap.wasm_memory)} wasm memory`,
    `no annotations: ${mb(t.heap_empty.js_heap_used)} JS + ${mb(t.heap_empty.wasm_memory)} wasm`, 'reported', null,
    `${num(t.heap.dom_nodes)} DOM nodes (${num(t.heap_empty.dom_nodes)} without), ${num(t.marks)} marks`);
  // Stored size: annotations are in IndexedDB now (quota: a share of the disk); localStorage
  // keeps only document texts and the library (its quota: 5 MiB units, Safari ≈ 2.6 M characters).
  const s = t.stored;
  const est = s.estimate_loaded ?? s.estimate_seeded;
  const idbShare = est?.usage != null && est?.quota ? est.usage / est.quota : null;
  const localShare = s.local_units / s.quota_units;
  const legacyShare = s.legacy_units / s.quota_units;
  const localKeys = Object.keys(s.local_keys ?? {});
  const fits = s.records > 0 && s.local_doc_key_units === 0 && localShare <= 0.5 && (idbShare == null || idbShare <= 0.5);
  row('stored size of 10,000 annotations (IndexedDB, one record each; UTF-16 code units of keys + values)',
    `IndexedDB: ${num(s.units)} units in ${num(s.records)} records (${s.per_annotation == null ? '—' : s.per_annotation.toFixed(0)} per annotation; keys ${num(s.key_units)}, values ${num(s.value_units)}); localStorage: ${num(s.local_units)} units, no annotations (${localKeys.length ? localKeys.join(', ') : 'empty'})`,
    `navigator.storage.estimate(): usage ${est?.usage == null ? '—' : mb(est.usage)} of a ${est?.quota == null ? '—' : `${(est.quota / 2 ** 30).toFixed(1)} GB`} quota (before seeding ${s.estimate_before?.usage == null ? '—' : mb(s.estimate_before.usage)}); localStorage quota ≈ ${num(s.quota_units)} units (Chromium, Firefox), Safari ≈ ${num(s.safari_units)}`,
    'fits comfortably (≤ 50% of the quota)', s.records > 0 ? fits : null,
    `${idbShare == null ? '' : `IndexedDB ${(idbShare * 100).toFixed(2)}% of its quota; `}localStorage ${(localShare * 100).toFixed(3)}% of its quota; ` +
    `the same 10,000 in the old single localStorage key: ${num(s.legacy_units)} units (${(legacyShare * 100).toFixed(0)}% of that quota, ${s.legacy_units > s.safari_units ? "over Safari's" : "within Safari's"} 2.6 M); ` +
    `estimate in the harness's fresh browser context, after seeding the records directly (${ms(s.seed_ms, 0)} for one transaction)`);
  const l = t.load;
  row('bundled article + 10,000 annotations (one load, read from IndexedDB): painted (FCP); highlights shown (navigation start → frame after the first mark)',
    `painted ${ms(l.fcp, 0)}; highlights ${ms(l.marks_shown, 0)}`, `no annotations: ${ms(t.load_empty.fcp, 0)}`,
    'reported', null,
    `${num(l.marks)} marks${l.marks_first != null && l.marks_first !== l.marks ? ` (${num(l.marks_first)} when the first appeared)` : ' (all there when the first appeared)'}, ${num(l.cards)} cards ("${l.count_text}"); longest task after paint ${ms(l.longest_after_paint, 0)} (${l.over50_after_paint} over 50 ms), before paint ${ms(l.longest_before_paint, 0)}`);
  const d = t.download;
  if (d) {
    row(`Download annotations with ${num(t.annotations_after)} (the W3C JSON file written in the page): the longest task from the click (the Long Tasks API sees those over 50 ms); click → the browser's download`,
      `${d.longest_task_ms > 0 ? `longest task ${ms(d.longest_task_ms, 0)}` : 'no task over 50 ms'}; click → download ${ms(d.click_to_download_ms, 0)}`, '—', 'reported', null,
      `${d.file}, ${num(d.bytes)} bytes`);
  }
  const im = t.imported;
  if (im) {
    row('Import that file into an empty profile (the Import file picker): the longest task; the save after it on the main thread (`marginalia:save`); choose → the import\'s report shown',
      `longest task ${ms(im.longest_task_ms, 0)}; save ${ms(im.save_ms, 1)}; report shown ${ms(im.choose_to_report_ms, 0)}`, '—', 'reported', null,
      `tasks over 50 ms: ${im.tasks_over_50.length ? im.tasks_over_50.map((x) => `${x} ms`).join(', ') : 'none'}; committed ${ms(im.save_committed_ms, 0)} after the save began; "${im.report}"`);
  }
  const b10 = browser.big_paint_10k;
  if (b10?.fcp_ms) {
    row('1 MB article + 10,000 annotations (read from IndexedDB): painted (FCP, median); highlights shown (median)',
      `painted ${ms(b10.fcp_ms, 0)}; highlights ${ms(b10.marks_shown_ms, 0)}`,
      `no annotations: ${ms(browser.big_paint.app.fcp_ms, 0)}`, 'reported', null,
      `${b10.marks == null ? '' : `${num(b10.marks)} marks; `}longest task after paint ${ms(b10.longest_after_paint_ms, 0)} (worst load, ${b10.over50_after_paint} over 50 ms)`);
  } else if (b10?.error) {
    row('1 MB article + 10,000 annotations (read from IndexedDB)', `not measured: ${b10.error}`, '—', 'reported', null);
  }
}

// 9. Sync (issue 31): first sync of 10,000 annotations to an empty device, and one change
// reaching a second device, beside PouchDB's own replication from the same server (bench/sync).
const sy = read(join(OUT, 'sync.json'));
if (sy) {
  const m = sy.first_sync.marginalia;
  const p = sy.first_sync.pouchdb;
  const ref = `PouchDB ${sy.pouchdb} (pouchdb.min.js, IndexedDB) in the same Chromium, same server and documents`;
  const s = (x) => (x == null ? 'did not finish' : `${(x / 1000).toFixed(2)} s`);
  const met = m.ms != null && p.ms != null ? m.ms <= p.ms : m.ms == null ? false : null;
  row(`first sync of ${num(sy.n)} annotations to an empty device: Sign in → "Synced" with all in IndexedDB (median of ${m.finished}/${m.runs}, taking turns)`,
    s(m.ms), `${ref}: ${s(p.ms)} (_session → replicate() done, median of ${p.finished}/${p.runs})`, 'not slower than PouchDB', met,
    `${sy.server}; the database filled by the app's engine natively (${num(sy.seed.pushed)} documents pushed in ${ms(sy.seed.ms, 0)}, ${sy.seed.requests} requests)`);
  row('first sync: HTTP requests to the server (median)', m.requests == null ? '—' : num(m.requests), `PouchDB: ${p.requests == null ? '—' : num(p.requests)}`,
    'reported', null, 'Playwright request events in the context (CORS preflights not counted)');
  row('first sync: longest main-thread task while syncing (median of runs; worst run)', `${ms(m.longest_task_ms, 0)}; worst ${ms(m.longest_task_max_ms, 0)}`,
    `PouchDB: ${ms(p.longest_task_ms, 0)}; worst ${ms(p.longest_task_max_ms, 0)}`, '≤ 50 ms', m.longest_task_max_ms == null ? null : m.longest_task_max_ms <= 50,
    `tasks over 50 ms (median per run): app ${m.tasks_over_50ms ?? '—'}, PouchDB ${p.tasks_over_50ms ?? '—'}`);
  const c = sy.change;
  row('one change reaching a second device (median): app, Highlight on A → new mark on B; PouchDB, put on A (live push) → B\'s live pull reports it',
    c.marginalia?.ms == null ? 'not measured' : ms(c.marginalia.ms, 0), `PouchDB: ${c.pouchdb?.ms == null ? 'not measured' : ms(c.pouchdb.ms, 0)}`,
    'not slower than PouchDB', c.marginalia?.ms != null && c.pouchdb?.ms != null ? c.marginalia.ms <= c.pouchdb.ms : null,
    `each: app ${(c.marginalia?.each ?? []).map((x) => x ?? '—').join(', ')} ms; PouchDB ${(c.pouchdb?.each ?? []).map((x) => x ?? '—').join(', ')} ms`);
}

function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : null;
}

// Domain hot paths (native).
const HOT = [
  ['segment/bundled_1k', 'segment: bundled article (7 paragraphs), 1,000 annotations'],
  ['segment/bundled_10k', 'segment: bundled article, 10,000 annotations'],
  ['segment/1mb_10k', 'segment: 1 MB article (every paragraph), 10,000 annotations'],
  ['describe/span_1mb', 'describe: one span of the 1 MB text (quote, prefix, suffix, position)'],
  ['anchor/reanchor_1k_1mb', 're-anchor 1,000 on the unchanged 1 MB text'],
  ['anchor/reanchor_10k_1mb', 're-anchor 10,000 on the unchanged 1 MB text'],
  ['anchor/exact_quote_1mb', 'exact anchoring of one quote, stale position, 1 MB text'],
  ['anchor/fuzzy_bundled_5pct', 'fuzzy anchoring of one quote, bundled article with 5% edits'],
  ['anchor/fuzzy_1mb_5pct', 'fuzzy anchoring of one quote, 1 MB text with 5% edits'],
  ['export/1k', 'export 1,000 (W3C collection, pretty JSON text)'],
  ['export/10k', 'export 10,000'],
  ['import/1k', 'import 1,000 (parse, check, anchor, de-duplicate)'],
  ['import/10k', 'import 10,000'],
  ['storage/encode_1k', 'storage encode 1,000 (in the set\'s text order, as saved)'],
  ['storage/encode_10k', 'storage encode 10,000'],
  ['storage/serde_direct_1k', 'reference: the same 1,000 through serde_json::to_string directly'],
  ['storage/serde_direct_10k', 'reference: the same 10,000 through serde_json::to_string directly'],
  ['storage/decode_1k', 'storage decode 1,000'],
  ['storage/decode_10k', 'storage decode 10,000'],
  ['search/index_keystroke_10k_50docs', 'search every document: one keystroke, 10,000 in 50 documents'],
  ['search/naive_keystroke_10k_50docs', 'reference: the same keystrokes, naive scan'],
  ['search/build_index_10k_50docs', 'search index: build for 10,000 in 50 documents'],
  ['search/set_doc_200', 'search index: one document of 200 set again (a change in the open one)'],
];
const fmtTime = (x) => (x >= 1 ? `${x.toFixed(x >= 100 ? 0 : 2)} ms` : `${(x * 1000).toFixed(x >= 0.01 ? 1 : 3)} µs`);
const hot = HOT.map(([id, what]) => {
  const e = crit(id);
  return { id, what, ms: e?.ms ?? null, lo: e?.lo ?? null, hi: e?.hi ?? null };
});

// ---- print ------------------------------------------------------------------------------------------
const mark = (m) => (m === true ? 'met' : m === false ? 'MISSED' : m === null ? '—' : String(m));
const cell = (s) => String(s).replace(/\|/g, '\\|');
const lines = [];
lines.push(`Machine: ${machine.cpus} cores (nproc), ${machine.model || 'unknown CPU'}; load average at start ${machine.load_at_start} (other builds share the machine); ${machine.rustc}; Chromium ${machine.chromium ?? '?'} headless; node ${machine.node}.`);
lines.push('');
lines.push('| Figure | Measured | Reference in the same run | Target | Met | Note |');
lines.push('|---|---|---|---|---|---|');
for (const r of rows) lines.push(`| ${cell(r.figure)} | ${cell(r.measured)} | ${cell(r.reference)} | ${cell(r.target)} | ${mark(r.met)} | ${cell(r.note)} |`);
lines.push('');
lines.push('Domain hot paths, native (criterion, opt-level 3, median and 95% interval):');
lines.push('');
lines.push('| Benchmark | Time | 95% interval |');
lines.push('|---|---|---|');
for (const h of hot) lines.push(`| ${h.what} | ${h.ms == null ? 'not measured' : fmtTime(h.ms)} | ${h.ms == null ? '' : `${fmtTime(h.lo)} – ${fmtTime(h.hi)}`} |`);
const text = lines.join('\n');
console.log(text);
const met = rows.filter((r) => r.met === true).length;
const missed = rows.filter((r) => r.met === false);
console.log(`\ntargets: ${met} met, ${missed.length} missed${missed.length ? ` (${missed.map((r) => r.figure.split(' (')[0]).join('; ')})` : ''}, ${rows.filter((r) => r.met === null).length} reported or pending`);
writeFileSync(join(OUT, 'report.json'), JSON.stringify({ machine, rows, hot }, null, 1) + '\n');
writeFileSync(join(OUT, 'report.md'), text + '\n');
console.log('written: target/bench/report.json, target/bench/report.md');
