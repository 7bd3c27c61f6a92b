//! Timers (`gloo-timers`): later, after the next paint, after a change is drawn, and long work in
//! steps that let the browser have a turn.

use crate::ui::edge::clock::perf_now;
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use std::time::Duration;

/// Runs `f` after `delay` (whatever happens meanwhile: `f` checks what is still there).
pub fn later(delay: Duration, f: impl FnOnce() + 'static) {
    Timeout::new(delay.as_millis() as u32, f).forget();
}

/// Runs `f` after `delay` unless the returned timer is dropped or cancelled first.
pub fn cancellable(delay: Duration, f: impl FnOnce() + 'static) -> Timeout {
    Timeout::new(delay.as_millis() as u32, f)
}

/// Runs `f` once a change being made now is drawn: in the microtasks after the ones that draw
/// it, before the browser handles anything else.
pub fn after_draw(f: impl FnOnce() + 'static) {
    leptos::task::spawn_local(async move {
        leptos::task::tick().await;
        leptos::task::tick().await;
        f();
    });
}

/// Runs `f` once the next frame has been painted (a timeout queued from the frame's callback).
pub fn after_next_paint(f: impl FnOnce() + 'static) {
    leptos::prelude::request_animation_frame(move || later(Duration::ZERO, f));
}

/// How long one step of long work (an import's checking, a download's writing) may hold the
/// page, in ms, before the browser gets a turn.
const STEP_MS: f64 = 8.0;

/// The clock of long work done in steps: the work asks [`Steps::over`] between small pieces,
/// and when the step has held the page for [`STEP_MS`], lets the browser have a turn with
/// [`Steps::next`].
pub struct Steps {
    started: f64,
}

impl Steps {
    pub fn start() -> Steps {
        Steps {
            started: perf_now(),
        }
    }

    /// Has this step run its length?
    pub fn over(&self) -> bool {
        perf_now() - self.started > STEP_MS
    }

    /// Lets the browser handle input and paint, then starts the next step.
    pub async fn next(&mut self) {
        yield_to_browser().await;
        self.started = perf_now();
    }
}

/// Lets the browser handle input and paint before going on (a zero timeout): long work split
/// with it never holds the page for one long task.
pub async fn yield_to_browser() {
    TimeoutFuture::new(0).await;
}
