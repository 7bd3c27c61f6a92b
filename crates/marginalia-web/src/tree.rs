//! The owned HTML tree this crate reads. The browser edge builds it by walking a `DOMParser`
//! document (elements and text nodes; comments, processing instructions and doctypes are left
//! out); the native tests build it with an HTML parser. Nothing in it is ever rendered: the crate
//! turns it into text and styles.

/// A node of an HTML tree: an element or a run of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    /// Text as the DOM has it (entities already decoded, whitespace as written).
    Text(String),
}

/// An element: its tag name, its attributes in document order, its children.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Element {
    /// The tag name; any case is accepted (the DOM's `localName` is lowercase already).
    pub name: String,
    /// `(name, value)` pairs, as `Element.attributes` lists them.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    /// An element with no attributes and no children.
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds an attribute (builder style).
    pub fn attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// Adds a child (builder style).
    pub fn child(mut self, node: impl Into<Node>) -> Self {
        self.children.push(node.into());
        self
    }

    /// Adds a text child (builder style).
    pub fn text(self, text: impl Into<String>) -> Self {
        self.child(Node::Text(text.into()))
    }

    /// The value of attribute `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl From<Element> for Node {
    fn from(e: Element) -> Self {
        Node::Element(e)
    }
}

impl From<&str> for Node {
    fn from(t: &str) -> Self {
        Node::Text(t.to_string())
    }
}

impl From<String> for Node {
    fn from(t: String) -> Self {
        Node::Text(t)
    }
}

impl Node {
    /// The number of nodes in this subtree (this one included).
    pub fn count(&self) -> usize {
        let mut count = 0;
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            count += 1;
            if let Node::Element(e) = n {
                stack.extend(e.children.iter());
            }
        }
        count
    }
}
