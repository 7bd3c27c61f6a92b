//! The side panel: annotations in text order as cards, the note editor, and the unanchored ones.
//! On a phone it is a bottom sheet.

pub mod card;
pub mod dates;
pub mod filters;
pub mod note_editor;
pub mod past;
pub mod search_results;

use crate::ui::edge::card_focus::card_target;
use crate::ui::edge::focus::focus_in_place;
use crate::ui::edge::layout::publish_visual_viewport;
use crate::ui::edge::perf::UserTiming;
use crate::ui::edge::split::{on_first_use, view_on_first_open};
use crate::ui::edge::timers::after_draw;
use crate::ui::state::AppState;
use card::{Card, PastPosition};
use filters::Filters;
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, Filter};
use marginalia_core::listing::Listing;
use marginalia_core::text::Count;
use search_results::{follow_live, SearchResults};

/// How many cards are rendered before "Show more" (keeps huge sets responsive).
const PAGE: usize = 50;

/// The search box and filters, shared with the keyboard shortcut `/`.
#[derive(Clone, Copy)]
pub struct FilterState(pub RwSignal<Filter>);

/// Whether the search box searches every document (true) or this one.
#[derive(Clone, Copy)]
pub struct SearchScope(pub RwSignal<bool>);

#[component]
pub fn Panel() -> impl IntoView {
    let app = expect_context::<AppState>();
    let filter = expect_context::<FilterState>().0;
    let everywhere = RwSignal::new(false);
    provide_context(SearchScope(everywhere));
    follow_live(app);
    let limit = RwSignal::new(PAGE);
    let listing = Memo::new(move |_| {
        app.list.track();
        let _timing = UserTiming::start("marginalia:listing");
        let limit = limit.get();
        // Searching every document, the cards (hidden) are not filtered at each keystroke.
        if everywhere.get() {
            return app
                .set
                .with_value(|s| Listing::of(s, &Filter::default(), limit));
        }
        filter.with(|f| app.set.with_value(|s| Listing::of(s, f, limit)))
    });
    let tags = Memo::new(move |_| {
        app.list.track();
        app.set.with_value(|s| s.all_tags())
    });
    let past_focus = past::follow_focus(app);
    let beyond = past::beyond(app, listing, past_focus);
    provide_context(PastPosition(past::position(
        app, listing, past_focus, beyond,
    )));
    let unanchored = move || listing.with(|l| l.unanchored.clone());
    // On a phone the sheet stays above the on-screen keyboard (style/main.css).
    publish_visual_viewport();
    view! {
        <aside
            id="panel"
            class="panel"
            class:collapsed=move || !app.sheet_open.get()
            aria-labelledby="panel-title"
        >
            <PanelHead listing=listing />
            <Filters listing=listing tags=tags />
            {view_on_first_open(everywhere, search_results, move |e| app.show_toast(e.to_string(), false))}
            <div hidden=move || everywhere.get()>
                <Show when=move || listing.with(|l| l.total == 0)>
                    <p class="empty">"Select words in the article, then choose Highlight or Note."</p>
                </Show>
                <CardList listing=listing beyond=beyond limit=limit />
                <Show when=move || !unanchored().is_empty()>
                    <h3 id="unanchored-title">"Unanchored"</h3>
                    <p class="empty">"These no longer match the text. Their quotes and notes are kept: select new words and choose Re-attach, or delete them."</p>
                    <ul class="cards" aria-labelledby="unanchored-title">
                        <For each=unanchored key=|a| (a.id.clone(), a.modified, a.tags.clone()) let:a>
                            <Card a=a />
                        </For>
                    </ul>
                </Show>
            </div>
            <datalist id="tag-suggestions">
                {move || tags.get().into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
            </datalist>
        </aside>
    }
}

// Searching every document (the hits, and reading and indexing every document's annotations,
// src/ui/services/search.rs) is loaded the first time the reader picks "Every document"; if it
// does not load, the search stays on this document.
on_first_use!(everywhere; fn search_results() -> fn(RwSignal<bool>) -> AnyView {
    |shown| view! { <SearchResults shown=shown /> }.into_any()
});

/// The panel's title and, on a phone, the button that opens and closes the bottom sheet.
#[component]
fn PanelHead(listing: Memo<Listing>) -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div class="panel-head">
            // `tabindex="-1"`: where the focus goes when the last card is deleted; no tab stop.
            <h2 id="panel-title" tabindex="-1">"Annotations"</h2>
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
    }
}

/// The listed page of anchored cards, then the one the reader is on when it lies past it, and
/// "Show more".
#[component]
fn CardList(
    listing: Memo<Listing>,
    beyond: Memo<Option<Annotation>>,
    limit: RwSignal<usize>,
) -> impl IntoView {
    let anchored = move || {
        let mut cards: Vec<(bool, Annotation)> =
            listing.with(|l| l.anchored.iter().map(|a| (false, a.clone())).collect());
        if let Some(a) = beyond.get() {
            cards.push((true, a));
        }
        cards
    };
    let hidden = move || listing.with(Listing::hidden);
    view! {
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
                after_draw(move || {
                    let card = document()
                        .query_selector(&format!("#card-list > li:nth-child({})", first_new + 1));
                    if let Some(target) = card.ok().flatten().as_ref().and_then(card_target) {
                        focus_in_place(&target);
                    }
                });
            }>
                {move || format!("Show {} more", hidden().min(PAGE))}
            </button>
        </Show>
    }
}
