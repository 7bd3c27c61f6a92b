//! Listening to the page's events (`gloo-events`, one mechanism for every listener the code adds
//! itself), each for as long as the reactive owner that adds it lives.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;

/// Is the page hidden (another tab in front, the window minimised, the page being left)?
pub fn page_hidden() -> bool {
    gloo_utils::document().hidden()
}

/// Listens to `event` on `target` for as long as the current reactive owner lives. Listeners
/// may call `preventDefault` (gloo's default is a passive listener).
pub fn on_target(
    target: &web_sys::EventTarget,
    event: &'static str,
    f: impl Fn(&web_sys::Event) + 'static,
) {
    let listener = EventListener::new_with_options(
        target,
        event,
        EventListenerOptions::enable_prevent_default(),
        f,
    );
    let held = send_wrapper::SendWrapper::new(listener);
    leptos::prelude::on_cleanup(move || drop(held.take()));
}

/// Listens to `event` on the document for as long as the current reactive owner lives.
pub fn on_document(event: &'static str, f: impl Fn(&web_sys::Event) + 'static) {
    on_target(&gloo_utils::document(), event, f);
}

/// Listens to `event` on the window for as long as the current reactive owner lives.
pub fn on_window(event: &'static str, f: impl Fn(&web_sys::Event) + 'static) {
    on_target(&gloo_utils::window(), event, f);
}

/// Listens to `event` on the window, its event as type `E` (a `KeyboardEvent` …).
pub fn on_window_as<E: JsCast>(event: &'static str, f: impl Fn(&E) + 'static) {
    on_window(event, move |ev| f(ev.unchecked_ref::<E>()));
}
