//! Marginalia: a reader's annotator that runs entirely in the browser.
//!
//! The domain is its own crate, `marginalia-core` (pure Rust, no web crates, tested natively);
//! `ui` is the Leptos layer that owns every contact with the DOM. Arrows point one way: `ui` → core.
//! The UI is compiled for the browser target only.

#[cfg(target_arch = "wasm32")]
pub mod ui;
