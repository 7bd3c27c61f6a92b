//! A mutable arena copy of a [`tree::Node`](crate::tree::Node): parent links, detaching, moving
//! and renaming nodes, as the extraction needs them. Every walk here is iterative, so a deeply
//! nested page cannot overflow the stack.

use crate::tree::{Element, Node};

pub(crate) type Id = usize;

#[derive(Clone, Debug)]
pub(crate) struct NodeData {
    /// Lowercase tag name; empty for a text node.
    pub tag: String,
    /// The text of a text node.
    pub text: String,
    pub attrs: Vec<(String, String)>,
    pub parent: Option<Id>,
    pub children: Vec<Id>,
    /// Readability's content score, once the node is a candidate.
    pub score: Option<f64>,
    /// Set on tables that hold data (not layout).
    pub data_table: bool,
    /// Inside an element whose text is never read (script, iframe, form control …): left out
    /// of the document wherever the extraction moves it.
    pub never_read: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Dom {
    pub nodes: Vec<NodeData>,
}

impl Dom {
    /// Copies `root` into a new arena; the root gets id 0.
    pub fn from_tree(root: &Node) -> Dom {
        let mut dom = Dom {
            nodes: Vec::with_capacity(root.count().min(1 << 20)),
        };
        let root_id = dom.push_node(root, None);
        let mut stack: Vec<(Id, &Node)> = vec![(root_id, root)];
        while let Some((id, node)) = stack.pop() {
            if let Node::Element(e) = node {
                let mut ids = Vec::with_capacity(e.children.len());
                for c in &e.children {
                    let cid = dom.push_node(c, Some(id));
                    ids.push(cid);
                    stack.push((cid, c));
                }
                dom.nodes[id].children = ids;
            }
        }
        dom
    }

    fn push_node(&mut self, node: &Node, parent: Option<Id>) -> Id {
        let data = match node {
            Node::Text(t) => NodeData {
                tag: String::new(),
                text: t.clone(),
                attrs: Vec::new(),
                parent,
                children: Vec::new(),
                score: None,
                data_table: false,
                never_read: false,
            },
            Node::Element(Element {
                name, attributes, ..
            }) => NodeData {
                tag: tag_name(name),
                text: String::new(),
                attrs: attributes.clone(),
                parent,
                children: Vec::new(),
                score: None,
                data_table: false,
                never_read: false,
            },
        };
        self.nodes.push(data);
        self.nodes.len() - 1
    }

    pub fn create_element(&mut self, tag: &str) -> Id {
        self.nodes.push(NodeData {
            tag: tag.to_string(),
            text: String::new(),
            attrs: Vec::new(),
            parent: None,
            children: Vec::new(),
            score: None,
            data_table: false,
            never_read: false,
        });
        self.nodes.len() - 1
    }

    pub fn is_element(&self, id: Id) -> bool {
        !self.nodes[id].tag.is_empty()
    }

    pub fn tag(&self, id: Id) -> &str {
        &self.nodes[id].tag
    }

    pub fn set_tag(&mut self, id: Id, tag: &str) {
        self.nodes[id].tag = tag.to_string();
    }

    pub fn parent(&self, id: Id) -> Option<Id> {
        self.nodes[id].parent
    }

    pub fn children(&self, id: Id) -> &[Id] {
        &self.nodes[id].children
    }

    pub fn attr(&self, id: Id, name: &str) -> Option<&str> {
        self.nodes[id]
            .attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has_attr(&self, id: Id, name: &str) -> bool {
        self.attr(id, name).is_some()
    }

    /// `class` and `id` joined by a space, as Readability matches them.
    pub fn match_string(&self, id: Id) -> String {
        format!(
            "{} {}",
            self.attr(id, "class").unwrap_or(""),
            self.attr(id, "id").unwrap_or("")
        )
    }

    pub fn element_children(&self, id: Id) -> Vec<Id> {
        self.nodes[id]
            .children
            .iter()
            .copied()
            .filter(|&c| self.is_element(c))
            .collect()
    }

    pub fn element_child_count(&self, id: Id) -> usize {
        self.nodes[id]
            .children
            .iter()
            .filter(|&&c| self.is_element(c))
            .count()
    }

    pub fn first_element_child(&self, id: Id) -> Option<Id> {
        self.nodes[id]
            .children
            .iter()
            .copied()
            .find(|&c| self.is_element(c))
    }

    fn index_in_parent(&self, id: Id) -> Option<(Id, usize)> {
        let p = self.nodes[id].parent?;
        let i = self.nodes[p].children.iter().position(|&c| c == id)?;
        Some((p, i))
    }

    pub fn next_sibling(&self, id: Id) -> Option<Id> {
        let (p, i) = self.index_in_parent(id)?;
        self.nodes[p].children.get(i + 1).copied()
    }

    pub fn next_element_sibling(&self, id: Id) -> Option<Id> {
        let (p, i) = self.index_in_parent(id)?;
        self.nodes[p].children[i + 1..]
            .iter()
            .copied()
            .find(|&c| self.is_element(c))
    }

    /// Detaches `id` (and its subtree) from its parent.
    pub fn remove(&mut self, id: Id) {
        if let Some((p, i)) = self.index_in_parent(id) {
            self.nodes[p].children.remove(i);
        }
        self.nodes[id].parent = None;
    }

    pub fn append_child(&mut self, parent: Id, child: Id) {
        self.remove(child);
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }

    /// Inserts `child` into `parent` before `before` (at the end when `before` is `None` or not a
    /// child of `parent`).
    pub fn insert_before(&mut self, parent: Id, child: Id, before: Option<Id>) {
        self.remove(child);
        self.nodes[child].parent = Some(parent);
        let at = before
            .and_then(|b| self.nodes[parent].children.iter().position(|&c| c == b))
            .unwrap_or(self.nodes[parent].children.len());
        self.nodes[parent].children.insert(at, child);
    }

    /// Puts `new` where `old` is; `old` is detached.
    pub fn replace(&mut self, old: Id, new: Id) {
        if new == old {
            return;
        }
        self.remove(new);
        if let Some((p, i)) = self.index_in_parent(old) {
            self.nodes[p].children[i] = new;
            self.nodes[new].parent = Some(p);
            self.nodes[old].parent = None;
        }
    }

    /// Whether `id` still hangs from `root`.
    pub fn is_attached(&self, id: Id, root: Id) -> bool {
        let mut n = id;
        loop {
            if n == root {
                return true;
            }
            match self.nodes[n].parent {
                Some(p) => n = p,
                None => return false,
            }
        }
    }

    /// Marks `root` (when its tag is one of `tags`) and every element of `tags` under it, with
    /// their subtrees, as never read.
    pub fn mark_never_read(&mut self, root: Id, tags: &[&str]) {
        let mut stack = vec![(root, false)];
        while let Some((n, inside)) = stack.pop() {
            let never = inside || (self.is_element(n) && tags.contains(&self.tag(n)));
            self.nodes[n].never_read = never;
            for i in (0..self.nodes[n].children.len()).rev() {
                stack.push((self.nodes[n].children[i], never));
            }
        }
    }

    /// Every descendant of `id` (not `id` itself), in document order.
    pub fn descendants(&self, id: Id) -> Vec<Id> {
        let mut out = Vec::new();
        let mut stack: Vec<Id> = self.nodes[id].children.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n].children.iter().rev());
        }
        out
    }

    /// The descendant elements of `id` whose tag is one of `tags`, in document order.
    pub fn by_tags(&self, id: Id, tags: &[&str]) -> Vec<Id> {
        let mut out = Vec::new();
        let mut stack: Vec<Id> = self.nodes[id].children.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n];
            if node.children.is_empty() {
                if !node.tag.is_empty() && tags.contains(&node.tag.as_str()) {
                    out.push(n);
                }
                continue;
            }
            if tags.contains(&node.tag.as_str()) {
                out.push(n);
            }
            stack.extend(node.children.iter().rev());
        }
        out
    }

    /// Every node's link density under `root` at once (the same as [`Dom::link_density`] on each,
    /// in one pass): indexed by id, as long as the arena.
    pub fn link_densities(&self, root: Id) -> Vec<f64> {
        let mut sums = vec![TextSum::default(); self.nodes.len()];
        self.text_sums(root, &mut sums);
        let mut links = vec![0.0f64; self.nodes.len()];
        let mut stack = vec![(root, false)];
        while let Some((n, done)) = stack.pop() {
            let node = &self.nodes[n];
            if node.tag.is_empty() {
                continue;
            }
            if done {
                let mut l: f64 = node.children.iter().map(|&c| links[c]).sum();
                for &c in &node.children {
                    if self.tag(c) == "a" {
                        let coefficient = match self.attr(c, "href") {
                            Some(h) if h.starts_with('#') && h.len() > 1 => 0.3,
                            _ => 1.0,
                        };
                        l += sums[c].len() as f64 * coefficient;
                    }
                }
                links[n] = l;
            } else {
                stack.push((n, true));
                stack.extend(node.children.iter().map(|&c| (c, false)));
            }
        }
        (0..self.nodes.len())
            .map(|n| {
                let total = sums[n].len();
                if total == 0 {
                    0.0
                } else {
                    links[n] / total as f64
                }
            })
            .collect()
    }

    /// The [`TextSum`] of every node of `root`'s subtree, in `sums` (indexed by id; `sums` must
    /// be as long as the arena). One pass, children before parents.
    pub fn text_sums(&self, root: Id, sums: &mut [TextSum]) {
        // (node, children done)
        let mut stack = vec![(root, false)];
        while let Some((n, done)) = stack.pop() {
            let node = &self.nodes[n];
            if node.tag.is_empty() {
                sums[n] = TextSum::of_text(&node.text);
            } else if done {
                let mut sum = TextSum::default();
                for &c in &node.children {
                    sum = sum.then(sums[c]);
                }
                sums[n] = sum;
            } else {
                stack.push((n, true));
                stack.extend(node.children.iter().map(|&c| (c, false)));
            }
        }
    }

    pub fn count_tag(&self, id: Id, tag: &str) -> usize {
        let mut count = 0;
        self.walk(id, |d, n| {
            if d.tag(n) == tag {
                count += 1;
            }
        });
        count
    }

    /// Calls `f` on every descendant of `id` in document order.
    pub fn walk(&self, id: Id, mut f: impl FnMut(&Dom, Id)) {
        let mut stack: Vec<Id> = self.nodes[id].children.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            f(self, n);
            stack.extend(self.nodes[n].children.iter().rev());
        }
    }

    /// Whether any descendant of `id` satisfies `f` (stops at the first).
    pub fn any(&self, id: Id, f: impl Fn(&Dom, Id) -> bool) -> bool {
        let mut stack: Vec<Id> = self.nodes[id].children.clone();
        while let Some(n) = stack.pop() {
            if f(self, n) {
                return true;
            }
            stack.extend(self.nodes[n].children.iter());
        }
        false
    }

    /// The DOM's `textContent`.
    pub fn text_content(&self, id: Id) -> String {
        if !self.is_element(id) {
            return self.nodes[id].text.clone();
        }
        let mut out = String::new();
        self.walk(id, |d, n| {
            if !d.is_element(n) {
                out.push_str(&d.nodes[n].text);
            }
        });
        out
    }

    /// The text content without what is never read (the text of elements of `skipped`),
    /// whitespace collapsed: for titles, bylines and excerpts.
    pub fn readable_text(&self, id: Id, skipped: &[&str]) -> String {
        let mut out = String::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if self.is_element(n) {
                if n != id && skipped.contains(&self.tag(n)) || self.nodes[n].never_read {
                    continue;
                }
                stack.extend(self.nodes[n].children.iter().rev());
            } else if !self.nodes[n].never_read {
                out.push_str(&self.nodes[n].text);
            }
        }
        collapse_whitespace(&out)
    }

    /// Readability's `_getInnerText`: the text content trimmed, whitespace runs read as one space.
    pub fn inner_text(&self, id: Id) -> String {
        collapse_whitespace(&self.text_content(id))
    }

    /// The length in characters of [`Dom::inner_text`], without building it.
    pub fn inner_len(&self, id: Id) -> usize {
        let mut len = 0;
        let mut pending_space = false;
        let mut count = |t: &str| {
            for c in t.chars() {
                if c.is_whitespace() {
                    pending_space = true;
                } else {
                    if pending_space && len > 0 {
                        len += 1;
                    }
                    pending_space = false;
                    len += 1;
                }
            }
        };
        if !self.is_element(id) {
            count(&self.nodes[id].text);
            return len;
        }
        self.walk(id, |d, n| {
            if !d.is_element(n) {
                count(&d.nodes[n].text);
            }
        });
        len
    }

    /// Readability's link density: the share of the text inside links (in-page `#` links count
    /// 0.3).
    pub fn link_density(&self, id: Id) -> f64 {
        let total = self.inner_len(id);
        if total == 0 {
            return 0.0;
        }
        let mut links = 0.0;
        for a in self.by_tags(id, &["a"]) {
            let coefficient = match self.attr(a, "href") {
                Some(h) if h.starts_with('#') && h.len() > 1 => 0.3,
                _ => 1.0,
            };
            links += self.inner_len(a) as f64 * coefficient;
        }
        links / total as f64
    }

    /// Readability's `_getNextNode`: depth-first over elements.
    pub fn next_node(&self, id: Id, ignore_self_and_kids: bool) -> Option<Id> {
        if !ignore_self_and_kids {
            if let Some(c) = self.first_element_child(id) {
                return Some(c);
            }
        }
        if let Some(s) = self.next_element_sibling(id) {
            return Some(s);
        }
        let mut n = id;
        loop {
            n = self.nodes[n].parent?;
            if let Some(s) = self.next_element_sibling(n) {
                return Some(s);
            }
        }
    }

    pub fn remove_and_get_next(&mut self, id: Id) -> Option<Id> {
        let next = self.next_node(id, true);
        self.remove(id);
        next
    }

    /// Ancestors of `id`, nearest first; at most `max_depth` of them when it is not 0.
    pub fn ancestors(&self, id: Id, max_depth: usize) -> Vec<Id> {
        let mut out = Vec::new();
        let mut n = id;
        while let Some(p) = self.nodes[n].parent {
            out.push(p);
            if max_depth > 0 && out.len() == max_depth {
                break;
            }
            n = p;
        }
        out
    }

    /// Readability's `_hasAncestorTag` (a `max_depth` of 0 or less means any depth).
    pub fn has_ancestor_tag(
        &self,
        id: Id,
        tag: &str,
        max_depth: i32,
        filter: impl Fn(&Dom, Id) -> bool,
    ) -> bool {
        let mut depth = 0;
        let mut n = id;
        while let Some(p) = self.nodes[n].parent {
            if max_depth > 0 && depth > max_depth {
                return false;
            }
            if self.tag(p) == tag && filter(self, p) {
                return true;
            }
            n = p;
            depth += 1;
        }
        false
    }

    /// The first element `tag` under `id` (or `id` itself).
    pub fn find_first(&self, id: Id, tag: &str) -> Option<Id> {
        if self.tag(id) == tag {
            return Some(id);
        }
        let mut stack: Vec<Id> = self.nodes[id].children.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            if self.tag(n) == tag {
                return Some(n);
            }
            stack.extend(self.nodes[n].children.iter().rev());
        }
        None
    }
}

/// What the length of a subtree's collapsed text ([`Dom::inner_len`]) is made of, so that it
/// adds up from children to parents: characters, the gaps between words, and whether
/// whitespace opens or closes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TextSum {
    chars: usize,
    gaps: usize,
    lead_ws: bool,
    trail_ws: bool,
    content: bool,
    /// ASCII commas.
    pub commas: usize,
}

impl TextSum {
    pub fn of_text(t: &str) -> TextSum {
        let mut s = TextSum::default();
        let mut ws = false;
        for c in t.chars() {
            if c.is_whitespace() {
                if !s.content {
                    s.lead_ws = true;
                }
                ws = true;
            } else {
                if ws && s.content {
                    s.gaps += 1;
                }
                ws = false;
                s.content = true;
                s.chars += 1;
                if c == ',' {
                    s.commas += 1;
                }
            }
        }
        s.trail_ws = ws && s.content;
        s
    }

    pub fn then(self, b: TextSum) -> TextSum {
        let commas = self.commas + b.commas;
        if !self.content {
            return TextSum {
                lead_ws: self.lead_ws || b.lead_ws,
                commas,
                ..b
            };
        }
        if !b.content {
            return TextSum {
                trail_ws: self.trail_ws || b.lead_ws,
                commas,
                ..self
            };
        }
        TextSum {
            chars: self.chars + b.chars,
            gaps: self.gaps + b.gaps + usize::from(self.trail_ws || b.lead_ws),
            lead_ws: self.lead_ws,
            trail_ws: b.trail_ws,
            content: true,
            commas,
        }
    }

    /// The length of the collapsed, trimmed text.
    pub fn len(&self) -> usize {
        self.chars + self.gaps
    }
}

/// A tag name as the DOM's `localName`: lowercase, never empty for an element.
pub(crate) fn tag_name(name: &str) -> String {
    let t = name.trim().to_ascii_lowercase();
    if t.is_empty() {
        "unknown".to_string()
    } else {
        t
    }
}

/// Trimmed, each whitespace run read as one space.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Readability's `_isProbablyVisible`.
pub(crate) fn is_probably_visible(dom: &Dom, id: Id) -> bool {
    if let Some(style) = dom.attr(id, "style") {
        let s: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return false;
        }
    }
    if dom.has_attr(id, "hidden") {
        return false;
    }
    if dom.attr(id, "aria-hidden") == Some("true") {
        return dom
            .attr(id, "class")
            .is_some_and(|c| c.contains("fallback-image"));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{Element, Node};

    /// The sums add up to what [`Dom::inner_len`] counts, however the text is split.
    #[test]
    fn text_sums_add_up() {
        let texts = [
            "",
            " ",
            "a",
            " a ",
            "a  b",
            " a,b ",
            "\n\t x  y,, z \n",
            "x",
            "  ",
            "yz ",
        ];
        for a in texts {
            for b in texts {
                for c in texts {
                    let page = Node::Element(
                        Element::new("div")
                            .text(a)
                            .child(Element::new("a").attr("href", "#x").text(b))
                            .child(Element::new("span").child(Element::new("a").text(c)))
                            .text(c),
                    );
                    let dom = Dom::from_tree(&page);
                    let mut sums = vec![TextSum::default(); dom.nodes.len()];
                    dom.text_sums(0, &mut sums);
                    assert_eq!(sums[0].len(), dom.inner_len(0), "{a:?} {b:?} {c:?}");
                    assert_eq!(sums[0].len(), dom.inner_text(0).chars().count());
                    assert_eq!(sums[0].commas, dom.inner_text(0).matches(',').count());
                    let densities = dom.link_densities(0);
                    assert_eq!(densities[0], dom.link_density(0));
                }
            }
        }
    }
}
