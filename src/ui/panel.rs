//! The side panel: annotations in text order as cards, the note editor, and the unanchored ones.

use crate::ui::dom;
use crate::ui::state::{css_escape, AppState};
use crate::ui::toolbar::PendingSel;
use leptos::prelude::*;
use marginalia_core::anchor::anchor;
use marginalia_core::annotation::{normalize_tag, Annotation, ChangeKind, Color, Filter};
use marginalia_core::listing::Listing;
use marginalia_core::selector::describe;
use marginalia_core::text::Count;
use marginalia_core::time::Timestamp;

/// How many cards are rendered before "Show more" (keeps huge sets responsive).
const PAGE: usize = 50;

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

thread_local! {
    /// One formatter for every card: making one per call (what `Date.toLocaleString` with
    /// options does) costs a third of a millisecond, 70 ms for a page of cards.
    static DATE_FORMAT: js_sys::Function = {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
        let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
        let locales = js_sys::Array::of1(&"en-GB".into());
        js_sys::Intl::DateTimeFormat::new(&locales, &opts).format()
    };
}

/// Makes the card date formatter ahead of need (its first use loads locale data: ~30 ms), for
/// a quiet moment after the first paint rather than the first card.
pub fn warm_date_format() {
    DATE_FORMAT.with(|_| ());
}

pub fn local_time(t: Timestamp) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.millis() as f64));
    DATE_FORMAT
        .with(|f| f.call1(&wasm_bindgen::JsValue::UNDEFINED, &d).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// The search box and filters, shared with the keyboard shortcut `/`.
#[derive(Clone, Copy)]
pub struct FilterState(pub RwSignal<Filter>);

#[component]
pub fn Panel() -> impl IntoView {
    let app = expect_context::<AppState>();
    let filter = expect_context::<FilterState>().0;
    let limit = RwSignal::new(PAGE);
    let listing = Memo::new(move |_| {
        app.list.track();
        let limit = limit.get();
        filter.with(|f| app.set.with_value(|s| Listing::of(s, f, limit)))
    });
    let tags = Memo::new(move |_| {
        app.list.track();
        app.set.with_value(|s| s.all_tags())
    });
    // The annotation the reader is on, when it lies past the listed page, gets a card after
    // the page. A task late for a new highlight (its mark is drawn first, in the frame after
    // the click; the card in the next); at once when its note editor opens (Note) or when the
    // card is asked for (a clicked highlight, `j`/`k`), which also scrolls the panel to it.
    let past_focus = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let focused = app.focused.get();
        let editing = app.editing.get();
        if focused.is_none() || editing == focused {
            if past_focus.get_untracked() != focused {
                past_focus.set(focused);
            }
            return;
        }
        // After the next frame (a timer set from its animation frame callback).
        request_animation_frame(move || {
            set_timeout(
                move || {
                    if app.focused.try_with_untracked(|f| *f == focused) == Some(true)
                        && past_focus.try_with_untracked(|p| *p != focused) == Some(true)
                    {
                        past_focus.set(focused);
                    }
                },
                std::time::Duration::ZERO,
            )
        });
    });
    // The bottom sheet (phone) opens for a card asked for and for a note being written, and
    // the page moves its highlight out from under it (a new one is drawn in the next frame).
    Effect::new(move |_| {
        if let Some(id) = app.editing.get() {
            app.sheet_open.set(true);
            dom::after_next_paint(move || {
                if let Some(mark) = crate::ui::article::marks_of(app, &id).first() {
                    dom::keep_above_sheet(mark);
                }
            });
        }
    });
    Effect::new(move |_| {
        let Some((id, focus, _)) = app.card_wanted.get() else {
            return;
        };
        app.sheet_open.set(true);
        if past_focus.with_untracked(|p| p.as_deref() != Some(id.as_str())) {
            past_focus.set(Some(id.clone()));
        }
        // A frame later, once the card is drawn.
        let card = format!("[data-card=\"{}\"]", css_escape(&id));
        request_animation_frame(move || {
            if let Some(mark) = crate::ui::article::marks_of(app, &id).first() {
                dom::keep_above_sheet(mark);
            }
            if let Some(card) = dom::scroll_card(&card) {
                if focus {
                    if let Ok(Some(quote)) = card.query_selector(".quote") {
                        dom::focus_in_place(&quote);
                    }
                }
            }
        });
    });
    let beyond = Memo::new(move |_| {
        let id = past_focus.get()?;
        // Any change to the set, not only to the listing (which compares equal while the page
        // is unchanged: an edit of this card's note would not show).
        app.list.track();
        listing.with(|l| filter.with(|f| app.set.with_value(|s| l.past_page(s, f, &id).cloned())))
    });
    // Its position, shown on its card (a change updates that line, not the card): worked out
    // at once for a new card, after the next frame when the list changed (it visits every
    // annotation before it: ~1 ms with 10,000, kept out of the frame that shows a new highlight).
    let position = RwSignal::new(None::<(usize, usize)>);
    let place = move || {
        let id = past_focus.get_untracked()?;
        beyond.with_untracked(|b| b.is_some()).then_some(())?;
        let n = filter.with_untracked(|f| app.set.with_value(|s| Listing::position(s, f, &id)));
        Some((n, listing.with_untracked(|l| l.anchored_matching)))
    };
    Effect::new(move |shown: Option<Option<String>>| {
        let id = past_focus.get();
        app.list.track();
        filter.track();
        if shown.as_ref() != Some(&id) {
            position.set(place());
        } else {
            request_animation_frame(move || {
                set_timeout(
                    move || {
                        if let Some(p) = listing.try_with_untracked(|_| place()) {
                            position.try_set(p);
                        }
                    },
                    std::time::Duration::ZERO,
                )
            });
        }
        id
    });
    provide_context(PastPosition(position));
    // The listed page, then the one the reader is on when it lies past it.
    let anchored = move || {
        let mut cards: Vec<(bool, Annotation)> =
            listing.with(|l| l.anchored.iter().map(|a| (false, a.clone())).collect());
        if let Some(a) = beyond.get() {
            cards.push((true, a));
        }
        cards
    };
    let unanchored = move || listing.with(|l| l.unanchored.clone());
    let hidden = move || listing.with(Listing::hidden);
    let count_text = move || {
        listing.with(|l| {
            if filter.with(Filter::is_active) {
                format!("{} of {} match", Count(l.matching), Count(l.total))
            } else {
                format!("{} in all", Count(l.total))
            }
        })
    };
    view! {
        <aside
            id="panel"
            class="panel"
            class:collapsed=move || !app.sheet_open.get()
            aria-labelledby="panel-title"
        >
            <div class="panel-head">
                <h2 id="panel-title">"Annotations"</h2>
                // Only on a phone, where the panel is a bottom sheet (style/main.css).
                <button
                    class="sheet-toggle"
                    aria-controls="panel"
                    aria-expanded=move || app.sheet_open.get().to_string()
                    on:click=move |_| app.sheet_open.update(|o| *o = !*o)
                >
                    {move || {
                        if app.sheet_open.get() {
                            "Hide".to_string()
                        } else {
                            match listing.with(|l| l.total) {
                                0 => "Show".to_string(),
                                n => format!("Show ({})", Count(n)),
                            }
                        }
                    }}
                </button>
            </div>
            <div class="filters" role="search">
                <label class="visually-hidden" for="search">"Search annotations"</label>
                <input
                    id="search"
                    type="search"
                    dir="auto"
                    placeholder="Search quotes, notes, tags ( / )"
                    prop:value=move || filter.with(|f| f.query.clone())
                    on:input=move |ev| filter.update(|f| f.query = event_target_value(&ev))
                />
                <div class="filter-row">
                    <label for="filter-colour">"Colour"</label>
                    <select
                        id="filter-colour"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            filter.update(|f| f.color = Color::from_name(&v));
                        }
                    >
                        <option value="" selected=move || filter.with(|f| f.color.is_none())>"All colours"</option>
                        {Color::ALL
                            .into_iter()
                            .map(|c| view! {
                                <option value=c.name() selected=move || filter.with(|f| f.color == Some(c))>{c.label()}</option>
                            })
                            .collect_view()}
                    </select>
                    <label for="filter-tag">"Tag"</label>
                    <select
                        id="filter-tag"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            filter.update(|f| f.tag = (!v.is_empty()).then_some(v));
                        }
                    >
                        <option value="" selected=move || filter.with(|f| f.tag.is_none())>"All tags"</option>
                        {move || tags
                            .get()
                            .into_iter()
                            .map(|t| {
                                let t2 = t.clone();
                                view! {
                                    <option value=t.clone() selected=move || filter.with(|f| f.tag.as_deref() == Some(t2.as_str()))>{t.clone()}</option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <Show when=move || filter.with(Filter::is_active)>
                        <button on:click=move |_| {
                            // The button goes with the filters: the focus goes to the search field.
                            dom::focus_id_if_lost("search");
                            filter.set(Filter::default());
                        }>"Clear filters"</button>
                    </Show>
                </div>
                <p class="count" role="status" aria-live="polite">{count_text}</p>
            </div>
            <Show when=move || listing.with(|l| l.total == 0)>
                <p class="empty">"Select words in the article, then choose Highlight or Note."</p>
            </Show>
            <ul id="card-list" class="cards" aria-label="Annotations in text order">
                <For
                    each=anchored
                    key=|(past, a)| (*past, a.id.clone(), a.modified, a.color, a.tags.clone(), a.anchor)
                    children=|(past, a)| view! { <Card a=a past=past /> }
                />
            </ul>
            <Show when=move || { hidden() > 0 }>
                <button on:click=move |_| {
                    // The focus goes to the first card shown now (the button may go too).
                    let first_new = limit.get_untracked();
                    limit.update(|l| *l += PAGE);
                    dom::after_draw(move || {
                        let card = document()
                            .query_selector(&format!("#card-list > li:nth-child({})", first_new + 1));
                        if let Some(target) = card.ok().flatten().as_ref().and_then(dom::card_target) {
                            dom::focus_in_place(&target);
                        }
                    });
                }>
                    {move || format!("Show {} more", hidden().min(PAGE))}
                </button>
            </Show>
            <Show when=move || !unanchored().is_empty()>
                <h3 id="unanchored-title">"Unanchored"</h3>
                <p class="empty">"These no longer match the text. Their quotes and notes are kept: select new words and choose Re-attach, or delete them."</p>
                <ul class="cards" aria-labelledby="unanchored-title">
                    <For each=unanchored key=|a| (a.id.clone(), a.modified, a.tags.clone()) let:a>
                        <Card a=a />
                    </For>
                </ul>
            </Show>
            <datalist id="tag-suggestions">
                {move || tags.get().into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
            </datalist>
        </aside>
    }
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
    let described = app.doc.with_value(|doc| describe(doc.text(), p.span));
    let (quote, position) = described;
    let span = app
        .doc
        .with_value(|doc| anchor(doc.text(), &quote, Some(position)).map(|x| x.span));
    app.update(id, ChangeKind::Reattach, |a| {
        a.quote = quote;
        a.position = Some(position);
        a.anchor = span;
    });
    pending.0.set(None);
    dom::clear_selection();
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
struct PastPosition(RwSignal<Option<(usize, usize)>>);

/// Copies `quote` as a citation (`domain::cite`) and says whether it worked.
fn copy_quote(app: AppState, quote: &str) {
    let text = app
        .doc
        .with_value(|d| marginalia_core::cite::citation(d, quote));
    leptos::task::spawn_local(async move {
        match crate::ui::dom::copy_text(&text).await {
            Ok(()) => app.show_toast("Copied the quote and its source", false),
            Err(why) => app.show_toast(format!("Could not copy the quote: {why}."), false),
        }
    });
}

/// One annotation's card; `past`: shown after the listed page (the one the reader is on), with
/// its position ([`PastPosition`]).
#[component]
fn Card(a: Annotation, #[prop(optional)] past: bool) -> impl IntoView {
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
    let quote_label = format!("Go to highlight: {}", shorten(&a.quote.exact, 60));
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
                on:click=move |_| app.reveal(&id_go, true)
            >
                "“"{short}"”"
            </button>
            <Show
                when=editing
                fallback={
                    let note = note.clone();
                    move || {
                        has_note.then(|| view! { <p class="note" dir="auto">{note.clone()}</p> })
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

#[component]
fn NoteEditor(id: String, initial: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let area = NodeRef::<leptos::html::Textarea>::new();
    let field_id = format!("note-{}", id.trim_start_matches("urn:uuid:"));
    // On a phone the editor is drawn in the bottom sheet as it opens: focused once shown.
    Effect::new(move |_| {
        if let Some(el) = area.get() {
            dom::focus_once_shown(el.into(), 3);
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
            dom::keep_card_focus();
            app.editing.set(None);
            dom::scroll_card(&format!("[data-card=\"{}\"]", css_escape(&id)));
        }
    };
    let cancel = {
        let id = id.clone();
        move || {
            if app.fresh_note.get_untracked().as_deref() == Some(id.as_str()) {
                app.discard_fresh(&id);
            } else {
                dom::keep_card_focus();
                app.editing.set(None);
            }
        }
    };
    let save_key = save.clone();
    let cancel_key = cancel.clone();
    view! {
        <div class="note-editor" data-focus="editor">
            <label for=field_id.clone()>"Note"</label>
            <textarea
                id=field_id
                dir="auto"
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
        </div>
    }
}
