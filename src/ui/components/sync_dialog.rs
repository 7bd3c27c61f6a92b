//! The Sync dialog (issue 31): the server, the reader's name and password → **Sign in**; once
//! signed in, who and where, the status, and **Sign out** (local data stays). And the top bar's
//! status: the truth in words.

use crate::ui::components::sheet::Sheet;
use crate::ui::services::server_sync::{self, view as sync_view};
use leptos::html::Input;
use leptos::prelude::*;

/// The top bar's sync status: a button that opens the dialog, named by the status line itself
/// ("Sync" when signed out).
#[component]
pub fn SyncStatus(open: RwSignal<bool>) -> impl IntoView {
    let v = sync_view();
    let (account, line, problem) = (v.account, v.line, v.problem);
    let text = move || match (account.get(), line.get()) {
        (None, _) => "Sync".to_string(),
        (Some(_), l) if l.is_empty() => "Sync".to_string(),
        (Some(_), l) => l,
    };
    view! {
        <button
            class="sync-status"
            class:problem=move || problem.get()
            aria-haspopup="dialog"
            // Its text is its name and is announced as it changes (a `status` inside a button
            // would leave the button nameless).
            aria-live="polite"
            on:click=move |_| open.set(true)
        >
            {text}
        </button>
    }
}

/// The brand's tagline: where the highlights live (this device, or every signed-in one).
#[component]
pub fn SyncTagline() -> impl IntoView {
    let account = sync_view().account;
    move || {
        if account.get().is_some() {
            "highlights synced across your devices"
        } else {
            "highlights stay on this device"
        }
    }
}

/// The Sync dialog, a modal while `open` holds.
#[component]
pub fn SyncDialog(open: RwSignal<bool>) -> impl IntoView {
    let v = sync_view();
    let (account, expired) = (v.account, v.expired);
    // Signing in again: the password is what is missing.
    let password = NodeRef::<Input>::new();
    let again = RwSignal::from(expired.clone());
    let first = move || {
        again
            .get_untracked()
            .then(|| password.get_untracked())
            .flatten()
            .map(Into::into)
    };
    view! {
        <Sheet open=open labelledby="sync-title" class="sync" first=first>
            <h2 id="sync-title">"Sync"</h2>
            {
                let account = account.clone();
                let expired = expired.clone();
                move || match (account.get(), expired.get()) {
                    (Some(acc), true) => view! {
                        <p role="alert">
                            "Your sign-in to " <code>{acc.server.clone()}</code>
                            " has expired. Sign in again to go on syncing; nothing here was lost."
                        </p>
                        <SignInForm server=acc.server name=acc.name password_field=password />
                        <div class="actions">
                            <button on:click=move |_| server_sync::sign_out()>"Sign out"</button>
                        </div>
                    }.into_any(),
                    (Some(acc), false) => view! { <SignedIn server=acc.server name=acc.name /> }.into_any(),
                    (None, _) => view! {
                        <SignInForm server=String::from("https://") name=String::new() password_field=password />
                    }.into_any(),
                }
            }
            <div class="actions">
                <button on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </Sheet>
    }
}

#[component]
fn SignedIn(server: String, name: String) -> impl IntoView {
    let view_of = sync_view();
    let line = view_of.line;
    let problem = view_of.problem;
    view! {
        <p>"Signed in as " <strong>{name}</strong> " at " <code>{server}</code></p>
        <p class="hint">{move || line.get()}</p>
        <div class="actions">
            {move || problem.get().then(|| view! {
                <button on:click=move |_| server_sync::try_again()>"Try again now"</button>
            })}
            <button on:click=move |_| server_sync::sign_out()>"Sign out"</button>
        </div>
        <p class="hint">"Signing out keeps your annotations on this device."</p>
    }
}

/// Server, name, password → Sign in (filled with the account when signing in again).
#[component]
fn SignInForm(server: String, name: String, password_field: NodeRef<Input>) -> impl IntoView {
    let again = !name.is_empty();
    let server = RwSignal::new(server);
    let name = RwSignal::new(name);
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // For a reader who does not sync: may the browser clear their annotations?
    let kept = RwSignal::new(None::<bool>);
    leptos::task::spawn_local(async move {
        let k = server_sync::storage_is_kept().await;
        let _ = kept.try_set(Some(k));
    });
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (s, n, p) = (
            server.get_untracked(),
            name.get_untracked(),
            password.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            let result = server_sync::sign_in(&s, &n, &p).await;
            // The form is gone once signed in.
            let _ = busy.try_set(false);
            let _ = password.try_set(String::new());
            if let Err(e) = result {
                let _ = error.try_set(Some(e));
            }
        });
    };
    view! {
        <Show when=move || !again>
            <p class="hint">
                "Keep your annotations, the documents you opened and your library in step across "
                "devices through a CouchDB server. The password is sent once, to sign in, and not kept."
            </p>
        </Show>
        <form class="sync-form" on:submit=submit>
            <label>"Server address" <input type="url" required bind:value=server /></label>
            <label>"User name" <input type="text" autocomplete="username" required bind:value=name /></label>
            <label>"Password" <input type="password" autocomplete="current-password" required bind:value=password node_ref=password_field /></label>
            <div class="actions">
                <button type="submit" aria-disabled=move || busy.get().to_string()>"Sign in"</button>
            </div>
        </form>
        {move || error.get().map(|e| view! { <p role="alert" class="sync-error">{e}</p> })}
        {move || kept.get().filter(|_| !again).map(|k| view! {
            <p class="hint">{if k {
                "Your browser keeps this site's storage: your annotations stay until you remove them."
            } else {
                "Without sync, your annotations live only in this browser, which may clear them when the device runs short of space or the site is not visited for a while."
            }}</p>
        })}
    }
}
