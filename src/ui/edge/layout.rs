//! Measuring the page: where the top bar ends, which block is in view, the top bar's height as a
//! CSS variable.

use wasm_bindgen::JsCast;
use web_sys::Element;

/// Where the top bar, with any messages under it, ends on the screen (viewport pixels): what is
/// above it is hidden by it.
pub fn top_bar_bottom(doc: &web_sys::Document) -> f64 {
    doc.query_selector(".top")
        .ok()
        .flatten()
        .map_or(0.0, |bar| bar.get_bounding_client_rect().bottom())
}

/// The index of the first child of `root` whose box reaches into the viewport (its bottom
/// below the top edge), found by bisection (the children are stacked in order); the number
/// of children when none does.
pub fn first_child_in_view(root: &Element) -> usize {
    first_child_below(root, 0.0)
}

/// The index of the first child of `root` whose bottom is below `edge` (viewport pixels), by
/// bisection; the number of children when none is.
pub fn first_child_below(root: &Element, edge: f64) -> usize {
    let children = root.children();
    let (mut lo, mut hi) = (0u32, children.length());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let below_top = children
            .item(mid)
            .is_some_and(|el| el.get_bounding_client_rect().bottom() > edge);
        if below_top {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo as usize
}

/// Keeps the CSS custom property `var` on the root element equal to the height, in whole
/// pixels, of the element `selector` finds, through every change of that height (a message
/// shown or dismissed, text wrapping differently after a resize), for as long as the current
/// reactive owner lives. The desktop panel sticks below the top bar and its messages with it.
pub fn publish_height(selector: &str, var: &'static str) {
    use wasm_bindgen::closure::Closure;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let found = doc.query_selector(selector).ok().flatten();
    let Some(el) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) else {
        return;
    };
    let Some(root) = doc
        .document_element()
        .and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let watched = el.clone();
    let write = move || {
        let px = format!("{}px", watched.offset_height());
        let _ = root.style().set_property(var, &px);
    };
    write();
    let closure = Closure::<dyn Fn()>::new(write);
    let Ok(observer) = web_sys::ResizeObserver::new(closure.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(&el);
    let held = send_wrapper::SendWrapper::new((observer, closure));
    leptos::prelude::on_cleanup(move || {
        let (observer, _closure) = held.take();
        observer.disconnect();
    });
}

/// Scrolls the panel that holds `el` (only the panel, never the page) so that `el` is whole in
/// its view below the panel's sticky title bar, its bottom first when it does not fit: a note
/// editor's field and buttons stay in view on a phone's short sheet.
pub fn keep_in_panel_view(el: &Element) {
    let Some(panel) = el.closest(".panel").ok().flatten() else {
        return;
    };
    let (p, r) = (
        panel.get_bounding_client_rect(),
        el.get_bounding_client_rect(),
    );
    let head = panel
        .query_selector(".panel-head")
        .ok()
        .flatten()
        .map_or(p.top(), |h| h.get_bounding_client_rect().bottom());
    let by = if r.bottom() > p.bottom() - 4.0 {
        r.bottom() - p.bottom() + 8.0
    } else if r.top() < head {
        r.top() - head - 8.0
    } else {
        return;
    };
    panel.scroll_by_with_x_and_y(0.0, by);
}

/// Keeps `--vv-bottom` (how much of the layout viewport's bottom the on-screen keyboard covers)
/// and `--vv-height` (the visual viewport's height) on the root element, in pixels, while the
/// current reactive owner lives: the phone's bottom sheet sits above the keyboard.
pub fn publish_visual_viewport() {
    let window = gloo_utils::window();
    let Ok(vv) = js_sys::Reflect::get(&window, &"visualViewport".into()) else {
        return;
    };
    let Some(target) = vv.dyn_ref::<web_sys::EventTarget>().cloned() else {
        return;
    };
    let Some(root) = gloo_utils::document()
        .document_element()
        .and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let number = move |name: &str| {
        js_sys::Reflect::get(&vv, &name.into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    };
    let write = move || {
        let inner = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let (height, top) = (number("height"), number("offsetTop"));
        if height <= 0.0 {
            return;
        }
        let covered = (inner - height - top).max(0.0);
        let style = root.style();
        let _ = style.set_property("--vv-bottom", &format!("{}px", covered.round() as i64));
        let _ = style.set_property("--vv-height", &format!("{}px", height.round() as i64));
    };
    write();
    let write = std::rc::Rc::new(write);
    for event in ["resize", "scroll"] {
        let write = write.clone();
        crate::ui::edge::events::on_target(&target, event, move |_| write());
    }
}
