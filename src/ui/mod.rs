//! The Leptos user interface: the one layer that touches the DOM. It turns reader gestures into
//! domain operations and renders the domain's state; all logic worth testing lives in
//! `marginalia-core`.
//!
//! Floors, each importing only the floors below it:
//!
//! * [`components`]: the views (the top bar, the article, the panel, dialogs, messages);
//! * [`nav`]: which document is shown, and going to an annotation;
//! * [`services`]: saving, loading and tab sync, the library store, imports, exports, the
//!   reading place: they subscribe to the store or are called by the components;
//! * [`state`]: the store (document, annotation set, signals), announcing every change;
//! * [`edge`]: the browser: selections ↔ code points, focus, scrolling, files, timers, storage,
//!   IndexedDB, one job per file;
//! * `marginalia-core`, the domain.
//!
//! [`panic`] (the panic message and its rescue download) depends on nothing but the domain.

pub mod components;
pub mod edge;
pub mod nav;
pub mod panic;
pub mod services;
pub mod state;

pub use components::app::{start, App, Root};

/// The browser edge under the names the browser tests (tests/web.rs) use.
pub mod dom {
    pub use super::edge::clock::{now, random_bytes};
    pub use super::edge::selection::{select_doc_span, selection_in};
}
pub use edge::idb;
