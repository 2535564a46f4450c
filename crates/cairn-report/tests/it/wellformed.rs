//! A tiny well-formedness checker for the SVG we write: balanced tags, one `<svg>` root,
//! quoted attributes without duplicates, only the five XML entities, and every number in a
//! geometry attribute finite and never `-0`.

/// Attributes whose values are numbers (possibly several, as in `d` or `viewBox`).
const NUMERIC: [&str; 17] = [
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "width",
    "height",
    "d",
    "viewBox",
    "transform",
    "stroke-width",
    "fill-opacity",
    "font-size",
];

pub fn check(svg: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open])?;
        let close = rest[open..]
            .find('>')
            .ok_or_else(|| "unterminated tag".to_owned())?
            + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(top) if top == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let (tag, self_closing) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("bad element name {name:?}"));
        }
        if stack.is_empty() {
            roots += 1;
            if name != "svg" || roots > 1 {
                return Err(format!("root element {name:?} (root number {roots})"));
            }
        }
        check_attributes(&tag[name_end..])?;
        if !self_closing {
            stack.push(name);
        }
    }
    check_text(rest)?;
    if !rest.trim().is_empty() {
        return Err("text after the root element".to_owned());
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if roots != 1 {
        return Err("no root element".to_owned());
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), String> {
    if text.contains('>') {
        return Err(format!("unescaped > in {text:?}"));
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        rest = &rest[amp..];
        if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .any(|e| rest.starts_with(e))
        {
            return Err(format!("bad entity at {:?}", &rest[..rest.len().min(10)]));
        }
        rest = &rest[1..];
    }
    if text
        .chars()
        .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err("control character".to_owned());
    }
    Ok(())
}

fn check_attributes(mut attrs: &str) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    loop {
        attrs = attrs.trim_start();
        if attrs.is_empty() {
            return Ok(());
        }
        let eq = attrs
            .find("=\"")
            .ok_or_else(|| format!("bad attribute at {attrs:?}"))?;
        let name = &attrs[..eq];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("bad attribute name {name:?}"));
        }
        if seen.contains(&name) {
            return Err(format!("duplicate attribute {name}"));
        }
        seen.push(name);
        let value_start = eq + 2;
        let value_len = attrs[value_start..]
            .find('"')
            .ok_or_else(|| "unterminated attribute".to_owned())?;
        let value = &attrs[value_start..value_start + value_len];
        if value.contains('<') {
            return Err(format!("< in attribute {name}"));
        }
        check_text(value)?;
        if NUMERIC.contains(&name) {
            check_numbers(name, value)?;
        }
        attrs = &attrs[value_start + value_len + 1..];
    }
}

fn check_numbers(name: &str, value: &str) -> Result<(), String> {
    let lower = value.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(format!("{name}=\"{value}\""));
    }
    for token in value.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')) {
        if token.is_empty() {
            continue;
        }
        let v: f64 = token
            .parse()
            .map_err(|_| format!("{name}: {token:?} is not a number"))?;
        if !v.is_finite() || token == "-0" || token.ends_with('.') || token.matches('.').count() > 1
        {
            return Err(format!("{name}: bad number {token:?}"));
        }
        if let Some((_, decimals)) = token.split_once('.') {
            if decimals.len() > 2 || decimals.ends_with('0') {
                return Err(format!("{name}: unfixed decimals {token:?}"));
            }
        }
    }
    Ok(())
}

#[test]
fn the_checker_rejects_broken_documents() {
    let ok = "<svg a=\"1\"><g><title>a &amp; b</title></g><rect x=\"1.5\"/></svg>\n";
    assert_eq!(check(ok), Ok(()));
    for bad in [
        "<svg><g></svg>",
        "<svg></g>",
        "<svg x=\"NaN\"/>",
        "<svg x=\"-0\"/>",
        "<svg d=\"M1 inf\"/>",
        "<svg x=\"1.234\"/>",
        "<svg>a & b</svg>",
        "<svg a=\"1\" a=\"2\"/>",
        "<svg/><svg/>",
        "<g/>",
        "<svg a=1/>",
    ] {
        assert!(check(bad).is_err(), "{bad}");
    }
}
