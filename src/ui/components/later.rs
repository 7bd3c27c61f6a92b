//! The parts of the app loaded on first use (src/ui/edge/split.rs), each a wrapper around its
//! entry point: server sync, import and downloads, the Library, the shortcuts sheet, Review.
//! (Searching every document has its wrapper in `panel`, the details editor in `about`, and
//! saved web pages in `nav`: each beside its caller.) The release
//! build puts each chunk in its own wasm file; a call starts its download the first time.

use crate::ui::components::help::HelpSheet;
use crate::ui::components::library::LibrarySheet;
use crate::ui::components::review::ReviewSheet;
use crate::ui::components::sync_dialog::SyncDialog;
use crate::ui::edge::split::{on_first_use, run_later, NotLoaded};
use crate::ui::services::import::ImportReport;
use crate::ui::services::library::CarryOver;
use crate::ui::services::saving::Saving;
use crate::ui::services::{exports, import, server_sync};
use crate::ui::state::AppState;
use leptos::prelude::*;
use std::future::Future;

thread_local! {
    /// The reader has opened the Sync dialog on this page. (Not owned by a document's app: it
    /// outlives them.)
    static SYNC_WANTED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Runs `f` once, in the caller's owner, as soon as this page wants server sync: at once when
/// this browser is signed in, else when the reader first opens the Sync dialog ([`want_sync`]).
/// Until then sync's code is not loaded.
pub fn when_sync_wanted(f: impl FnOnce() + 'static) {
    let account = server_sync::view().account;
    let wanted = SYNC_WANTED.with(Clone::clone);
    let owner = Owner::current().unwrap_or_default();
    let mut f = Some(f);
    Effect::new(move |_| {
        if account.with(Option::is_some) || wanted.get() {
            if let Some(f) = f.take() {
                owner.with(f);
            }
        }
    });
}

/// The reader opened the Sync dialog: sync's code is loaded and started ([`when_sync_wanted`]).
pub fn want_sync() {
    SYNC_WANTED.with(|w| w.set(true));
}

/// Runs `part` once loaded; if it did not load, the toast says so.
pub fn start(app: AppState, part: impl Future<Output = Result<(), NotLoaded>> + 'static) {
    run_later(part, move |e| app.show_toast(e.to_string(), false));
}

// Server sync, and its dialog.
on_first_use!(sync; pub fn start_sync() -> () { server_sync::start() });
on_first_use!(sync; pub fn attach_sync(app: AppState, saving: Saving) -> () {
    server_sync::attach(app, saving)
});
on_first_use!(sync; pub fn sync_dialog() -> fn(RwSignal<bool>) -> AnyView {
    |open| view! { <SyncDialog open=open /> }.into_any()
});

// Import, carrying annotations over, downloads.
on_first_use!(transfer; pub fn import_file(app: AppState, report: ImportReport, file: web_sys::File) -> () {
    import::import_file(app, report, file)
});
on_first_use!(transfer; pub fn place_waiting(app: AppState, report: ImportReport) -> () {
    import::place_waiting(app, report)
});
on_first_use!(transfer; pub fn carry_over(app: AppState, report: ImportReport, offer: CarryOver) -> () {
    import::carry_over(app, report, offer)
});
on_first_use!(transfer; pub fn download_json(app: AppState) -> () { exports::download_json(app) });
on_first_use!(transfer; pub fn download_markdown(app: AppState) -> () {
    exports::download_markdown(app)
});

// The sheets.
on_first_use!(library; pub fn library_sheet() -> fn(RwSignal<bool>) -> AnyView {
    |open| view! { <LibrarySheet open=open /> }.into_any()
});
on_first_use!(help; pub fn help_sheet() -> fn(RwSignal<bool>) -> AnyView {
    |open| view! { <HelpSheet open=open /> }.into_any()
});
// Review, in one file with searching every document (`panel`): both read every document's
// annotations through the same index (src/ui/services/search.rs).
on_first_use!(everywhere; pub fn review_sheet() -> fn(RwSignal<bool>) -> AnyView {
    |open| view! { <ReviewSheet open=open /> }.into_any()
});
