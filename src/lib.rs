//! Marginalia: a reader's annotator that runs entirely in the browser.
//!
//! `domain` is pure Rust (no web crates) and is tested natively; `ui` is the thin Leptos layer
//! that owns every contact with the DOM. Arrows point one way: `ui` → `domain`.
//! The UI is compiled for the browser target only, so a native `cargo test` builds just the domain.

pub mod domain;
#[cfg(target_arch = "wasm32")]
pub mod ui;
