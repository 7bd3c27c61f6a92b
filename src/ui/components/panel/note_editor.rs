//! The note editor of a card, and the limit on a note's length.

use crate::ui::edge::card_focus::keep_card_focus;
use crate::ui::edge::elements::css_escape;
use crate::ui::edge::events::on_document;
use crate::ui::edge::focus::focus_once_shown;
use crate::ui::edge::layout::keep_in_panel_view;
use crate::ui::edge::scroll::scroll_card;
use crate::ui::edge::timers::after_draw;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::ChangeKind;
use marginalia_core::text::Count;
use wasm_bindgen::JsCast;

#[component]
pub fn NoteEditor(id: String, initial: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let area = NodeRef::<leptos::html::Textarea>::new();
    let field_id = format!("note-{}", id.trim_start_matches("urn:uuid:"));
    let hint_id = format!("{field_id}-hint");
    let editor = NodeRef::<leptos::html::Div>::new();
    // On a phone the editor is drawn in the bottom sheet as it opens: focused once shown.
    Effect::new(move |_| {
        if let Some(el) = area.get() {
            focus_once_shown(el.into(), 3);
        }
    });
    // Once it has the focus (the sheet open and laid out), the sheet scrolls so that the field
    // and Save and Cancel under it are in view.
    let in_view = move |_| {
        after_draw(move || {
            if let Some(editor) = editor.get_untracked() {
                keep_in_panel_view(&editor);
            }
        })
    };
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
            keep_card_focus();
            app.editing.set(None);
            scroll_card(&format!("[data-card=\"{}\"]", css_escape(&id)));
        }
    };
    let cancel = {
        let id = id.clone();
        move || {
            if app.fresh_note.get_untracked().as_deref() == Some(id.as_str()) {
                app.discard_fresh(&id);
            } else {
                keep_card_focus();
                app.editing.set(None);
            }
        }
    };
    let save_key = save.clone();
    let cancel_key = cancel.clone();
    view! {
        <div class="note-editor" data-focus="editor" node_ref=editor>
            <label for=field_id.clone()>"Note"</label>
            <p class="hint" id=hint_id.clone()>"Markdown works: *italic*, **bold**, [link](https://…), lists, `code`"</p>
            <textarea
                id=field_id
                dir="auto"
                aria-describedby=hint_id
                node_ref=area
                on:focus=in_view
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
        </div>
    }
}

/// Refuses text that would take a note past the editor's limit, saying so, instead of letting
/// the browser cut a paste short without a word (or a huge paste freeze the page).
pub fn guard_note_length(app: AppState) {
    on_document("beforeinput", move |ev| {
        let Some(area) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        else {
            return;
        };
        let limit = match area.max_length() {
            n if n > 0 => n as usize,
            _ => return,
        };
        let incoming = js_sys::Reflect::get(ev, &"data".into())
            .ok()
            .and_then(|d| d.as_string())
            .or_else(|| {
                js_sys::Reflect::get(ev, &"dataTransfer".into())
                    .ok()
                    .and_then(|d| d.dyn_into::<web_sys::DataTransfer>().ok())
                    .and_then(|d| d.get_data("text/plain").ok())
            });
        let Some(incoming) = incoming else { return };
        let value = area.value();
        let len = value.encode_utf16().count();
        let start = area.selection_start().ok().flatten().unwrap_or(len as u32) as usize;
        let end = area.selection_end().ok().flatten().unwrap_or(len as u32) as usize;
        let replaced = end.saturating_sub(start).min(len);
        let added = incoming.encode_utf16().count();
        if len - replaced + added > limit {
            ev.prevent_default();
            app.show_toast(
                format!(
                    "Not added: a note can hold up to {} characters, and this text has {}. Your note is unchanged; shorten the text or keep it in a file.",
                    Count(limit),
                    Count(added)
                ),
                false,
            );
        }
    });
}
