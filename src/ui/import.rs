//! Import: a file picker and dropping a file on the page. The file is read whole and its items
//! checked by the domain in steps (the page stays responsive, and a long file shows how far it
//! got), then applied as one undoable step, and the reader gets a report.

use crate::ui::dom;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::{uuid_v4_urn, ChangeKind};
use marginalia_core::text::Count;
use marginalia_core::w3c::{self, ImportRun, MAX_IMPORT_BYTES};
use wasm_bindgen::JsCast;

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

    fn busy(text: String) -> Report {
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
/// task, its items checked in steps ([`dom::Steps`]), and the result added in one more.
/// Stops when the document is closed meanwhile (its report goes with it).
pub async fn import_text(app: AppState, report: ImportReport, name: &str, text: &str) {
    let now = dom::now();
    let mut new_id = || uuid_v4_urn(dom::random_bytes());
    let mut run = match ImportRun::start(text) {
        Ok(run) => run,
        Err(e) => {
            report.0.try_set(Some(Report::error(format!(
                "Nothing was imported from {name}: {e}."
            ))));
            return;
        }
    };
    let progress = run.total() >= SHOW_PROGRESS_FROM;
    let mut shown_at = f64::NEG_INFINITY;
    let mut steps = dom::Steps::start();
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
        let at = dom::perf_now();
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
    let summary = format!(
        "Imported from {name} ({}): added {}, already present {}, unanchored {}, rejected {}.",
        plan.format.label(),
        Count(added),
        Count(plan.already_present.len()),
        Count(plan.unanchored),
        Count(plan.rejected.len())
    );
    let details = plan.rejected.iter().map(|r| r.to_string()).collect();
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
        match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
            Ok(buffer) => {
                // The bytes as they are (a JS string would be UTF-16, turned back into UTF-8 on
                // the way in: 40 ms for 10 MB); reading them is the next task.
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                let text = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                dom::yield_to_browser().await;
                import_text(app, report, &name, &text).await;
            }
            Err(_) => report.0.set(Some(Report::error(format!(
                "Nothing was imported: the browser could not read {name}."
            )))),
        }
    });
}

/// The **Import** control: a labelled file input (`.json`).
#[component]
pub fn ImportButton() -> impl IntoView {
    let app = expect_context::<AppState>();
    let report = expect_context::<ImportReport>();
    view! {
        <label class="button-like" for="import-file" title="Import annotations from a .json file (or drop one on the page)">
            "Import"
        </label>
        <input
            id="import-file"
            class="visually-hidden"
            type="file"
            accept=".json,application/json,application/ld+json"
            on:change=move |ev| {
                let input = event_target::<web_sys::HtmlInputElement>(&ev);
                if let Some(file) = input.files().and_then(|f| f.get(0)) {
                    import_file(app, report, file);
                }
                input.set_value("");
            }
        />
    }
}

/// Accepts a file dropped anywhere on the page: `.md`/`.txt` open as articles, others import.
pub fn listen_for_drops(app: AppState, report: ImportReport, nav: Option<crate::ui::library::Nav>) {
    dom::on_document("dragover", |ev| {
        if let Some(ev) = ev.dyn_ref::<web_sys::DragEvent>() {
            ev.prevent_default();
        }
    });
    dom::on_document("drop", move |ev| {
        let Some(ev) = ev.dyn_ref::<web_sys::DragEvent>() else {
            return;
        };
        let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        ev.prevent_default();
        match nav {
            Some(nav) if crate::ui::library::is_article_file(&file.name()) => {
                crate::ui::library::open_file(nav, file)
            }
            _ => import_file(app, report, file),
        }
    });
}

#[component]
pub fn ImportReportView() -> impl IntoView {
    let report = expect_context::<ImportReport>();
    move || {
        report.0.get().map(|r| {
            let role = if r.error { "alert" } else { "status" };
            let class = if r.error { "status error" } else { "status ok" };
            view! {
                <div class=class role=role>
                    {r.text}
                    {(!r.details.is_empty()).then(|| view! {
                        <ul class="reasons">
                            {r.details.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
                        </ul>
                    })}
                    {(!r.busy).then(|| view! {
                        <button on:click=move |_| {
                            // The report goes with its button: the focus goes back to Import.
                            dom::focus_id_if_lost("import-file");
                            report.0.set(None);
                        }>"Dismiss"</button>
                    })}
                </div>
            }
        })
    }
}
