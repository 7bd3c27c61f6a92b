//! The panel's search box and filters (colour, tag), and how many annotations match; where the
//! search looks: this document, or every document in the library
//! ([`super::search_results`]).

use crate::ui::components::panel::{FilterState, SearchScope};
use crate::ui::edge::focus::focus_id_if_lost;
use crate::ui::services::search::Everywhere;
use leptos::prelude::*;
use marginalia_core::annotation::{Color, Filter};
use marginalia_core::listing::Listing;
use marginalia_core::text::Count;

#[component]
pub fn Filters(listing: Memo<Listing>, tags: Memo<Vec<String>>) -> impl IntoView {
    let filter = expect_context::<FilterState>().0;
    let everywhere = expect_context::<SearchScope>().0;
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
            <ScopeChoice />
            <div class="filter-row" hidden=move || everywhere.get()>
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
                        focus_id_if_lost("search");
                        filter.set(Filter::default());
                    }>"Clear filters"</button>
                </Show>
            </div>
            <Show when=move || !everywhere.get()>
                <p class="count" role="status" aria-live="polite">{count_text}</p>
            </Show>
        </div>
    }
}

/// "Search in: This document / Every document" (only where there is a library: the page's app).
#[component]
fn ScopeChoice() -> impl IntoView {
    let scope = expect_context::<SearchScope>().0;
    // Every document's index is read when the hits are first shown (`panel::search_results`).
    use_context::<Everywhere>().map(|_| {
        view! {
            <fieldset class="scope">
                <legend>"Search in"</legend>
                <label>
                    <input
                        type="radio"
                        name="search-scope"
                        prop:checked=move || !scope.get()
                        on:change=move |_| scope.set(false)
                    />
                    "This document"
                </label>
                <label>
                    <input
                        type="radio"
                        name="search-scope"
                        prop:checked=move || scope.get()
                        on:change=move |_| scope.set(true)
                    />
                    "Every document"
                </label>
            </fieldset>
        }
    })
}
