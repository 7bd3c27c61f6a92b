//! Review: a few past highlights at a time from every document, those not shown yet first
//! (`marginalia_core::review`), each opening its document at the highlight. What was shown is
//! remembered on this device only ([`crate::ui::services::review`]).

use crate::ui::components::sheet::Sheet;
use crate::ui::edge::events::on_window_as;
use crate::ui::edge::focus::typing_in_field;
use crate::ui::nav::Nav;
use crate::ui::services::review;
use crate::ui::services::search::{Everywhere, Status};
use leptos::prelude::*;
use marginalia_core::markdown::first_words;
use marginalia_core::review::BATCH;
use marginalia_core::search::Hit;
use marginalia_core::text::Count;

/// How much of a quote or note a highlight shows, in characters.
const SHOWN_CHARS: usize = 400;

/// One review: every highlight (title, hit) in the order to show them, and how far it has got.
#[derive(Clone, Debug, Default)]
struct Session {
    items: Vec<(String, Hit)>,
    /// Where the batch shown starts in `items`.
    at: usize,
}

impl Session {
    /// A new review of every highlight: those shown longest ago (or never) first.
    fn start(all: Vec<(String, Hit)>) -> Session {
        let order = review::order(&all);
        let mut slots: Vec<Option<(String, Hit)>> = all.into_iter().map(Some).collect();
        let items = order.into_iter().filter_map(|i| slots[i].take()).collect();
        let s = Session { items, at: 0 };
        s.remember();
        s
    }

    fn batch(&self) -> &[(String, Hit)] {
        let end = (self.at + BATCH).min(self.items.len());
        &self.items[self.at.min(end)..end]
    }

    fn remember(&self) {
        let shown: Vec<&Hit> = self.batch().iter().map(|(_, h)| h).collect();
        review::mark_seen(&shown, &self.items);
    }

    /// The next batch; after the last, a new review (every highlight now seen, so the least
    /// recently shown come first again).
    fn next(self) -> Session {
        if self.at + BATCH < self.items.len() {
            let s = Session {
                at: self.at + BATCH,
                ..self
            };
            s.remember();
            s
        } else {
            Session::start(self.items)
        }
    }
}

/// Whether the Review dialog is open, shared by its button, its key and the dialog.
#[derive(Clone, Copy)]
pub struct ReviewOpen(pub RwSignal<bool>);

/// The top bar's Review button (where there is a library: the page's app).
#[component]
pub fn ReviewButton() -> impl IntoView {
    use_context::<ReviewOpen>().map(|ReviewOpen(open)| {
        view! {
            <button on:click=move |_| open.set(true) title="Past highlights from every document, a few at a time (r)">"Review"</button>
        }
    })
}

/// `r` opens Review (not while typing, nor from inside a dialog, whose keys stop there). In the
/// main module: the dialog itself is loaded on first use (`later::review_sheet`).
pub fn listen_for_key(open: RwSignal<bool>) {
    on_window_as("keydown", move |ev: &web_sys::KeyboardEvent| {
        let plain = !(ev.ctrl_key() || ev.meta_key() || ev.alt_key());
        if plain && ev.key() == "r" && !typing_in_field() && !open.get_untracked() {
            ev.prevent_default();
            open.set(true);
        }
    });
}

/// The Review dialog, built the first time it opens.
#[component]
pub fn ReviewSheet(open: RwSignal<bool>) -> impl IntoView {
    let next_button = NodeRef::<leptos::html::Button>::new();
    let session = RwSignal::new(None::<Session>);
    if let Some(e) = use_context::<Everywhere>() {
        // Opening: every document's highlights are read (the first time), then a review starts.
        Effect::new(move |_| {
            if !open.get() {
                session.set(None);
                return;
            }
            match e.status.get() {
                Status::Idle => {
                    e.want();
                    return;
                }
                Status::Reading => return,
                _ => {}
            }
            if session.with_untracked(Option::is_none) {
                session.set(Some(Session::start(e.all())));
                // Documents added or removed since they were read are caught up with.
                e.want();
            }
        });
    }
    let status = move || {
        session.with(|s| match s {
            None => "Reading your highlights…".to_string(),
            Some(s) if s.items.is_empty() => {
                "No highlights yet. Highlight words in any document, then come back to review them."
                    .to_string()
            }
            Some(s) => format!(
                "{}–{} of {} highlights",
                Count(s.at + 1),
                Count(s.at + s.batch().len()),
                Count(s.items.len())
            ),
        })
    };
    let next = move |_| {
        session.update(|s| {
            if let Some(cur) = s.take() {
                *s = Some(cur.next());
            }
        });
        // The list is drawn anew; the focus stays on Next, the reader's place.
        if let Some(b) = next_button.get_untracked() {
            let _ = b.focus();
        }
    };
    let batch =
        move || session.with(|s| s.as_ref().map(|s| s.batch().to_vec()).unwrap_or_default());
    let has_more = move || session.with(|s| s.as_ref().is_some_and(|s| !s.items.is_empty()));
    view! {
        <Sheet open=open labelledby="review-title" class="review" first=move || None>
            <h2 id="review-title">"Review"</h2>
            <p class="count" role="status" aria-live="polite">{status}</p>
            <ul class="review-list" aria-label="Highlights to review">
                {move || batch().into_iter().map(|(title, h)| view! { <Item title=title h=h open=open /> }).collect_view()}
            </ul>
            <div class="review-actions">
                <Show when=has_more>
                    <button node_ref=next_button on:click=next>"Next"</button>
                </Show>
                <button on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </Sheet>
    }
}

#[component]
fn Item(title: String, h: Hit, open: RwSignal<bool>) -> impl IntoView {
    let nav = use_context::<Nav>();
    let quote = first_words(&h.quote, SHOWN_CHARS);
    let note = (!h.note.trim().is_empty()).then(|| first_words(&h.note, SHOWN_CHARS));
    let short = first_words(&h.quote, 40);
    let (doc, id) = (h.doc_id.clone(), h.annotation_id.clone());
    let go = move |_| {
        open.set(false);
        if let Some(nav) = nav {
            nav.go(&doc, Some(&id));
        }
    };
    view! {
        <li class=format!("review-item c-{}", h.color.name())>
            <p class="review-doc">{title.clone()}</p>
            <blockquote class="review-quote">{quote}</blockquote>
            {note.map(|n| view! { <p class="review-note">{n}</p> })}
            <button
                on:click=go
                aria-label=format!("Open “{short}” in {title}")
            >"Open"</button>
        </li>
    }
}
