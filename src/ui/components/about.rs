//! The document's header: its title, and under it where it came from (authors, site, date,
//! address), which the reader can correct or fill in (**Edit details**). Citations and downloads
//! use what is shown here.

use crate::ui::edge::split::{on_first_use, view_on_first_open};
use crate::ui::nav::Nav;
use crate::ui::services::{library, server_sync};
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::about::{About, DocInfo};
use marginalia_core::article::BUNDLED_ID;

/// The title and the details line, with their editor.
#[component]
pub fn DocHeader() -> impl IntoView {
    let app = expect_context::<AppState>();
    let nav = use_context::<Nav>();
    let read = move || {
        if let Some(n) = nav {
            n.details.track();
        }
        app.doc.with_value(|d| (d.title.clone(), d.about.clone()))
    };
    let editable = nav.is_some() && app.doc.with_value(|d| d.id != BUNDLED_ID);
    let editing = RwSignal::new(false);
    view! {
        // `tabindex="-1"`: the focus goes to the title when a document opens, or when a message
        // above it goes with its focused button (`focus_id_if_lost`); not a tab stop.
        <h1 id="doc-title" dir="auto" tabindex="-1">{move || read().0}</h1>
        {move || {
            let (_, about) = read();
            (!about.is_empty()).then(|| details_line(&about))
        }}
        {move || (editable && !editing.get()).then(|| view! {
            <button class="edit-details" on:click=move |_| editing.set(true)>"Edit details"</button>
        })}
        {view_on_first_open(editing, details_form, move |e| app.show_toast(e.to_string(), false))}
    }
}

// The editor is loaded the first time the reader chooses Edit details.
on_first_use!(details; fn details_form() -> fn(RwSignal<bool>) -> AnyView {
    |editing| view! {
        <Show when=move || editing.get()>
            <DetailsForm editing=editing />
        </Show>
    }.into_any()
});

/// "By Jane Doe · The Example · 2019-05-01 · example.org/post".
fn details_line(about: &About) -> impl IntoView {
    let mut parts: Vec<AnyView> = Vec::new();
    if let Some(a) = about.authors_line() {
        parts.push(view! { <span class="authors">{format!("By {a}")}</span> }.into_any());
    }
    if let Some(s) = &about.site {
        parts.push(view! { <span class="site">{s.clone()}</span> }.into_any());
    }
    if let Some(d) = about.published_date() {
        let when = about.published.clone().unwrap_or_default();
        parts.push(view! { <time datetime=when>{d}</time> }.into_any());
    }
    if let Some(u) = &about.url {
        let shown = u
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_start_matches("www.")
            .to_string();
        // A link out: the page is the reader's to visit; nothing of it is loaded here.
        parts.push(
            view! { <a class="canonical" href=u.clone() rel="noopener noreferrer" target="_blank">{shown}</a> }
                .into_any(),
        );
    }
    let mut out: Vec<AnyView> = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(view! { " · " }.into_any());
        }
        out.push(p);
    }
    view! { <p class="doc-details" dir="auto">{out}</p> }
}

/// The editor of the title and details.
#[component]
fn DetailsForm(editing: RwSignal<bool>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let nav = expect_context::<Nav>();
    let (id, title, about) = app
        .doc
        .with_value(|d| (d.id.clone(), d.title.clone(), d.about.clone()));
    let error = RwSignal::new(None::<String>);
    let f_title = NodeRef::<leptos::html::Input>::new();
    let f_authors = NodeRef::<leptos::html::Input>::new();
    let f_site = NodeRef::<leptos::html::Input>::new();
    let f_date = NodeRef::<leptos::html::Input>::new();
    let f_url = NodeRef::<leptos::html::Input>::new();
    let value =
        |r: NodeRef<leptos::html::Input>| r.get_untracked().map(|e| e.value()).unwrap_or_default();
    Effect::new(move |_| {
        if let Some(el) = f_title.get() {
            let _ = el.focus();
        }
    });
    let close = move || {
        editing.set(false);
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("doc-title"))
        {
            let _ = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&el).focus();
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let about = About::from_fields(
            &value(f_authors),
            &value(f_site),
            &value(f_date),
            &value(f_url),
        );
        let info = about.and_then(|a| DocInfo::from_fields(&value(f_title), a));
        match info
            .map_err(|e| e.to_string())
            .and_then(|info| library::update_info(&id, info))
        {
            Ok(()) => {
                nav.renamed(app, &id);
                server_sync::document_changed(&id);
                app.show_toast("Saved the details", false);
                close();
            }
            Err(why) => error.set(Some(format!("Could not save: {why}."))),
        }
    };
    view! {
        <form class="details-form" novalidate on:submit=save aria-label="Document details"
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    close();
                }
            }>
            <label>"Title"<input node_ref=f_title dir="auto" value=title /></label>
            <label>"Authors (separated by ;)"<input node_ref=f_authors dir="auto" value=about.authors_field() /></label>
            <label>"Site"<input node_ref=f_site dir="auto" value=about.site.clone().unwrap_or_default() /></label>
            <label>"Published"<input node_ref=f_date value=about.published.clone().unwrap_or_default() placeholder="2024-05-01" /></label>
            <label>"Address"<input node_ref=f_url type="url" value=about.url.clone().unwrap_or_default() placeholder="https://" /></label>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <div class="actions">
                <button type="submit">"Save details"</button>
                <button type="button" on:click=move |_| close()>"Cancel"</button>
            </div>
        </form>
    }
}
