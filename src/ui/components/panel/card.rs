//! One annotation's card: its quote, note, tags, colour, date and actions.

use crate::ui::components::panel::dates::local_time;
use crate::ui::components::panel::note_editor::NoteEditor;
use crate::ui::components::toolbar::PendingSel;
use crate::ui::edge::clipboard::copy_text;
use crate::ui::edge::selection::clear_selection;
use crate::ui::nav::reveal::reveal;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::{normalize_tag, Annotation, ChangeKind, Color};
use marginalia_core::note::note_html;
use marginalia_core::text::Count;

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

/// Moves `a` onto the reader's current selection (for unanchored annotations).
fn reattach(app: AppState, pending: PendingSel, id: &str) {
    let Some(p) = pending.0.get_untracked() else {
        app.show_toast(
            "Select the words to attach it to first, then choose Re-attach.",
            false,
        );
        return;
    };
    // Described and anchored on the selected words, its place certain.
    let doc = app.doc;
    app.update(id, ChangeKind::Reattach, |a| {
        doc.with_value(|doc| a.reattach(doc.text(), p.span));
    });
    pending.0.set(None);
    clear_selection();
}

#[component]
fn Tags(id: String, tags: Vec<String>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let field_id = format!("tag-{}", id.trim_start_matches("urn:uuid:"));
    let add = {
        let id = id.clone();
        move |raw: &str| {
            let new: Vec<String> = raw.split(',').filter_map(normalize_tag).collect();
            if new.is_empty() {
                return;
            }
            app.update(&id, ChangeKind::Retag, |a| {
                for t in new {
                    if !a.tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                        a.tags.push(t);
                    }
                }
            });
        }
    };
    view! {
        <div class="tags">
            <ul class="tag-list" aria-label="Tags">
                {tags
                    .into_iter()
                    .map(|t| {
                        let id = id.clone();
                        let label = format!("Remove tag {t}");
                        let t2 = t.clone();
                        view! {
                            <li class="tag">
                                "#"<bdi>{t.clone()}</bdi>
                                <button class="tag-remove" data-focus="tag-remove" aria-label=label title="Remove tag" on:click=move |_| {
                                    let t = t2.clone();
                                    app.update(&id, ChangeKind::Retag, move |a| a.tags.retain(|x| *x != t));
                                }>"×"</button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <label class="visually-hidden" for=field_id.clone()>"Add tag"</label>
            <input
                id=field_id
                class="tag-input"
                data-focus="tag-input"
                type="text"
                dir="auto"
                list="tag-suggestions"
                placeholder="Add tag"
                maxlength="200"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" || ev.key() == "," {
                        ev.prevent_default();
                        let input = event_target::<web_sys::HtmlInputElement>(&ev);
                        add(&input.value());
                        input.set_value("");
                    }
                }
            />
        </div>
    }
}

/// Where the card shown past the listed page stands: its 1-based position among the anchored
/// matches, and their number.
#[derive(Clone, Copy)]
pub struct PastPosition(pub RwSignal<Option<(usize, usize)>>);

/// Copies `quote` as a citation (`domain::cite`) and says whether it worked.
fn copy_quote(app: AppState, quote: &str) {
    let text = app
        .doc
        .with_value(|d| marginalia_core::cite::citation(d, quote));
    leptos::task::spawn_local(async move {
        match copy_text(&text).await {
            Ok(()) => app.show_toast("Copied the quote and its source", false),
            Err(why) => app.show_toast(format!("Could not copy the quote: {why}."), false),
        }
    });
}

/// One annotation's card; `past`: shown after the listed page (the one the reader is on), with
/// its position ([`PastPosition`]).
#[component]
pub fn Card(a: Annotation, #[prop(optional)] past: bool) -> impl IntoView {
    let app = expect_context::<AppState>();
    let pending = expect_context::<PendingSel>();
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
    // "one of 3 identical passages": the words (and their context) are there more than once.
    let place_note = a.place_note();
    let quote_label = match &place_note {
        Some(n) => format!("Go to highlight: {} ({n})", shorten(&a.quote.exact, 60)),
        None => format!("Go to highlight: {}", shorten(&a.quote.exact, 60)),
    };
    let delete_label = format!("Delete highlight: {}", shorten(&a.quote.exact, 40));
    let copy_label = format!("Copy quote: {}", shorten(&a.quote.exact, 40));
    let exact = a.quote.exact.clone();
    let editing = move || {
        app.editing
            .with(|e| e.as_deref() == Some(id_editing.as_str()))
    };
    let editing_now = editing.clone();
    view! {
        <li
            class=card_class
            data-card=id.clone()
            class:focused=move || app.focused.with(|f| f.as_deref() == Some(id_focus.as_str()))
        >
            {past.then(|| {
                let position = expect_context::<PastPosition>().0;
                let text = move || {
                    position
                        .get()
                        .map(|(n, of)| format!("Number {} of {} in text order.", Count(n), Count(of)))
                        .unwrap_or_default()
                };
                view! { <p class="past">{text}</p> }
            })}
            <button
                class="quote"
                data-focus="quote"
                dir="auto"
                aria-label=quote_label
                disabled=!anchored
                on:click=move |_| reveal(app, &id_go, true)
            >
                "“"{short}"”"
            </button>
            {place_note.map(|n| view! { <p class="place-note">{n}</p> })}
            <Show
                when=editing
                fallback={
                    let note = note.clone();
                    move || {
                        // Its Markdown, as safe HTML (marginalia_core::note).
                        has_note.then(|| {
                            let html = note_html(&note);
                            view! { <div class="note" dir="auto" inner_html=html></div> }
                        })
                    }
                }
            >
                <NoteEditor id=id_edit.clone() initial=note.clone() />
            </Show>
            <Tags id=id.clone() tags=a.tags.clone() />
            <div class="meta">
                <label class="colour-pick">
                    <span class="visually-hidden">"Colour"</span>
                    <select aria-label="Colour" data-focus="colour" on:change={
                        let id = id.clone();
                        move |ev| {
                            if let Some(c) = Color::from_name(&event_target_value(&ev)) {
                                app.color.set(c);
                                app.update(&id, ChangeKind::Recolor, |a| a.color = c);
                            }
                        }
                    }>
                        {Color::ALL
                            .into_iter()
                            .map(|c| view! { <option value=c.name() selected=c == color>{c.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                " · " <time datetime=created_iso.clone()>{created.clone()}</time>
            </div>
            <div class="actions">
                {(!anchored).then(|| {
                    let id = id.clone();
                    view! {
                        <button
                            data-focus="reattach"
                            on:mousedown=|ev: leptos::ev::MouseEvent| ev.prevent_default()
                            on:click=move |_| reattach(app, pending, &id)
                        >"Re-attach to selection"</button>
                    }
                })}
                // Not beside its own editor.
                <button data-focus="note" hidden=editing_now on:click={
                    let id = id.clone();
                    move |_| {
                        app.focused.set(Some(id.clone()));
                        app.editing.set(Some(id.clone()));
                    }
                }>{if has_note { "Edit note" } else { "Add note" }}</button>
                <button aria-label=copy_label data-focus="copy" title="Copy the quote and where it is from" on:click=move |_| copy_quote(app, &exact)>"Copy"</button>
                <button aria-label=delete_label data-focus="delete" on:click=move |_| app.delete(&id_del)>"Delete"</button>
            </div>
        </li>
    }
}
