//! Two tabs: every tab says on a `BroadcastChannel` which document it just wrote; the others read
//! that document's records again ([`crate::ui::services::loading`]).

use crate::ui::edge::events::on_target;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// The channel every tab of the app shares; a message is the id of a document just written.
const CHANNEL: &str = "marginalia/v1/saved";

thread_local! {
    /// This tab's one channel object: it both listens and announces, so a tab never hears its
    /// own writes (a channel object does not receive what it posts).
    static CHANNEL_OBJECT: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

fn channel() -> Option<web_sys::BroadcastChannel> {
    CHANNEL_OBJECT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = web_sys::BroadcastChannel::new(CHANNEL).ok();
        }
        c.clone()
    })
}

/// Calls `f` whenever another tab says it wrote document `doc`, for as long as the current
/// reactive owner lives.
pub fn on_written(doc: String, f: impl Fn() + 'static) {
    on_any_written(move |written| {
        if written == doc {
            f();
        }
    });
}

/// Calls `f` with the document's id whenever another tab says it wrote one, for as long as the
/// current reactive owner lives.
pub fn on_any_written(f: impl Fn(String) + 'static) {
    let Some(channel) = channel() else {
        return;
    };
    on_target(&channel, "message", move |ev| {
        if let Some(doc) = wasm_bindgen::JsCast::unchecked_ref::<web_sys::MessageEvent>(ev)
            .data()
            .as_string()
        {
            f(doc);
        }
    });
}

/// Tells the other tabs that `doc`'s records were written.
pub fn announce(doc: &str) {
    if let Some(c) = channel() {
        let _ = c.post_message(&JsValue::from_str(doc));
    }
}
