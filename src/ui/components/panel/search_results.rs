//! Searching every document: the hits for the panel's search box, grouped by document, each a
//! link that opens its document at the annotation.

use crate::ui::components::panel::{FilterState, SearchScope};
use crate::ui::nav::Nav;
use crate::ui::services::search::{Everywhere, Status};
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::library::make_fragment;
use marginalia_core::markdown::first_words;
use marginalia_core::search::{Hit, SearchResult};
use marginalia_core::text::Count;

/// How many hits are drawn before "Show more".
const PAGE: usize = 50;
/// How much of a quote a hit shows, in characters.
const QUOTE_CHARS: usize = 200;

/// Keeps the library-wide index up to date with the open document's live set (its changes here,
/// and its annotations once read), while the index is wanted.
pub fn follow_live(app: AppState) {
    let Some(e) = use_context::<Everywhere>() else {
        return;
    };
    let (id, title) = app.doc.with_value(|d| (d.id.clone(), d.title.clone()));
    Effect::new(move |_| {
        app.list.track();
        e.status.track();
        app.set.with_value(|s| e.set_live(&id, &title, s.iter()));
    });
}

/// The hits, shown while `shown` holds (built the first time it does); every time it comes to
/// hold, the index is brought in line with the library ([`Everywhere::want`]).
#[component]
pub fn SearchResults(shown: RwSignal<bool>) -> impl IntoView {
    let Some(e) = use_context::<Everywhere>() else {
        return ().into_any();
    };
    Effect::new(move |_| {
        if shown.get() {
            e.want();
        }
    });
    let filter = expect_context::<FilterState>().0;
    let query = Memo::new(move |_| filter.with(|f| f.query.clone()));
    // How many hits to draw, for the query it was raised for (a new query starts at one page).
    let more = RwSignal::new((String::new(), PAGE));
    let limit = move || more.with(|(q, n)| if query.with(|x| x == q) { *n } else { PAGE });
    let result = Memo::new(move |_| {
        e.changed.track();
        query.with(|q| e.search(q, limit()))
    });
    let status = move || {
        let (annotations, docs) = {
            e.changed.track();
            e.size()
        };
        let mut text = match e.status.get() {
            Status::Idle | Status::Reading => "Reading every document's annotations…".to_string(),
            _ if query.with(|q| q.trim().is_empty()) => format!(
                "Type to search {} {} in {} {}.",
                Count(annotations),
                plural(annotations, "annotation", "annotations"),
                Count(docs),
                plural(docs, "document", "documents")
            ),
            _ => result.with(summary),
        };
        if let Status::Partial(names) = e.status.get() {
            text.push_str(&format!(" Could not read the annotations of: {names}."));
        }
        text
    };
    view! {
        <Show when=move || shown.get()>
        <p class="count" role="status" aria-live="polite">{status}</p>
        // Keyed by document and annotation: a keystroke redraws only the hits that came or went.
        <div class="search-results">
            <For
                each=move || result.with(|r| r.groups.iter().map(|g| (g.doc_id.clone(), g.title.clone())).collect::<Vec<_>>())
                key=|(id, title)| (id.clone(), title.clone())
                children=move |(id, title)| group_view(result, id, title)
            />
        </div>
        <Show when=move || result.with(|r| r.shown() < r.total)>
            <button on:click=move |_| {
                let n = limit() + PAGE;
                more.set((query.get_untracked(), n));
            }>
                {move || format!("Show {} more", result.with(|r| (r.total - r.shown()).min(PAGE)))}
            </button>
        </Show>
        </Show>
    }
    .into_any()
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// "12 matches in 3 documents" (and how many are shown, when not all).
fn summary(r: &SearchResult) -> String {
    if r.total == 0 {
        return "No annotation in any document matches.".into();
    }
    let mut s = format!(
        "{} {} in {} {}",
        Count(r.total),
        plural(r.total, "match", "matches"),
        Count(r.groups.len()),
        plural(r.groups.len(), "document", "documents")
    );
    if r.shown() < r.total {
        s.push_str(&format!(", the first {} shown", Count(r.shown())));
    }
    s
}

fn group_view(result: Memo<SearchResult>, id: String, title: String) -> impl IntoView {
    let group = Memo::new(move |_| {
        result.with(|r| {
            r.groups
                .iter()
                .find(|g| g.doc_id == id)
                .map(|g| (g.count, g.hits.clone()))
                .unwrap_or_default()
        })
    });
    let count = move || {
        let n = group.with(|g| g.0);
        format!("{} {}", Count(n), plural(n, "match", "matches"))
    };
    let label = format!("Matches in {title}");
    view! {
        <h3 class="hit-doc">{title} " " <span class="hit-count">"(" {count} ")"</span></h3>
        <ul class="hits" aria-label=label>
            <For
                each=move || group.with(|g| g.1.clone())
                key=|h| (h.annotation_id.clone(), h.quote.clone(), h.note.clone(), h.tags.clone(), h.color)
                children=hit_view
            />
        </ul>
    }
}

fn hit_view(h: Hit) -> impl IntoView {
    let nav = use_context::<Nav>();
    let scope = expect_context::<SearchScope>().0;
    let app = expect_context::<AppState>();
    let href = make_fragment(&h.doc_id, Some(&h.annotation_id));
    let quote = first_words(&h.quote, QUOTE_CHARS);
    let note = (!h.note.trim().is_empty()).then(|| first_words(&h.note, QUOTE_CHARS));
    let tags = (!h.tags.is_empty()).then(|| {
        h.tags
            .iter()
            .map(|t| format!("#{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let (doc, id) = (h.doc_id.clone(), h.annotation_id.clone());
    let open = move |ev: web_sys::MouseEvent| {
        let Some(nav) = nav else { return };
        ev.prevent_default();
        // In this document, the card list comes back (the query still shows the card).
        if app.doc.with_value(|d| d.id == doc) {
            scope.set(false);
        }
        nav.go(&doc, Some(&id));
    };
    view! {
        <li>
            <a class=format!("hit c-{}", h.color.name()) href=href on:click=open>
                <span class="hit-quote">{quote}</span>
                {note.map(|n| view! { <span class="hit-note">{n}</span> })}
                {tags.map(|t| view! { <span class="hit-tags">{t}</span> })}
            </a>
        </li>
    }
}
