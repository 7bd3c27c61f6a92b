//! The page: mounting, the document the address names, and one document's app — its store, its
//! services and its views.

use crate::ui::components::article::ArticleView;
use crate::ui::components::import::{listen_for_drops, ImportReportView};
use crate::ui::components::keys::on_key;
use crate::ui::components::later::{self, help_sheet, library_sheet, review_sheet, sync_dialog};
use crate::ui::components::messages::{Banner, CarryOverOffer, NavError, ToastView};
use crate::ui::components::panel::note_editor::guard_note_length;
use crate::ui::components::panel::{dates, FilterState, Panel};
use crate::ui::components::review::{self, ReviewOpen};
use crate::ui::components::toolbar::{Pending, PendingSel, SelectionToolbar};
use crate::ui::components::topbar::TopBar;
use crate::ui::edge::events::on_window_as;
use crate::ui::edge::layout::publish_height;
use crate::ui::edge::split::{run_later, view_on_first_open, NotLoaded};
use crate::ui::edge::timers::after_next_paint;
use crate::ui::nav::{self, Nav};
use crate::ui::panic;
use crate::ui::services::import::{has_waiting, ImportReport};
use crate::ui::services::persist::Persist;
use crate::ui::services::saving::Saving;
use crate::ui::services::search::Everywhere;
use crate::ui::services::{library, loading, place};
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::Filter;
use marginalia_core::article::Document;

/// Mounts the app on `<body>`.
pub fn start() {
    panic::install();
    // The release build's static copy of the bundled article (examples/prerender.rs) gives way
    // to the app in the same task: nothing is painted in between.
    if let Some(pre) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("prerender"))
    {
        pre.remove();
    }
    leptos::mount::mount_to_body(Root);
}

/// The page: shows the document the address names (`#doc=<id>`), the bundled article by default.
#[component]
pub fn Root() -> impl IntoView {
    let (doc, annotation) = nav::initial();
    library::record_open(&doc, "");
    let nav = Nav {
        current: RwSignal::new(doc),
        offer: RwSignal::new(None),
        error: RwSignal::new(None),
        target_annotation: RwSignal::new(annotation),
        details: RwSignal::new(0),
    };
    provide_context(nav);
    // Every document's annotations, for searching everywhere and Review: read when first wanted.
    provide_context(Everywhere::install());
    nav::follow_hash(nav);
    // A failed load: `attach_sync` tells the reader.
    later::when_sync_wanted(|| run_later(later::start_sync(), |_| ()));
    move || {
        let doc = nav.current.get();
        view! { <App doc=doc /> }
    }
}

/// One document's app: the store, its services, and the views.
#[component]
pub fn App(doc: Document) -> impl IntoView {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(&format!("Marginalia — {}", doc.title));
    }
    let (persist, loaded, banner) = Persist::open(&doc.id);
    let app = AppState::new(doc, loaded, banner);
    provide_context(app);
    let nav = use_context::<Nav>();
    let pending = RwSignal::new(None::<Pending>);
    provide_context(PendingSel(pending));
    provide_context(FilterState(RwSignal::new(Filter::default())));
    let report = ImportReport(RwSignal::new(None));
    provide_context(report);
    listen_for_drops(app, report, nav);
    let saving = Saving::install(app, persist);
    provide_context(saving);
    let library_open = RwSignal::new(false);
    let sync_open = RwSignal::new(false);
    if let Some(nav) = nav {
        library::keep_count(app, saving);
        nav::reveal_linked(app, nav);
        // Renamed on another device: the title and details shown follow.
        let arrived = library::arrived_details();
        Effect::new(move |_| {
            if let Some(id) = arrived.get() {
                nav.renamed(app, &id);
            }
        });
        later::when_sync_wanted(move || later::start(app, later::attach_sync(app, saving)));
        Effect::new(move |_| {
            if sync_open.get() {
                later::want_sync();
            }
        });
    }
    // Going back to the reading place belongs to the app that navigates between documents (an
    // `App` mounted on its own, as in the browser tests, only keeps it).
    let go_back = nav.is_some_and(|n| n.target_annotation.get_untracked().is_none());
    place::keep(&app.doc.with_value(|d| d.id.clone()), go_back);
    let review_open = RwSignal::new(false);
    if nav.is_some() {
        provide_context(ReviewOpen(review_open));
        review::listen_for_key(review_open);
    }
    loading::install(saving);
    if has_waiting(app) {
        later::start(app, later::place_waiting(app, report));
    }
    after_next_paint(dates::warm_date_format);
    guard_note_length(app);
    let help = RwSignal::new(false);
    let failed = move |e: NotLoaded| app.show_toast(e.to_string(), false);
    on_window_as("keydown", move |ev: &web_sys::KeyboardEvent| {
        on_key(app, pending, help, ev)
    });
    // The top bar and the messages under it stay at the top of the screen together: a report or
    // a warning that arrives while the reader is down the page is seen where they are. Their
    // height is `--top-h`, below which the desktop panel sticks.
    Effect::new(move || publish_height(".top", "--top-h"));
    view! {
        <div class="top">
            <TopBar library_open=library_open help=help sync_open=sync_open />
            <section class="messages" aria-label="Messages">
                <Banner />
                <ImportReportView />
                <Show when=move || nav.is_some()>
                    <NavError />
                    <CarryOverOffer />
                </Show>
                <ToastView />
            </section>
        </div>
        <div class="layout">
            <main class="reading">
                <ArticleView />
                <SelectionToolbar pending=pending />
            </main>
            <Panel />
        </div>
        {view_on_first_open(help, help_sheet, failed)}
        <Show when=move || nav.is_some()>
            {view_on_first_open(library_open, library_sheet, failed)}
            {view_on_first_open(sync_open, sync_dialog, failed)}
            {view_on_first_open(review_open, review_sheet, failed)}
        </Show>
    }
}
