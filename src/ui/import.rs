//! Import: a file picker and dropping a file on the page. The file is checked whole by the
//! domain first, then applied as one undoable step, and the reader gets a report.

use crate::domain::annotation::{uuid_v4_urn, ChangeKind};
use crate::domain::w3c::{self, MAX_IMPORT_BYTES};
use crate::ui::dom;
use crate::ui::state::AppState;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What the last import did, shown until dismissed.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub text: String,
    pub details: Vec<String>,
    pub error: bool,
}

#[derive(Clone, Copy)]
pub struct ImportReport(pub RwSignal<Option<Report>>);

/// Imports `text` (the contents of `name`) into the open document.
pub fn import_text(app: AppState, report: ImportReport, name: &str, text: &str) {
    let now = dom::now();
    let mut new_id = || uuid_v4_urn(dom::random_bytes());
    let planned = app.doc.with_value(|doc| {
        app.set
            .with_value(|set| w3c::import(doc, text, set, now, &mut new_id))
    });
    match planned {
        Err(e) => report.0.set(Some(Report {
            text: format!("Nothing was imported from {name}: {e}."),
            details: Vec::new(),
            error: true,
        })),
        Ok(plan) => {
            let added = plan.to_add.len();
            let summary = format!(
                "Imported from {name} ({}): added {added}, already present {}, unanchored {}, rejected {}.",
                plan.format.label(),
                plan.already_present.len(),
                plan.unanchored,
                plan.rejected.len()
            );
            let details = plan.rejected.iter().map(|r| r.to_string()).collect();
            if added > 0 {
                let summary = app
                    .set
                    .try_update_value(|set| set.add_all(ChangeKind::Import, plan.to_add));
                if let Some(summary) = summary {
                    app.after_change(&summary);
                }
            }
            report.0.set(Some(Report {
                text: summary,
                details,
                error: false,
            }));
        }
    }
}

/// Reads a file chosen or dropped by the reader and imports it.
pub fn import_file(app: AppState, report: ImportReport, file: web_sys::File) {
    let name = file.name();
    let size = file.size();
    if size > MAX_IMPORT_BYTES as f64 {
        report.0.set(Some(Report {
            text: format!(
                "Nothing was imported from {name}: {}.",
                w3c::ImportError::TooLarge { bytes: size as u64 }
            ),
            details: Vec::new(),
            error: true,
        }));
        return;
    }
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(file.text()).await {
            Ok(text) => {
                let text = text.as_string().unwrap_or_default();
                import_text(app, report, &name, &text);
            }
            Err(_) => report.0.set(Some(Report {
                text: format!("Nothing was imported: the browser could not read {name}."),
                details: Vec::new(),
                error: true,
            })),
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
                    <button on:click=move |_| report.0.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}
