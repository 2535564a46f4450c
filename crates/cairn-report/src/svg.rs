//! A small SVG writer: elements with ordered attributes and escaped text, rendered with
//! two-space indentation, and the one number format every chart uses.

/// An SVG element: a name, attributes in insertion order, and children.
#[derive(Debug, Clone)]
pub(crate) struct El {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    children: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    El(El),
    Text(String),
}

/// Anything that can be an attribute value. Numbers go through [`num`].
pub(crate) trait AttrValue {
    fn into_attr(self) -> String;
}

impl AttrValue for f64 {
    fn into_attr(self) -> String {
        num(self)
    }
}

impl AttrValue for i32 {
    fn into_attr(self) -> String {
        self.to_string()
    }
}

impl AttrValue for u32 {
    fn into_attr(self) -> String {
        self.to_string()
    }
}

impl AttrValue for &str {
    fn into_attr(self) -> String {
        self.to_owned()
    }
}

impl AttrValue for String {
    fn into_attr(self) -> String {
        self
    }
}

impl El {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Sets an attribute; setting the same name again replaces the value in place.
    pub(crate) fn attr(mut self, name: &'static str, value: impl AttrValue) -> Self {
        let value = value.into_attr();
        match self.attrs.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name, value)),
        }
        self
    }

    /// Appends text content (escaped on output). Empty text adds nothing.
    pub(crate) fn text(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        if !text.is_empty() {
            self.children.push(Node::Text(text));
        }
        self
    }

    pub(crate) fn child(mut self, child: El) -> Self {
        self.push(child);
        self
    }

    pub(crate) fn push(&mut self, child: El) {
        self.children.push(Node::El(child));
    }

    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        indent(out, depth);
        out.push('<');
        out.push_str(self.name);
        for (name, value) in &self.attrs {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(&escape(value));
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>\n");
            return;
        }
        out.push('>');
        if self.children.iter().all(|c| matches!(c, Node::Text(_))) {
            for child in &self.children {
                if let Node::Text(text) = child {
                    out.push_str(&escape(text));
                }
            }
        } else {
            out.push('\n');
            for child in &self.children {
                match child {
                    Node::El(el) => el.write(out, depth + 1),
                    Node::Text(text) => {
                        indent(out, depth + 1);
                        out.push_str(&escape(text));
                        out.push('\n');
                    }
                }
            }
            indent(out, depth);
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push_str(">\n");
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Escapes text for XML content and attribute values, and drops characters XML 1.0 forbids
/// (control characters other than tab, newline and carriage return, U+FFFE and U+FFFF).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Formats a coordinate or value: at most two decimals, no trailing zeros, never `-0`,
/// and `0` for NaN or infinity so no output ever carries them.
pub(crate) fn num(v: f64) -> String {
    decimals(v, 2)
}

/// Formats a number for people to read: at most one decimal ("9", "2.5").
pub(crate) fn label_num(v: f64) -> String {
    decimals(v, 1)
}

fn decimals(v: f64, places: usize) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let mut s = if v.abs() >= 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.places$}")
    };
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    s
}

/// Path data through the given points: `M x y L x y ...`, closed with `Z` when asked.
pub(crate) fn path_data(points: &[(f64, f64)], close: bool) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push(if i == 0 { 'M' } else { 'L' });
        d.push_str(&num(*x));
        d.push(' ');
        d.push_str(&num(*y));
    }
    if close && !points.is_empty() {
        d.push('Z');
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_fixed_decimals_and_no_negative_zero() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(1.234_567), "1.23");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(-2.5), "-2.5");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
        assert_eq!(num(1e20), "100000000000000000000");
        assert_eq!(label_num(8.96), "9");
        assert_eq!(label_num(2.25), "2.2");
    }

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a&b<c>d\"e'f\u{1}g"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;fg"
        );
    }

    #[test]
    fn renders_nested_elements_with_indentation() {
        let el = El::new("g")
            .attr("fill", "red")
            .child(El::new("rect").attr("x", 1.5).attr("x", 2.0))
            .child(El::new("text").text("a < b"));
        assert_eq!(
            el.render(),
            "<g fill=\"red\">\n  <rect x=\"2\"/>\n  <text>a &lt; b</text>\n</g>\n"
        );
    }

    #[test]
    fn path_data_joins_points() {
        assert_eq!(path_data(&[(0.0, 1.0), (2.5, 3.0)], true), "M0 1L2.5 3Z");
        assert_eq!(path_data(&[], true), "");
    }
}
