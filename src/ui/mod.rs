//! The Leptos user interface: the one layer that touches the DOM.

pub fn start() {}
