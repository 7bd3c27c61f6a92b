//! A sheet: a native modal `<dialog>` (`edge/dialog.rs`) shown while `open` holds, closed by
//! Escape, a click on its backdrop or its own buttons; its contents exist only while it is open.

use crate::ui::edge::dialog;
use leptos::html::Dialog;
use leptos::prelude::*;

#[component]
pub fn Sheet(
    open: RwSignal<bool>,
    /// Classes beside `sheet`.
    #[prop(optional)]
    class: &'static str,
    /// The id of the sheet's heading, its accessible name.
    labelledby: &'static str,
    /// Where the focus goes when it opens (`None`: the sheet itself).
    first: impl Fn() -> Option<web_sys::HtmlElement> + Copy + 'static,
    /// The caller's reference to the `<dialog>`, when it needs one.
    #[prop(optional)]
    node_ref: Option<NodeRef<Dialog>>,
    children: ChildrenFn,
) -> impl IntoView {
    let sheet = node_ref.unwrap_or_default();
    dialog::modal(open, sheet, first);
    view! {
        <dialog
            class=format!("sheet {class}")
            aria-labelledby=labelledby
            tabindex="-1"
            node_ref=sheet
            on:close=dialog::closed(open)
            on:click=move |ev| dialog::backdrop_click(&ev, || open.set(false))
            on:keydown=move |ev| dialog::keydown(&ev)
        >
            <Show when=move || open.get()>{children()}</Show>
        </dialog>
    }
}
