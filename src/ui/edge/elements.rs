//! Finding and replacing elements.

use wasm_bindgen::JsCast;
use web_sys::Element;

/// The elements of a query's result.
pub fn all(list: Result<web_sys::NodeList, wasm_bindgen::JsValue>) -> Vec<Element> {
    list.map(|l| {
        (0..l.length())
            .filter_map(|i| l.item(i)?.dyn_into().ok())
            .collect()
    })
    .unwrap_or_default()
}

/// Replaces the child nodes `from..to` of `el` with the nodes of `html` (parsed in `el`'s
/// context). False when the browser refused (the caller then renders the whole element).
pub fn replace_nodes(el: &web_sys::Element, from: usize, to: usize, html: &str) -> bool {
    let replace = || -> Result<(), wasm_bindgen::JsValue> {
        let doc = el.owner_document().ok_or(wasm_bindgen::JsValue::NULL)?;
        let range = doc.create_range()?;
        range.set_start(el, from as u32)?;
        range.set_end(el, to as u32)?;
        let nodes = range.create_contextual_fragment(html)?;
        range.delete_contents()?;
        range.insert_node(&nodes)?;
        Ok(())
    };
    replace().is_ok()
}

/// Escapes a value for use inside a double-quoted CSS attribute selector.
pub fn css_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The element with id `id`.
pub fn by_id(id: &str) -> Option<Element> {
    gloo_utils::document().get_element_by_id(id)
}

/// The element of block `idx` inside `root`: its `idx`-th child when `root` holds the blocks
/// (no search), else found by its `data-block`.
pub fn block_element(root: &Element, idx: usize) -> Option<Element> {
    root.children()
        .item(idx as u32)
        .filter(|el| el.get_attribute("data-block") == Some(idx.to_string()))
        .or_else(|| {
            root.query_selector(&format!("[data-block=\"{idx}\"]"))
                .ok()
                .flatten()
        })
}
