//! The side panel: annotations in text order as cards, the note editor, and the unanchored ones.

use crate::domain::annotation::{Annotation, ChangeKind};
use crate::domain::time::Timestamp;
use crate::ui::dom;
use crate::ui::state::{css_escape, AppState};
use leptos::prelude::*;

/// How many cards are rendered before "Show more" (keeps huge sets responsive).
const PAGE: usize = 200;

/// The quote shortened for a card: at most `max` characters, cut at a word, with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    let count = s.chars().count();
    if count <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let at_word = cut
        .rfind(char::is_whitespace)
        .filter(|&i| i > max / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

fn local_time(t: Timestamp) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.millis() as f64));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    String::from(d.to_locale_string("en-GB", &opts))
}

#[component]
pub fn Panel() -> impl IntoView {
    let app = expect_context::<AppState>();
    let limit = RwSignal::new(PAGE);
    let all = move || {
        app.list.track();
        app.set.with_value(|s| {
            s.in_text_order()
                .into_iter()
                .cloned()
                .collect::<Vec<Annotation>>()
        })
    };
    let all = Memo::new(move |_| all());
    let anchored = move || {
        all.with(|v| {
            v.iter()
                .filter(|a| a.anchor.is_some())
                .take(limit.get())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let unanchored = move || {
        all.with(|v| {
            v.iter()
                .filter(|a| a.anchor.is_none())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let anchored_count = move || all.with(|v| v.iter().filter(|a| a.anchor.is_some()).count());
    let hidden = move || anchored_count().saturating_sub(limit.get());
    view! {
        <aside class="panel" aria-labelledby="panel-title">
            <h2 id="panel-title">
                "Annotations "
                <span class="count">{move || format!("({})", all.with(Vec::len))}</span>
            </h2>
            <Show when=move || all.with(Vec::is_empty)>
                <p class="empty">"Select words in the article, then choose Highlight or Note."</p>
            </Show>
            <ul class="cards" aria-label="Annotations in text order">
                <For each=anchored key=|a| (a.id.clone(), a.modified, a.color, a.tags.len()) let:a>
                    <Card a=a />
                </For>
            </ul>
            <Show when=move || { hidden() > 0 }>
                <button on:click=move |_| limit.update(|l| *l += PAGE)>
                    {move || format!("Show {} more", hidden().min(PAGE))}
                </button>
            </Show>
            <Show when=move || !unanchored().is_empty()>
                <h3 id="unanchored-title">"Unanchored"</h3>
                <p class="empty">"These no longer match the text. Their quotes and notes are kept."</p>
                <ul class="cards" aria-labelledby="unanchored-title">
                    <For each=unanchored key=|a| (a.id.clone(), a.modified) let:a>
                        <Card a=a />
                    </For>
                </ul>
            </Show>
        </aside>
    }
}

#[component]
fn Card(a: Annotation) -> impl IntoView {
    let app = expect_context::<AppState>();
    let id = a.id.clone();
    let short = shorten(&a.quote.exact, 160);
    let color = a.color;
    let anchored = a.anchor.is_some();
    let card_class = format!("card c-{}", color.name());
    let id_focus = id.clone();
    let id_edit = id.clone();
    let id_editing = id.clone();
    let id_del = id.clone();
    let id_go = id.clone();
    let note = a.note.clone();
    let has_note = !note.trim().is_empty();
    let created_iso = a.created.to_rfc3339();
    let created = local_time(a.created);
    let quote_label = format!("Go to highlight: {}", shorten(&a.quote.exact, 60));
    let delete_label = format!("Delete highlight: {}", shorten(&a.quote.exact, 40));
    let editing = move || {
        app.editing
            .with(|e| e.as_deref() == Some(id_editing.as_str()))
    };
    view! {
        <li
            class=card_class
            data-card=id.clone()
            class:focused=move || app.focused.with(|f| f.as_deref() == Some(id_focus.as_str()))
        >
            <button
                class="quote"
                aria-label=quote_label
                disabled=!anchored
                on:click=move |_| app.reveal(&id_go, true)
            >
                "“"{short}"”"
            </button>
            <Show
                when=editing
                fallback={
                    let note = note.clone();
                    move || {
                        has_note.then(|| view! { <p class="note">{note.clone()}</p> })
                    }
                }
            >
                <NoteEditor id=id_edit.clone() initial=note.clone() />
            </Show>
            <div class="meta">
                {color.label()} " · " <time datetime=created_iso.clone()>{created.clone()}</time>
            </div>
            <div class="actions">
                <button on:click={
                    let id = id.clone();
                    move |_| {
                        app.focused.set(Some(id.clone()));
                        app.editing.set(Some(id.clone()));
                    }
                }>{if has_note { "Edit note" } else { "Add note" }}</button>
                <button aria-label=delete_label on:click=move |_| app.delete(&id_del)>"Delete"</button>
            </div>
        </li>
    }
}

#[component]
fn NoteEditor(id: String, initial: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let area = NodeRef::<leptos::html::Textarea>::new();
    let field_id = format!("note-{}", id.trim_start_matches("urn:uuid:"));
    Effect::new(move |_| {
        if let Some(el) = area.get() {
            let _ = el.focus();
        }
    });
    let save = {
        let id = id.clone();
        move || {
            let Some(el) = area.get_untracked() else {
                return;
            };
            let text = el.value();
            let is_fresh = app.fresh_note.get_untracked().as_deref() == Some(id.as_str());
            if is_fresh && text.trim().is_empty() {
                app.discard_fresh(&id);
                return;
            }
            app.update(&id, ChangeKind::EditNote, |a| {
                a.note = text.trim_end().to_string()
            });
            app.fresh_note.set(None);
            app.editing.set(None);
            dom::scroll_to(&format!("[data-card=\"{}\"]", css_escape(&id)));
        }
    };
    let cancel = {
        let id = id.clone();
        move || {
            if app.fresh_note.get_untracked().as_deref() == Some(id.as_str()) {
                app.discard_fresh(&id);
            } else {
                app.editing.set(None);
            }
        }
    };
    let save_key = save.clone();
    let cancel_key = cancel.clone();
    view! {
        <label for=field_id.clone()>"Note"</label>
        <textarea
            id=field_id
            node_ref=area
            prop:value=initial
            maxlength="100000"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                    ev.prevent_default();
                    save_key();
                } else if ev.key() == "Escape" {
                    ev.prevent_default();
                    ev.stop_propagation();
                    cancel_key();
                }
            }
        ></textarea>
        <div class="actions">
            <button on:click=move |_| save()>"Save"</button>
            <button on:click=move |_| cancel()>"Cancel"</button>
        </div>
    }
}
