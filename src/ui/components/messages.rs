//! The messages under the top bar: storage trouble (the banner), navigation errors, the offer to
//! carry annotations over, and the toast with its Undo.

use crate::ui::components::later::{self, carry_over, download_json};
use crate::ui::edge::card_focus::card_target;
use crate::ui::edge::elements::all;
use crate::ui::edge::focus::{focus_id_if_lost, focused_element, when_focus_lost, TITLE_ID};
use crate::ui::nav::Nav;
use crate::ui::services::import::ImportReport;
use crate::ui::services::saving::Saving;
use crate::ui::state::{self, AppState};
use leptos::prelude::*;
use marginalia_core::text::Count;

/// "Start fresh": once the damaged data is kept, this tab saves; the banner goes with its
/// focused button.
fn start_fresh(saving: Saving) {
    let app = saving.app;
    leptos::task::spawn_local(async move {
        match saving.start_fresh().await {
            Ok(told) => {
                focus_id_if_lost(TITLE_ID);
                let _ = app.banner.try_set(None);
                app.show_toast(format!("Started fresh. {told}"), false);
            }
            Err(why) => {
                let _ = app.banner.try_set(Some(state::Banner {
                    text: why,
                    error: true,
                    damaged: true,
                }));
            }
        }
    });
}

#[component]
pub fn Banner() -> impl IntoView {
    let app = expect_context::<AppState>();
    let saving = expect_context::<Saving>();
    let download_damaged = move |_| saving.download_damaged();
    let start_fresh = move |_| start_fresh(saving);
    move || {
        app.banner.get().map(|b| {
            let class = if b.error {
                "status error"
            } else {
                "status warn"
            };
            let damaged = b.damaged;
            view! {
                <div class=class role="alert">
                    {b.text}
                    {damaged.then(|| view! {
                        <button on:click=download_damaged>"Download the damaged data"</button>
                        <button on:click=start_fresh>"Start fresh"</button>
                    })}
                    {(!damaged).then(|| view! {
                        <button on:click=move |_| later::start(app, download_json(app))>"Download annotations"</button>
                    })}
                </div>
            }
        })
    }
}

/// The toast's **Undo** (after a delete or Clear all): the toast goes, and the focus, which was
/// on its button, goes to the first card the undo brings back.
fn undo_from_toast(app: AppState) {
    let was = focused_element();
    app.toast.set(None);
    let ids = app.undo();
    if let Some(was) = was {
        when_focus_lost(was.into(), move || {
            all(document().query_selector_all("[data-card]"))
                .into_iter()
                .find(|c| {
                    c.get_attribute("data-card")
                        .is_some_and(|id| ids.contains(&id))
                })
                .and_then(|c| card_target(&c))
        });
    }
}

#[component]
pub fn ToastView() -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div role="status" aria-live="polite" class="toast-region">
            {move || app.toast.get().map(|t| view! {
                <div class="toast">
                    <span>{if t.undo { format!("{} — ", t.text) } else { t.text.clone() }}</span>
                    {t.undo.then(|| view! {
                        <button on:click=move |_| undo_from_toast(app)>"Undo"</button>
                    })}
                </div>
            })}
        </div>
    }
}

#[component]
pub fn CarryOverOffer() -> impl IntoView {
    let app = expect_context::<AppState>();
    let nav = expect_context::<Nav>();
    let report = expect_context::<ImportReport>();
    let current_id = app.doc.with_value(|d| d.id.clone());
    move || {
        nav.offer.get().filter(|o| o.to_id == current_id).map(|o| {
            let o2 = o.clone();
            view! {
                <div class="status warn" role="status">
                    {format!(
                        "An earlier version of {} has {} annotation{}. Carry them over to this version? They are re-anchored to the new text; any that no longer match are listed as unanchored.",
                        o.file_name, Count(o.count), if o.count == 1 { "" } else { "s" }
                    )}
                    <button on:click=move |_| {
                        focus_id_if_lost(TITLE_ID);
                        later::start(app, carry_over(app, report, o2.clone()));
                        nav.offer.set(None);
                    }>"Carry them over"</button>
                    <button on:click=move |_| {
                        focus_id_if_lost(TITLE_ID);
                        nav.offer.set(None);
                    }>"Not now"</button>
                </div>
            }
        })
    }
}

#[component]
pub fn NavError() -> impl IntoView {
    let nav = expect_context::<Nav>();
    move || {
        nav.error.get().map(|e| {
            view! {
                <div class="status error" role="alert">
                    {e}
                    <button on:click=move |_| {
                        focus_id_if_lost(TITLE_ID);
                        nav.error.set(None);
                    }>"Dismiss"</button>
                </div>
            }
        })
    }
}
