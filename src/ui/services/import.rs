//! Bringing annotations in: from a file (read whole, its items checked by the domain in steps so
//! the page stays responsive and a long file shows how far it got, then applied as one undoable
//! step), or carried over from an earlier version of the document. The reader gets a report.

use crate::ui::edge::clock::{now, perf_now, random_bytes};
use crate::ui::edge::files::read_bytes;
use crate::ui::edge::idb;
use crate::ui::edge::storage as local;
use crate::ui::edge::timers::{yield_to_browser, Steps};
use crate::ui::services::library::{
    load_document, load_library, save_library, stored_annotations, CarryOver,
};
use crate::ui::services::saving::write_failure;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::{uuid_v4_urn, Annotation, AnnotationSet, ChangeKind};
use marginalia_core::article::BUNDLED_IRI;
use marginalia_core::library::Library;
use marginalia_core::markdown::DOC_IRI_PREFIX;
use marginalia_core::storage::{self, SavePlan};
use marginalia_core::text::Count;
use marginalia_core::time::Timestamp;
use marginalia_core::w3c::{
    self, ImportRoutes, ImportRun, RoutedRun, WaitingGroup, MAX_IMPORT_BYTES,
};

/// What the last import did, shown until dismissed; or, while `busy`, how far it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub text: String,
    pub details: Vec<String>,
    pub error: bool,
    /// Under way: no Dismiss, and the next report replaces it.
    pub busy: bool,
}

impl Report {
    pub fn done(text: String, details: Vec<String>) -> Report {
        Report {
            text,
            details,
            error: false,
            busy: false,
        }
    }

    pub fn error(text: String) -> Report {
        Report {
            text,
            details: Vec::new(),
            error: true,
            busy: false,
        }
    }

    pub fn busy(text: String) -> Report {
        Report {
            text,
            details: Vec::new(),
            error: false,
            busy: true,
        }
    }
}

#[derive(Clone, Copy)]
pub struct ImportReport(pub RwSignal<Option<Report>>);

/// Items checked between looks at the clock.
const ITEMS_PER_LOOK: usize = 64;
/// From this many items on, the report shows the import's progress while it runs.
const SHOW_PROGRESS_FROM: usize = 2_000;
/// How often the progress is shown anew (ms).
const PROGRESS_EVERY_MS: f64 = 250.0;

/// Imports `text` (the contents of `name`) into the open document: the file is read in one
/// task, its items checked in steps ([`Steps`]), and the result added in one more.
/// Stops when the document is closed meanwhile (its report goes with it).
pub async fn import_text(app: AppState, report: ImportReport, name: &str, text: &str) {
    let now = now();
    let mut new_id = || uuid_v4_urn(random_bytes());
    let run = match ImportRun::start(text) {
        Ok(run) => run,
        Err(e) => {
            report.0.try_set(Some(Report::error(format!(
                "Nothing was imported from {name}: {e}."
            ))));
            return;
        }
    };
    // Items for another document go there: into its stored annotations when it is in the
    // library, else kept until it is opened. The others (this document's, or none named, or a
    // web page's) are checked here.
    let lib = load_library();
    let Some(here_id) = app.doc.try_with_value(|d| d.id.clone()) else {
        return;
    };
    let library = |source: &str| library_id(&lib, source, &here_id);
    let Some(routes) = app.doc.try_with_value(|doc| run.route(doc, &library)) else {
        return;
    };
    let ImportRoutes {
        here: mut run,
        elsewhere,
        waiting,
    } = routes;
    let mut elsewhere_lines: Vec<String> = waiting.iter().map(keep_waiting).collect();
    for routed in elsewhere {
        elsewhere_lines.push(place_elsewhere(routed, now).await);
    }
    let progress = run.total() >= SHOW_PROGRESS_FROM;
    let mut shown_at = f64::NEG_INFINITY;
    let mut steps = Steps::start();
    loop {
        let done = app
            .doc
            .try_with_value(|doc| run.check(doc, ITEMS_PER_LOOK, now, &mut new_id));
        match done {
            Some(true) => break,
            Some(false) => {}
            // The document was closed (its report with it): the import goes too.
            None => return,
        }
        if !steps.over() {
            continue;
        }
        // Progress after the first step, then a few times a second (a status a screen reader
        // reads out, not a counter that changes with every step).
        let at = perf_now();
        if progress && at - shown_at >= PROGRESS_EVERY_MS {
            shown_at = at;
            report.0.try_set(Some(Report::busy(format!(
                "Importing from {name}: {} of {} items checked…",
                Count(run.checked()),
                Count(run.total())
            ))));
        }
        steps.next().await;
    }
    let Some(plan) = app.set.try_with_value(|set| run.plan(set)) else {
        return;
    };
    let added = plan.to_add.len();
    // "3 items: 2 placed, 1 unanchored, …": the domain's counts, adding up to the items; the
    // details name each rejected item and each part not kept.
    let mut summary = if plan.items > 0 || elsewhere_lines.is_empty() {
        format!(
            "Imported from {name} ({}): {}.",
            plan.format.label(),
            plan.report()
        )
    } else {
        format!("Imported from {name} ({}):", plan.format.label())
    };
    for line in elsewhere_lines {
        summary.push(' ');
        summary.push_str(&line);
    }
    let details = plan.details();
    if added > 0 {
        let changed = app
            .set
            .try_update_value(|set| set.add_all(ChangeKind::Import, plan.to_add));
        if let Some(changed) = changed {
            app.after_change(&changed);
        }
    }
    report.0.try_set(Some(Report::done(summary, details)));
}

/// Where items that name `source` go: the id of the library's document with that IRI (`None`:
/// not in the library, they wait); a web page's items, which no document of the library names,
/// land in the document open now (`here`), as they always did.
fn library_id(lib: &Library, source: &str, here: &str) -> Option<String> {
    if source.starts_with(DOC_IRI_PREFIX) || source == BUNDLED_IRI {
        lib.id_for_source(source)
    } else {
        Some(here.to_string())
    }
}

/// The localStorage key under which items for the document with IRI `source` wait.
fn waiting_key(source: &str) -> String {
    format!("marginalia/v1/waiting/{source}")
}

/// Keeps `w`'s items until its document is opened ([`place_waiting`]), after any already
/// waiting for it; returns the report's line.
fn keep_waiting(w: &WaitingGroup) -> String {
    let Some(source) = w.group.source.as_deref() else {
        return format!("{}: not kept (no document named).", w.message());
    };
    let key = waiting_key(source);
    let mut items: Vec<serde_json::Value> = local::get(&key)
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default();
    let new: Vec<serde_json::Value> = serde_json::from_str(&w.json).unwrap_or_default();
    items.extend(new);
    let json = serde_json::to_string(&items).unwrap_or_default();
    match local::set(&key, &json) {
        Ok(()) => format!("{}.", w.message()),
        Err(e) => format!("{}, but they could not be kept: {e}.", w.message()),
    }
}

/// Checks a run against the library's document it targets and saves what is new into that
/// document's stored annotations; returns the report's line.
async fn place_elsewhere(routed: RoutedRun, now: Timestamp) -> String {
    let RoutedRun {
        doc_id,
        group,
        mut run,
    } = routed;
    let name = group.name();
    let Some(doc) = load_document(&doc_id) else {
        return format!("The items for {name} were not placed: that document could not be read.");
    };
    let mut existing = match stored_annotations(&doc_id).await {
        Ok(a) => a,
        Err(e) => {
            return format!(
                "The items for {name} were not placed: its annotations could not be read ({e})."
            )
        }
    };
    storage::anchor_all(&doc, &mut existing);
    let set = AnnotationSet::from_annotations(existing);
    let mut new_id = || uuid_v4_urn(random_bytes());
    while !run.check(&doc, ITEMS_PER_LOOK, now, &mut new_id) {
        yield_to_browser().await;
    }
    let plan = run.plan(&set);
    if !plan.to_add.is_empty() {
        let puts = plan
            .to_add
            .iter()
            .map(|a| (a.id.clone(), storage::encode_record(a)))
            .collect();
        let save = SavePlan {
            puts,
            deletes: Vec::new(),
        };
        if let Err(e) = idb::write_held(&doc_id, save).await {
            return format!(
                "The items for {name} were not placed: {}",
                write_failure(&e)
            );
        }
        // The library lists it with its new count.
        let mut lib = load_library();
        lib.set_count(&doc_id, set.len() + plan.to_add.len());
        save_library(&lib);
    }
    format!("For {name}, in your library: {}.", plan.report())
}

/// Are there items waiting for the open document ([`keep_waiting`])? (Placing them loads the
/// import code: only then.)
pub fn has_waiting(app: AppState) -> bool {
    app.doc
        .try_with_value(|d| local::get(&waiting_key(&d.source_iri)).is_some())
        .unwrap_or(false)
}

/// Places the items that waited for the open document ([`keep_waiting`]) and says so.
pub fn place_waiting(app: AppState, report: ImportReport) {
    let Some(source) = app.doc.try_with_value(|d| d.source_iri.clone()) else {
        return;
    };
    let key = waiting_key(&source);
    let Some(json) = local::get(&key) else {
        return;
    };
    leptos::task::spawn_local(async move {
        yield_to_browser().await;
        import_text(app, report, "the annotations kept for this document", &json).await;
        if app.is_alive() {
            local::remove(&key);
        }
    });
}

/// Reads a file chosen or dropped by the reader and imports it.
pub fn import_file(app: AppState, report: ImportReport, file: web_sys::File) {
    let name = file.name();
    let size = file.size();
    if size > MAX_IMPORT_BYTES as f64 {
        report.0.set(Some(Report::error(format!(
            "Nothing was imported from {name}: {}.",
            w3c::ImportError::TooLarge { bytes: size as u64 }
        ))));
        return;
    }
    leptos::task::spawn_local(async move {
        match read_bytes(file).await {
            Some(bytes) => {
                let text = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                // Reading them is the next task.
                yield_to_browser().await;
                import_text(app, report, &name, &text).await;
            }
            None => report.0.set(Some(Report::error(format!(
                "Nothing was imported: the browser could not read {name}."
            )))),
        }
    });
}

/// Brings the earlier version's annotations over, re-anchored (fuzzily) on the new text and
/// described anew from it.
pub fn carry_over(app: AppState, report: ImportReport, offer: CarryOver) {
    leptos::task::spawn_local(async move {
        match stored_annotations(&offer.from_id).await {
            Ok(annotations) => carry_these(app, report, &offer, annotations),
            Err(e) => report.0.set(Some(Report::error(format!(
                "The annotations of the earlier version of {} could not be read: {e}.",
                offer.file_name
            )))),
        }
    });
}

fn carry_these(
    app: AppState,
    report: ImportReport,
    offer: &CarryOver,
    mut annotations: Vec<Annotation>,
) {
    if !app.is_alive() {
        return;
    }
    // Each targets this document now and, where anchored, is described anew from its words
    // here: the card and the exports say what the highlight covers.
    let anchored = app
        .doc
        .with_value(|doc| storage::carry_over(doc, &mut annotations));
    let n = annotations.len();
    let unanchored = n - anchored;
    if let Some(summary) = app
        .set
        .try_update_value(|s| s.add_all(ChangeKind::Import, annotations))
    {
        app.after_change(&summary);
    }
    report.0.set(Some(Report::done(
        carried_message(n, unanchored, &offer.file_name),
        Vec::new(),
    )));
}

/// What carrying `n` annotations over from an earlier version of `file_name` did: unanchored
/// ones are named only when there are any, each count with its own singular or plural.
fn carried_message(n: usize, unanchored: usize, file_name: &str) -> String {
    let carried = format!(
        "Carried {} annotation{} over from the earlier version of {file_name}",
        Count(n),
        if n == 1 { "" } else { "s" }
    );
    let (is, no_longer_matches) = if unanchored == 1 {
        ("is", "no longer matches")
    } else {
        ("are", "no longer match")
    };
    match (n - unanchored, unanchored) {
        (_, 0) => format!("{carried}."),
        (0, _) if n == 1 => {
            format!("{carried}; it no longer matches the text and is listed under Unanchored.")
        }
        (0, _) => format!(
            "{carried}; none match the text any more: they are listed under Unanchored."
        ),
        (anchored, u) => format!(
            "{carried}: {} anchored; {} {no_longer_matches} the text and {is} listed under Unanchored.",
            Count(anchored),
            Count(u)
        ),
    }
}
