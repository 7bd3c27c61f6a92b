//! The `?` sheet: every keyboard shortcut.

use crate::ui::components::article::READING_MODE_HELP;
use crate::ui::components::keys::SHORTCUTS;
use crate::ui::components::sheet::Sheet;
use leptos::prelude::*;

#[component]
pub fn HelpSheet(open: RwSignal<bool>) -> impl IntoView {
    let close = NodeRef::<leptos::html::Button>::new();
    view! {
        <Sheet open=open labelledby="help-title" first=move || close.get_untracked().map(Into::into)>
            <h2 id="help-title">"Keyboard shortcuts"</h2>
            <p>{READING_MODE_HELP}</p>
            <dl>
                {SHORTCUTS
                    .iter()
                    .map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> })
                    .collect_view()}
            </dl>
            <button node_ref=close on:click=move |_| open.set(false)>"Close"</button>
        </Sheet>
    }
}
