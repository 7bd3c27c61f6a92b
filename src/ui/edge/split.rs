//! Code loaded on first use. The release build (`make dist`, scripts/build-dist.mjs) splits the
//! wasm at every [`on_first_use!`] function: a reader can highlight once the main module (the
//! reader's core: render, select, highlight, note, save, undo) is in, and each rarer part (server
//! sync, import and downloads, the Library, the shortcuts sheet) is fetched when first called.
//! Other builds (`trunk serve`, the browser tests) keep one module, where the same functions are
//! ordinary `async` ones.

use leptos::prelude::*;
use std::future::Future;

/// A part of the app that did not load on its first use (the network failed then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotLoaded;

impl std::fmt::Display for NotLoaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("This part of Marginalia did not load: check the connection and try again.")
    }
}

#[cfg(marginalia_split)]
impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// `on_first_use!(chunk; fn name(arg: T, …) -> R { … })` defines `async fn name(arg: T, …) ->
/// Result<R, NotLoaded>`: in the release build its body is in the wasm file of `chunk` (functions
/// naming the same chunk share it), fetched at the first call; a failed fetch is `Err` (and is
/// tried again at the next call). Arguments and result cross as plain Rust values.
macro_rules! on_first_use {
    ($chunk:ident; $(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[cfg(marginalia_split)]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        #[allow(unused_braces)]
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) -> ::std::result::Result<$ret, $crate::ui::edge::split::NotLoaded> {
            ::std::result::Result::Ok($body)
        }

        #[cfg(not(marginalia_split))]
        #[allow(unused_braces)]
        $(#[$m])*
        $vis async fn $name($($arg: $ty),*) -> ::std::result::Result<$ret, $crate::ui::edge::split::NotLoaded> {
            ::std::result::Result::Ok($body)
        }
    };
}
pub(crate) use on_first_use;

/// Runs a part loaded on first use in the reactive owner of the caller (its effects and
/// listeners live as long as the caller's), telling `failed` if it did not load.
pub fn run_later(
    part: impl Future<Output = Result<(), NotLoaded>> + 'static,
    failed: impl FnOnce(NotLoaded) + 'static,
) {
    leptos::task::spawn_local(leptos::reactive::computed::ScopedFuture::new_untracked(
        async move {
            if let Err(e) = part.await {
                failed(e);
            }
        },
    ));
}

/// A view loaded on first use, shown from the first time `open` holds: until then nothing is
/// fetched or rendered. `load` gives the function that builds it (the view is built here, in the
/// caller's owner and context). If it did not load, `open` turns false again and `failed` is
/// told; the next opening tries again.
pub fn view_on_first_open<F, Fut>(
    open: RwSignal<bool>,
    load: F,
    failed: impl Fn(NotLoaded) + Copy + 'static,
) -> impl IntoView
where
    F: Fn() -> Fut + Copy + 'static,
    Fut: Future<Output = Result<fn(RwSignal<bool>) -> AnyView, NotLoaded>> + 'static,
{
    let build = RwSignal::new(None::<fn(RwSignal<bool>) -> AnyView>);
    let asked = StoredValue::new(false);
    Effect::new(move || {
        if open.get() && !asked.get_value() {
            asked.set_value(true);
            leptos::task::spawn_local(async move {
                match load().await {
                    Ok(f) => {
                        build.try_set(Some(f));
                    }
                    Err(e) => {
                        asked.try_set_value(false);
                        open.try_set(false);
                        failed(e);
                    }
                }
            });
        }
    });
    move || build.get().map(|f| f(open))
}
