//! The `?` sheet: every keyboard shortcut.

use crate::ui::components::article::READING_MODE_HELP;
use crate::ui::components::keys::SHORTCUTS;
use crate::ui::edge::dialog;
use leptos::prelude::*;

#[component]
pub fn HelpSheet(open: RwSignal<bool>) -> impl IntoView {
    let sheet = NodeRef::<leptos::html::Dialog>::new();
    let close = NodeRef::<leptos::html::Button>::new();
    dialog::modal(open, sheet, move || close.get_untracked().map(Into::into));
    view! {
        <dialog
            class="sheet"
            aria-labelledby="help-title"
            tabindex="-1"
            node_ref=sheet
            on:close=dialog::closed(open)
            on:click=move |ev| dialog::backdrop_click(&ev, || open.set(false))
            on:keydown=move |ev| dialog::keydown(&ev)
        >
            <Show when=move || open.get()>
                <h2 id="help-title">"Keyboard shortcuts"</h2>
                <p>{READING_MODE_HELP}</p>
                <dl>
                    {SHORTCUTS
                        .iter()
                        .map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> })
                        .collect_view()}
                </dl>
                <button node_ref=close on:click=move |_| open.set(false)>"Close"</button>
            </Show>
        </dialog>
    }
}
