//! Import: the **Import** control and dropping a file on the page (`.md`/`.txt` open as
//! articles, others import); the report of what an import did.

use crate::ui::components::later::{self, import_file};
use crate::ui::edge::events::on_document;
use crate::ui::edge::focus::focus_id_if_lost;
use crate::ui::nav::{is_article_file, open_file, Nav};
use crate::ui::services::import::ImportReport;
use crate::ui::state::AppState;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

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
                    later::start(app, import_file(app, report, file));
                }
                input.set_value("");
            }
        />
    }
}

/// Accepts a file dropped anywhere on the page: `.md`/`.txt` open as articles, others import.
pub fn listen_for_drops(app: AppState, report: ImportReport, nav: Option<Nav>) {
    on_document("dragover", |ev| {
        if let Some(ev) = ev.dyn_ref::<web_sys::DragEvent>() {
            ev.prevent_default();
        }
    });
    on_document("drop", move |ev| {
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
            Some(nav) if is_article_file(&file.name()) => open_file(nav, file),
            _ => later::start(app, import_file(app, report, file)),
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
                            focus_id_if_lost("import-file");
                            report.0.set(None);
                        }>"Dismiss"</button>
                    })}
                </div>
            }
        })
    }
}
