//! Where the reader was: saved as they read (a moment after the page stops scrolling, and when
//! it is left), and gone back to when the document is opened again — after a reload, in a new
//! tab, or from the library. A link to an annotation goes to the annotation instead.

use crate::ui::edge::events::on_window;
use crate::ui::edge::layout::{first_child_below, top_bar_bottom};
use crate::ui::edge::storage;
use crate::ui::edge::timers::cancellable;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use marginalia_core::library::{place_key, ReadingPlace};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long the page must stay still before its place is written.
const SETTLE: Duration = Duration::from_millis(300);

/// Whether a document was shown earlier in this page's life. The first one may have had its
/// scroll position put back by the browser itself (a reload of the prerendered article).
static SHOWN_BEFORE: AtomicBool = AtomicBool::new(false);

/// The article's blocks, the top of the reading area (below the top bar and its messages) and
/// the page's scroll offset.
fn reading_area() -> Option<(web_sys::Element, f64, f64)> {
    let window = web_sys::window()?;
    let doc = window.document()?;
    let blocks = doc.query_selector("#article .blocks").ok()??;
    Some((blocks, top_bar_bottom(&doc), window.scroll_y().ok()?))
}

/// The place at the top of the reading area; `None` at the top of the page (nothing to keep).
fn current() -> Option<ReadingPlace> {
    let (blocks, edge, scroll_y) = reading_area()?;
    if scroll_y < 1.0 {
        return None;
    }
    let block_idx = first_child_below(&blocks, edge);
    // Below the last block (the source line, the page's end): the last block's bottom.
    let (block_idx, el) = match blocks.children().item(block_idx as u32) {
        Some(el) => (block_idx, el),
        None => {
            let last = blocks.children().length().checked_sub(1)?;
            (last as usize, blocks.children().item(last)?)
        }
    };
    let r = el.get_bounding_client_rect();
    let into = (edge - r.top()).max(0.0) / r.height().max(1.0);
    Some(ReadingPlace {
        block_idx,
        permille: (into * 1000.0).min(1000.0) as u16,
    })
}

/// Scrolls so that `place` is at the top of the reading area (at once: no animation), then
/// again on the next frames while it is not: in a long document the blocks out of sight have
/// an estimated height (`content-visibility: auto`) until they are first drawn, so the first
/// jump lands near the place, and the blocks drawn around it a frame or two later show where
/// it really is. Stops after `STILL_FRAMES` frames without a correction, after `frames_left`
/// frames, or as soon as the page was scrolled by someone else (the reader).
fn go_to(place: ReadingPlace, frames_left: u32, still: u32, was_at: Option<f64>) {
    const STILL_FRAMES: u32 = 3;
    let now_at = web_sys::window().and_then(|w| w.scroll_y().ok());
    if was_at.zip(now_at).is_some_and(|(a, b)| (a - b).abs() > 1.0) {
        return;
    }
    let Some(at) = scroll_to_place(place) else {
        return;
    };
    let moved = now_at.is_none_or(|b| (at - b).abs() > 1.0);
    let still = if moved { 0 } else { still + 1 };
    if still < STILL_FRAMES && frames_left > 0 {
        request_animation_frame(move || go_to(place, frames_left - 1, still, Some(at)));
    }
}

/// One jump to `place`; the scroll offset it set.
fn scroll_to_place(place: ReadingPlace) -> Option<f64> {
    let (blocks, edge, scroll_y) = reading_area()?;
    let last = blocks.children().length().checked_sub(1)?;
    let el = blocks.children().item((place.block_idx as u32).min(last))?;
    let r = el.get_bounding_client_rect();
    let y = (scroll_y + r.top() + r.height() * f64::from(place.permille) / 1000.0 - edge)
        .max(0.0)
        .round();
    web_sys::window()?.scroll_to_with_x_and_y(0.0, y);
    // The offset the page really has (it cannot scroll past its end).
    web_sys::window()?.scroll_y().ok()
}

fn save(key: &str) {
    match current() {
        Some(place) => {
            let _ = storage::set(key, &place.encode());
        }
        None => storage::remove(key),
    }
}

/// Keeps the reading place of document `doc_id` for as long as it is shown; with `go_back`, goes
/// back to it now (the app passes false when the address asks for an annotation, which is
/// where the reader is taken instead).
pub fn keep(doc_id: &str, go_back: bool) {
    let key = place_key(doc_id);
    let first = !SHOWN_BEFORE.swap(true, Ordering::Relaxed);
    let saved = storage::get(&key).and_then(|raw| ReadingPlace::decode(&raw));
    // Once the article is in the page (effects run after the component is mounted).
    Effect::new(move |_| {
        if !go_back {
            return;
        }
        let browser_restored = first
            && web_sys::window()
                .and_then(|w| w.scroll_y().ok())
                .unwrap_or(0.0)
                >= 1.0;
        match saved {
            Some(place) if !browser_restored => go_to(place, 30, 0, None),
            // Another document was being read: this one starts at its top.
            None if !first => {
                if let Some(w) = web_sys::window() {
                    w.scroll_to_with_x_and_y(0.0, 0.0);
                }
            }
            _ => {}
        }
    });
    // The timer is dropped (cancelled) with the document, or by the next scroll.
    let timer = StoredValue::new_local(None::<Timeout>);
    let key_later = key.clone();
    on_window("scroll", move |_| {
        let key = key_later.clone();
        let handle = cancellable(SETTLE, move || {
            // Not once this document is gone (its owner, and `timer`, disposed).
            if timer.try_with_value(|_| ()).is_some() {
                save(&key);
            }
        });
        // Replacing the timer cancels the one before.
        timer.set_value(Some(handle));
    });
    on_window("pagehide", move |_| save(&key));
}
