//! Navigation: which document is shown. The address names it (`#doc=<id>&annotation=<id>`,
//! with back and forward); the library, a file or pasted text opens another; a deep link's
//! annotation is revealed once it is there ([`reveal`]).

pub mod reveal;
pub mod web;

use crate::ui::edge::events::on_window;
use crate::ui::edge::files::read_text;
use crate::ui::edge::focus::focus_new_title;
use crate::ui::edge::split::{on_first_use, run_later};
use crate::ui::services::library::{self, CarryOver};
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::about::DocInfo;
use marginalia_core::article::{Document, BUNDLED_ID};
use marginalia_core::library::{make_fragment, parse_fragment};
use marginalia_core::markdown::{
    open_document, pasted_file_name, pasted_title, DocFormat, OpenError, MAX_DOCUMENT_BYTES,
};

/// Navigation between documents, shared through context.
#[derive(Clone, Copy)]
pub struct Nav {
    pub current: RwSignal<Document>,
    pub offer: RwSignal<Option<CarryOver>>,
    pub error: RwSignal<Option<String>>,
    /// The annotation a deep link asked for, revealed once the document is shown.
    pub target_annotation: RwSignal<Option<String>>,
    /// Bumped when the shown document's title or details change (a rename, an edit).
    pub details: RwSignal<u32>,
}

impl Nav {
    /// Shows document `id` (from a link, the library, or back/forward).
    pub fn show(&self, id: &str, annotation: Option<String>) {
        if self.current.with_untracked(|d| d.id == id) {
            self.target_annotation.set(annotation);
            return;
        }
        match library::load_document(id) {
            Some(doc) => {
                library::record_open(&doc, &library::file_name_of(id));
                focus_new_title();
                self.error.set(None);
                self.target_annotation.set(annotation);
                self.current.set(doc);
            }
            None => self.error.set(Some(format!(
                "The document “{id}” is not in this browser's library. It may have been removed."
            ))),
        }
    }

    /// Document `id` was renamed or its details edited: when it is the one shown, its title and
    /// details are read again (its text and annotations stay as they are).
    pub fn renamed(&self, app: AppState, id: &str) {
        if app.doc.with_value(|d| d.id != id) {
            return;
        }
        let Some(stored) = library::load_document(id) else {
            return;
        };
        app.doc.update_value(|d| {
            d.title = stored.title.clone();
            d.about = stored.about.clone();
        });
        self.current.update_untracked(|d| {
            d.title = stored.title.clone();
            d.about = stored.about.clone();
        });
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            d.set_title(&format!("Marginalia — {}", stored.title));
        }
        self.details.update(|v| *v += 1);
    }

    /// Navigates to a document, adding a history entry (so Back returns here).
    pub fn go(&self, id: &str, annotation: Option<&str>) {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(&make_fragment(id, annotation));
        }
        self.show(id, annotation.map(str::to_string));
    }

    /// Opens a reader's file: stores it, adds it to the library, shows it.
    pub fn open_text(&self, file_name: &str, text: &str) {
        self.open_text_titled(file_name, text, DocInfo::default());
    }

    /// Opens pasted text under `title` (the text's first line, offered to the reader to edit,
    /// [`pasted_title`]): that line is the title and not read again as the first paragraph. An
    /// empty title leaves the text whole, titled by its first words.
    pub fn open_pasted(&self, text: &str, title: &str) {
        let info = DocInfo::from_fields(title, Default::default()).unwrap_or_default();
        let body = if info.title.is_some() {
            pasted_title(text).1
        } else {
            text.to_string()
        };
        self.open_text_titled(&pasted_file_name(&body), &body, info);
    }

    fn open_text_titled(&self, file_name: &str, text: &str, info: DocInfo) {
        let format = DocFormat::from_file_name(file_name);
        let mut doc = match open_document(file_name, format, text) {
            Ok(d) => d,
            Err(e) => {
                self.error
                    .set(Some(format!("Could not open {file_name}: {e}.")));
                return;
            }
        };
        info.apply(&mut doc);
        self.open_stored(doc, file_name, format, text, info);
    }

    /// Stores a document opened now (its `text` in `format`, its `info`), adds it to the library
    /// and shows it.
    pub fn open_stored(
        &self,
        doc: Document,
        file_name: &str,
        format: DocFormat,
        text: &str,
        info: DocInfo,
    ) {
        if let Err(e) = library::store_text(&doc, file_name, format, text, info) {
            self.error.set(Some(format!(
                "{file_name} is open, but it could not be kept in the library: {e}."
            )));
        }
        // The library keeps each document's annotation count ([`library::keep_count`]).
        let offer = library::carry_over_offer(&doc, file_name);
        library::record_open(&doc, file_name);
        let id = doc.id.clone();
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(&make_fragment(&id, None));
        }
        focus_new_title();
        self.error.set(None);
        self.target_annotation.set(None);
        self.current.set(doc);
        self.offer.set(offer);
    }
}

// Reading saved web pages (marginalia-web's extraction) is loaded on first use.
on_first_use!(web; fn open_page_file(nav: Nav, file: web_sys::File) -> () {
    web::open_page_file(nav, file)
});

/// Reads a `.txt` / `.md` file, or a saved web page (`.html`/`.htm`), and opens it.
pub fn open_file(nav: Nav, file: web_sys::File) {
    let name = file.name();
    if web::is_page_file(&name) {
        run_later(open_page_file(nav, file), move |e| {
            nav.error.set(Some(e.to_string()))
        });
        return;
    }
    if file.size() > MAX_DOCUMENT_BYTES as f64 {
        let too_large = OpenError::TooLarge {
            bytes: file.size() as u64,
        };
        nav.error
            .set(Some(format!("Could not open {name}: {too_large}.")));
        return;
    }
    leptos::task::spawn_local(async move {
        match read_text(file).await {
            Some(text) => nav.open_text(&name, &text),
            None => nav
                .error
                .set(Some(format!("The browser could not read {name}."))),
        }
    });
}

/// Does this file name look like an article (rather than annotations to import)?
pub fn is_article_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".md", ".markdown", ".txt"]
        .iter()
        .any(|e| lower.ends_with(e))
        || web::is_page_file(name)
}

/// The document the page's address asks for (or the bundled article), and the annotation.
pub fn initial() -> (Document, Option<String>) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let (doc, annotation) = parse_fragment(&hash);
    let doc = doc
        .and_then(|id| library::load_document(&id))
        .unwrap_or_else(Document::bundled);
    (doc, annotation)
}

/// Follows the address on back/forward and on links within the page.
pub fn follow_hash(nav: Nav) {
    on_window("hashchange", move |_| {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        let (doc, annotation) = parse_fragment(&hash);
        nav.show(doc.as_deref().unwrap_or(BUNDLED_ID), annotation);
    });
}

/// Inside a document's App: the annotation a link asks for is revealed once it is there (the
/// stored annotations are read after the article is shown).
pub fn reveal_linked(app: AppState, nav: Nav) {
    let wanted = StoredValue::new(None::<String>);
    let reveal_wanted = move || {
        let Some(a) = wanted.get_value() else { return };
        if app.set.with_value(|s| s.get(&a).is_some()) {
            wanted.set_value(None);
            request_animation_frame(move || reveal::reveal(app, &a, true));
        }
    };
    Effect::new(move |_| {
        wanted.set_value(nav.target_annotation.get());
        reveal_wanted();
    });
    Effect::new(move |_| {
        app.list.track();
        reveal_wanted();
    });
}
