//! ReqIF 1.x (OMG Requirements Interchange Format) documents, as IBM DOORS, Eclipse RMF,
//! Capella, Polarion and Jama export them.
//!
//! The reader keeps what a requirements tool needs: the header title, the attribute
//! definitions (by identifier, with their long names), every spec object with its attribute
//! values (XHTML reduced to text), every spec relation, and every specification's hierarchy.
//!
//! Real exports are untidy. Elements come in any order, and both the 2011 and the 2010
//! namespaces occur, so names are matched by their local part. References to types and
//! attribute definitions the file does not contain are common (five of the nine DOORS and RMF
//! samples have them). They do not stop the import: the value keeps the definition's
//! identifier as its name, and a warning says so. A relation whose source or target is not in
//! the file is an error, because the relation cannot be kept. A hierarchy node that points at a
//! missing spec object is skipped with a warning, and its children move up a level.
//!
//! Like the JUnit reader, it refuses any document type declaration, so no entity is ever
//! expanded or fetched.

use crate::error::FormatError;
use crate::record::{RequirementRecord, TITLE_MAX};
use roxmltree::{Document, Node, ParsingOptions};
use std::collections::{HashMap, HashSet};

/// The kind of an attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Xhtml,
    Integer,
    Real,
    Boolean,
    Date,
    Enumeration,
}

impl ValueKind {
    fn of(tag: &str) -> Option<ValueKind> {
        Some(match tag.rsplit('-').next()? {
            "STRING" => ValueKind::String,
            "XHTML" => ValueKind::Xhtml,
            "INTEGER" => ValueKind::Integer,
            "REAL" => ValueKind::Real,
            "BOOLEAN" => ValueKind::Boolean,
            "DATE" => ValueKind::Date,
            "ENUMERATION" => ValueKind::Enumeration,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::String => "STRING",
            ValueKind::Xhtml => "XHTML",
            ValueKind::Integer => "INTEGER",
            ValueKind::Real => "REAL",
            ValueKind::Boolean => "BOOLEAN",
            ValueKind::Date => "DATE",
            ValueKind::Enumeration => "ENUMERATION",
        }
    }
}

/// One attribute value of a spec object or a specification.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The attribute definition's identifier.
    pub definition: String,
    /// Its long name, or the identifier when the file does not define it.
    pub name: String,
    pub kind: ValueKind,
    /// The value as text: scalars as written, XHTML as plain text (paragraphs and line
    /// breaks kept as newlines), enumerations as their values' long names joined by `, `.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpecObject {
    pub id: String,
    pub long_name: Option<String>,
    /// The spec object type's long name (or identifier), if any.
    pub type_name: Option<String>,
    pub values: Vec<Value>,
    pub line: usize,
}

impl SpecObject {
    /// The value of the first attribute whose name is one of `names` (case-insensitive).
    pub fn value(&self, names: &[&str]) -> Option<&Value> {
        names.iter().find_map(|n| {
            self.values
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case(n) && !v.text.trim().is_empty())
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpecRelation {
    pub id: String,
    /// The relation type's long name (or identifier), if any.
    pub type_name: Option<String>,
    pub source: String,
    pub target: String,
    pub line: usize,
}

/// A node of a specification's hierarchy.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    pub id: String,
    /// The spec object it places.
    pub object: String,
    pub children: Vec<Hierarchy>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Specification {
    pub id: String,
    pub long_name: Option<String>,
    pub children: Vec<Hierarchy>,
}

/// Something that did not stop the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReqIf {
    pub title: Option<String>,
    pub objects: Vec<SpecObject>,
    pub relations: Vec<SpecRelation>,
    pub specifications: Vec<Specification>,
    pub warnings: Vec<Warning>,
}

struct Ctx<'a> {
    lines: Vec<usize>,
    /// Identifier → long name, for every element that has an IDENTIFIER.
    names: HashMap<&'a str, Option<&'a str>>,
    /// Enum value identifier → long name.
    enum_values: HashMap<&'a str, &'a str>,
    warnings: Vec<Warning>,
    /// Missing identifiers already warned about.
    warned: HashSet<String>,
}

impl<'a> Ctx<'a> {
    fn line(&self, n: Node) -> usize {
        self.lines.partition_point(|nl| *nl < n.range().start) + 1
    }

    /// The long name of a referenced element, or its identifier with a warning (once per
    /// identifier) when the file does not define it.
    fn name_of(&mut self, id: &str, what: &str, at: Node) -> String {
        match self.names.get(id) {
            Some(Some(n)) => (*n).to_string(),
            Some(None) => id.to_string(),
            None => {
                if self.warned.insert(id.to_string()) {
                    let line = self.line(at);
                    self.warnings.push(Warning {
                        line,
                        message: format!(
                            "{what} {id} is not defined in the file; its identifier stands in for its name"
                        ),
                    });
                }
                id.to_string()
            }
        }
    }
}

fn local<'a>(n: &Node<'a, '_>) -> &'a str {
    n.tag_name().name()
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && local(c) == name)
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children()
        .filter(move |c| c.is_element() && local(c) == name)
}

/// The text of the first `*-REF` element under `n`'s child `wrapper` (e.g. TYPE).
fn reference<'a>(n: Node<'a, '_>, wrapper: &str) -> Option<&'a str> {
    let w = child(n, wrapper)?;
    w.children()
        .find(|c| c.is_element() && local(c).ends_with("-REF"))
        .and_then(|r| r.text())
        .map(str::trim)
}

/// XHTML as plain text: block elements and `br` become line breaks.
fn xhtml_text(n: Node, out: &mut String) {
    for c in n.children() {
        if c.is_text() {
            let t = c.text().unwrap_or("");
            // Collapse runs of whitespace as a browser would.
            let mut last_space = out.ends_with([' ', '\n']) || out.is_empty();
            for ch in t.chars() {
                if ch.is_whitespace() {
                    if !last_space {
                        out.push(' ');
                        last_space = true;
                    }
                } else {
                    out.push(ch);
                    last_space = false;
                }
            }
        } else if c.is_element() {
            let tag = local(&c);
            let block = matches!(
                tag,
                "p" | "div"
                    | "li"
                    | "ul"
                    | "ol"
                    | "table"
                    | "tr"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "h5"
                    | "h6"
                    | "pre"
                    | "blockquote"
            );
            if tag == "br" {
                trim_end_spaces(out);
                out.push('\n');
                continue;
            }
            if block && !out.is_empty() && !out.ends_with('\n') {
                trim_end_spaces(out);
                out.push('\n');
            }
            if tag == "li" {
                out.push_str("- ");
            }
            xhtml_text(c, out);
            if block && !out.ends_with('\n') {
                trim_end_spaces(out);
                out.push('\n');
            }
        }
    }
}

fn trim_end_spaces(s: &mut String) {
    while s.ends_with(' ') {
        s.pop();
    }
}

fn values<'a>(ctx: &mut Ctx<'a>, owner: Node<'a, '_>) -> Vec<Value> {
    let mut out = Vec::new();
    let Some(vs) = child(owner, "VALUES") else {
        return out;
    };
    for v in vs.children().filter(Node::is_element) {
        let tag = local(&v);
        let Some(kind) = tag.strip_prefix("ATTRIBUTE-VALUE-").and_then(ValueKind::of) else {
            continue;
        };
        let Some(def) = reference(v, "DEFINITION") else {
            let line = ctx.line(v);
            ctx.warnings.push(Warning {
                line,
                message: format!("<{tag}> has no DEFINITION; the value is left out"),
            });
            continue;
        };
        let name = ctx.name_of(def, "attribute definition", v);
        let text = match kind {
            ValueKind::Xhtml => {
                let mut t = String::new();
                if let Some(tv) = child(v, "THE-VALUE") {
                    xhtml_text(tv, &mut t);
                }
                t.lines()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim()
                    .to_string()
            }
            ValueKind::Enumeration => {
                let mut labels = Vec::new();
                if let Some(evs) = child(v, "VALUES") {
                    for r in evs.children().filter(|c| c.is_element()) {
                        let id = r.text().unwrap_or("").trim();
                        match ctx.enum_values.get(id) {
                            Some(l) => labels.push((*l).to_string()),
                            None => labels.push(ctx.name_of(id, "enumeration value", r)),
                        }
                    }
                }
                labels.join(", ")
            }
            _ => v.attribute("THE-VALUE").unwrap_or("").to_string(),
        };
        out.push(Value {
            definition: def.to_string(),
            name,
            kind,
            text,
        });
    }
    out
}

fn hierarchy<'a>(
    ctx: &mut Ctx<'a>,
    parent: Node<'a, '_>,
    objects: &HashSet<&str>,
    out: &mut Vec<Hierarchy>,
) {
    let Some(ch) = child(parent, "CHILDREN") else {
        return;
    };
    for h in children(ch, "SPEC-HIERARCHY") {
        let id = h.attribute("IDENTIFIER").unwrap_or("").to_string();
        let mut kids = Vec::new();
        hierarchy(ctx, h, objects, &mut kids);
        match reference(h, "OBJECT") {
            Some(o) if objects.contains(o) => out.push(Hierarchy {
                id,
                object: o.to_string(),
                children: kids,
            }),
            other => {
                let line = ctx.line(h);
                ctx.warnings.push(Warning {
                    line,
                    message: match other {
                        Some(o) => format!(
                            "hierarchy node {id} places spec object {o}, which the file does not contain; the node is skipped and its children move up"
                        ),
                        None => format!(
                            "hierarchy node {id} names no spec object; it is skipped and its children move up"
                        ),
                    },
                });
                out.extend(kids);
            }
        }
    }
}

/// Read a ReqIF document.
pub fn parse(text: &str) -> Result<ReqIf, FormatError> {
    if text.trim().is_empty() {
        return Err(FormatError::whole(
            "the file is empty: expected a ReqIF document with a <REQ-IF> root",
        ));
    }
    let opts = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc =
        Document::parse_with_options(text, opts).map_err(|e| crate::junit::xml_error(text, e))?;
    let root = doc.root_element();
    let mut ctx = Ctx {
        lines: text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect(),
        names: HashMap::new(),
        enum_values: HashMap::new(),
        warnings: Vec::new(),
        warned: HashSet::new(),
    };
    if local(&root) != "REQ-IF" {
        return Err(FormatError::at(
            ctx.line(root),
            format!(
                "the root element is <{}>: a ReqIF document starts with <REQ-IF>",
                local(&root)
            ),
        ));
    }
    // Every identified element's long name, and every enumeration value's.
    let mut seen_ids: HashMap<&str, usize> = HashMap::new();
    for n in root.descendants().filter(Node::is_element) {
        if let Some(id) = n.attribute("IDENTIFIER") {
            // The header's identifier is not a content element.
            if local(&n) == "REQ-IF-HEADER" {
                continue;
            }
            if let Some(first) = seen_ids.insert(id, ctx.line(n)) {
                return Err(FormatError::at(
                    ctx.line(n),
                    format!(
                        "IDENTIFIER {id} is used twice (first on line {first}); identifiers must be unique, so the file cannot be read reliably"
                    ),
                ));
            }
            ctx.names.insert(id, n.attribute("LONG-NAME"));
            if local(&n) == "ENUM-VALUE" {
                ctx.enum_values
                    .insert(id, n.attribute("LONG-NAME").unwrap_or(id));
            }
        }
    }
    let mut r = ReqIf {
        title: root
            .descendants()
            .find(|n| n.is_element() && local(n) == "REQ-IF-HEADER")
            .and_then(|h| child(h, "TITLE"))
            .and_then(|t| t.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
        ..ReqIf::default()
    };
    let content = child(root, "CORE-CONTENT").and_then(|c| child(c, "REQ-IF-CONTENT"));
    let Some(content) = content else {
        return Err(FormatError::at(
            ctx.line(root),
            "the document has no CORE-CONTENT/REQ-IF-CONTENT: it holds no requirements",
        ));
    };
    if let Some(objs) = child(content, "SPEC-OBJECTS") {
        for o in children(objs, "SPEC-OBJECT") {
            let Some(id) = o.attribute("IDENTIFIER") else {
                return Err(FormatError::at(
                    ctx.line(o),
                    "a SPEC-OBJECT has no IDENTIFIER; every spec object needs one",
                ));
            };
            let type_name = reference(o, "TYPE").map(|t| ctx.name_of(t, "spec object type", o));
            let line = ctx.line(o);
            let values = values(&mut ctx, o);
            r.objects.push(SpecObject {
                id: id.to_string(),
                long_name: o.attribute("LONG-NAME").map(str::to_string),
                type_name,
                values,
                line,
            });
        }
    }
    let object_ids: HashSet<&str> = r.objects.iter().map(|o| o.id.as_str()).collect();
    if let Some(rels) = child(content, "SPEC-RELATIONS") {
        for rel in children(rels, "SPEC-RELATION") {
            let line = ctx.line(rel);
            let id = rel.attribute("IDENTIFIER").unwrap_or("").to_string();
            let end = |w: &str| reference(rel, w).map(str::to_string);
            let (Some(source), Some(target)) = (end("SOURCE"), end("TARGET")) else {
                return Err(FormatError::at(
                    line,
                    format!(
                        "spec relation {id} lacks a SOURCE or TARGET spec object; nothing was imported"
                    ),
                ));
            };
            for (what, end) in [("source", &source), ("target", &target)] {
                if !object_ids.contains(end.as_str()) {
                    return Err(FormatError::at(
                        line,
                        format!(
                            "spec relation {id}: its {what} {end} is not a spec object of this file (a dangling reference); nothing was imported"
                        ),
                    ));
                }
            }
            let type_name =
                reference(rel, "TYPE").map(|t| ctx.name_of(t, "spec relation type", rel));
            r.relations.push(SpecRelation {
                id,
                type_name,
                source,
                target,
                line,
            });
        }
    }
    if let Some(specs) = child(content, "SPECIFICATIONS") {
        for s in children(specs, "SPECIFICATION") {
            // Its type and values are not kept, but what they reference is checked.
            if let Some(t) = reference(s, "TYPE") {
                ctx.name_of(t, "specification type", s);
            }
            values(&mut ctx, s);
            let mut kids = Vec::new();
            hierarchy(&mut ctx, s, &object_ids, &mut kids);
            r.specifications.push(Specification {
                id: s.attribute("IDENTIFIER").unwrap_or("").to_string(),
                long_name: s.attribute("LONG-NAME").map(str::to_string),
                children: kids,
            });
        }
    }
    r.warnings = ctx.warnings;
    Ok(r)
}

/// Attribute names that hold a requirement's heading, most specific first.
const TITLE_NAMES: &[&str] = &[
    "ReqIF.ChapterName",
    "ReqIF.Name",
    "Object Heading",
    "Title",
    "Name",
];
/// Attribute names that hold a requirement's text.
const TEXT_NAMES: &[&str] = &[
    "ReqIF.Text",
    "Object Text",
    "ReqIF.Description",
    "Description",
    "Text",
];

fn clip(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() <= TITLE_MAX {
        return line.to_string();
    }
    let cut: String = line.chars().take(TITLE_MAX).collect();
    let at = cut
        .rfind(' ')
        .filter(|i| *i > TITLE_MAX / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

impl ReqIf {
    /// The spec objects as requirements, in document order (hierarchy order first, then
    /// objects in no hierarchy), each with its heading path from the specification down.
    ///
    /// - The title is the heading attribute (`ReqIF.ChapterName`, `ReqIF.Name`, …), else the
    ///   object's LONG-NAME, else the first line of its text, else its identifier.
    /// - The text is the text attribute (`ReqIF.Text`, `Object Text`, …), else the longest
    ///   string or XHTML value, else the title.
    /// - The external ID is the spec object's IDENTIFIER, so importing the file again updates
    ///   the same requirements.
    pub fn requirements(&self) -> Vec<RequirementRecord> {
        let by_id: HashMap<&str, &SpecObject> =
            self.objects.iter().map(|o| (o.id.as_str(), o)).collect();
        let mut out = Vec::new();
        let mut placed: HashSet<&str> = HashSet::new();
        fn walk<'a>(
            h: &'a [Hierarchy],
            path: &mut Vec<String>,
            by_id: &HashMap<&str, &'a SpecObject>,
            placed: &mut HashSet<&'a str>,
            out: &mut Vec<RequirementRecord>,
            doc: &ReqIf,
        ) {
            for n in h {
                let Some(o) = by_id.get(n.object.as_str()) else {
                    continue;
                };
                if placed.insert(o.id.as_str()) {
                    out.push(doc.record(o, path.clone()));
                }
                let title = doc.title_of(o);
                path.push(title);
                walk(&n.children, path, by_id, placed, out, doc);
                path.pop();
            }
        }
        for s in &self.specifications {
            let mut path: Vec<String> = s.long_name.iter().cloned().collect();
            walk(&s.children, &mut path, &by_id, &mut placed, &mut out, self);
        }
        for o in &self.objects {
            if placed.insert(o.id.as_str()) {
                out.push(self.record(o, Vec::new()));
            }
        }
        out
    }

    fn text_of(&self, o: &SpecObject) -> Option<String> {
        o.value(TEXT_NAMES).map(|v| v.text.clone()).or_else(|| {
            o.values
                .iter()
                .filter(|v| matches!(v.kind, ValueKind::String | ValueKind::Xhtml))
                .filter(|v| !TITLE_NAMES.iter().any(|n| v.name.eq_ignore_ascii_case(n)))
                .map(|v| v.text.trim().to_string())
                .filter(|t| !t.is_empty())
                .max_by_key(|t| t.chars().count())
        })
    }

    fn title_of(&self, o: &SpecObject) -> String {
        o.value(TITLE_NAMES)
            .map(|v| clip(&v.text))
            .or_else(|| o.long_name.as_deref().map(clip).filter(|t| !t.is_empty()))
            .or_else(|| self.text_of(o).map(|t| clip(&t)))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| o.id.clone())
    }

    fn record(&self, o: &SpecObject, heading_path: Vec<String>) -> RequirementRecord {
        let title = self.title_of(o);
        let text = self.text_of(o).unwrap_or_else(|| title.clone());
        RequirementRecord {
            ext_id: Some(o.id.clone()),
            title,
            text,
            line: o.line,
            heading_path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <THE-HEADER><REQ-IF-HEADER IDENTIFIER="h"><TITLE>Payments</TITLE></REQ-IF-HEADER></THE-HEADER>
  <CORE-CONTENT><REQ-IF-CONTENT>
    <SPEC-TYPES>
      <SPEC-OBJECT-TYPE IDENTIFIER="t" LONG-NAME="Requirement">
        <SPEC-ATTRIBUTES>
          <ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="text" LONG-NAME="ReqIF.Text"/>
          <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="name" LONG-NAME="ReqIF.Name"/>
        </SPEC-ATTRIBUTES>
      </SPEC-OBJECT-TYPE>
    </SPEC-TYPES>
    <SPEC-OBJECTS>
      <SPEC-OBJECT IDENTIFIER="r1">
        <VALUES>
          <ATTRIBUTE-VALUE-STRING THE-VALUE="Refunds"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>name</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>
          <ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>text</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>
            <THE-VALUE><xhtml:div><xhtml:p>The clerk shall refund   part of a payment.</xhtml:p><xhtml:p>Within 180 days.</xhtml:p></xhtml:div></THE-VALUE></ATTRIBUTE-VALUE-XHTML>
        </VALUES>
        <TYPE><SPEC-OBJECT-TYPE-REF>t</SPEC-OBJECT-TYPE-REF></TYPE>
      </SPEC-OBJECT>
      <SPEC-OBJECT IDENTIFIER="r2"><TYPE><SPEC-OBJECT-TYPE-REF>t</SPEC-OBJECT-TYPE-REF></TYPE>
        <VALUES><ATTRIBUTE-VALUE-STRING THE-VALUE="Partial refunds keep the fee"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>name</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING></VALUES>
      </SPEC-OBJECT>
    </SPEC-OBJECTS>
    <SPEC-RELATIONS>
      <SPEC-RELATION IDENTIFIER="l1"><SOURCE><SPEC-OBJECT-REF>r2</SPEC-OBJECT-REF></SOURCE><TARGET><SPEC-OBJECT-REF>r1</SPEC-OBJECT-REF></TARGET></SPEC-RELATION>
    </SPEC-RELATIONS>
    <SPECIFICATIONS>
      <SPECIFICATION IDENTIFIER="s" LONG-NAME="Refund spec">
        <CHILDREN><SPEC-HIERARCHY IDENTIFIER="h1"><OBJECT><SPEC-OBJECT-REF>r1</SPEC-OBJECT-REF></OBJECT>
          <CHILDREN><SPEC-HIERARCHY IDENTIFIER="h2"><OBJECT><SPEC-OBJECT-REF>r2</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY></CHILDREN>
        </SPEC-HIERARCHY></CHILDREN>
      </SPECIFICATION>
    </SPECIFICATIONS>
  </REQ-IF-CONTENT></CORE-CONTENT>
</REQ-IF>"#;

    #[test]
    fn objects_relations_and_hierarchy() {
        let r = parse(SMALL).unwrap();
        assert_eq!(r.title.as_deref(), Some("Payments"));
        assert_eq!(r.objects.len(), 2);
        assert_eq!(r.relations.len(), 1);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let reqs = r.requirements();
        assert_eq!(reqs[0].title, "Refunds");
        assert_eq!(
            reqs[0].text,
            "The clerk shall refund part of a payment.\nWithin 180 days."
        );
        assert_eq!(reqs[0].heading_path, vec!["Refund spec"]);
        assert_eq!(reqs[1].heading_path, vec!["Refund spec", "Refunds"]);
        assert_eq!(reqs[1].ext_id.as_deref(), Some("r2"));
    }

    #[test]
    fn dangling_relations_and_duplicates_are_refused() {
        let bad = SMALL.replace(
            "<SOURCE><SPEC-OBJECT-REF>r2</SPEC-OBJECT-REF>",
            "<SOURCE><SPEC-OBJECT-REF>r9</SPEC-OBJECT-REF>",
        );
        let e = parse(&bad).unwrap_err();
        assert!(e.message.contains("spec relation l1: its source r9"), "{e}");
        assert!(e.line.is_some());
        let dup = SMALL.replace("IDENTIFIER=\"r2\"", "IDENTIFIER=\"r1\"");
        let e = parse(&dup).unwrap_err();
        assert!(e.message.contains("used twice"), "{e}");
        assert!(parse("<REQ-IF/>").is_err());
        assert!(parse("<reqif/>").unwrap_err().message.contains("<REQ-IF>"));
        let dtd = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>\n{}", &SMALL[39..]);
        assert!(parse(&dtd).unwrap_err().message.contains("DOCTYPE"));
    }

    #[test]
    fn missing_hierarchy_objects_are_skipped_with_a_warning() {
        let odd = SMALL.replace(
            "<OBJECT><SPEC-OBJECT-REF>r1</SPEC-OBJECT-REF></OBJECT>",
            "<OBJECT><SPEC-OBJECT-REF>gone</SPEC-OBJECT-REF></OBJECT>",
        );
        let r = parse(&odd).unwrap();
        assert_eq!(r.specifications[0].children[0].object, "r2");
        assert!(r.warnings[0].message.contains("gone"), "{:?}", r.warnings);
        // The skipped node's object is still imported, outside the hierarchy.
        assert_eq!(r.requirements().len(), 2);
    }
}

/// A requirement to write.
#[derive(Debug, Clone, PartialEq)]
pub struct OutObject {
    /// The spec object's IDENTIFIER (kept stable across exports).
    pub id: String,
    pub title: String,
    pub text: String,
    /// The requirement's key in the exporting tool (`ReqIF.ForeignID`).
    pub foreign_id: String,
    /// When it last changed (RFC 3339).
    pub last_change: String,
    /// Identifiers of the objects below it in the specification.
    pub children: Vec<String>,
}

/// A document to write.
#[derive(Debug, Clone, PartialEq)]
pub struct OutDocument {
    pub title: String,
    pub specification: String,
    /// When written (RFC 3339).
    pub created: String,
    pub objects: Vec<OutObject>,
    /// (identifier, relation type name, source object id, target object id)
    pub relations: Vec<(String, String, String, String)>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Write a ReqIF 1.2 document (the 2011 namespace): one spec object type with
/// `ReqIF.Name` (string), `ReqIF.Text` (XHTML, one paragraph per line) and
/// `ReqIF.ForeignID` (string); one specification whose hierarchy follows each
/// object's children (objects nobody lists as a child are its top level); one
/// relation type per relation name.
pub fn write(d: &OutDocument) -> String {
    use std::fmt::Write as _;
    let mut x = String::new();
    let c = esc(&d.created);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REQ-IF xmlns=\"http://www.omg.org/spec/ReqIF/20110401/reqif.xsd\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n  <THE-HEADER>\n    <REQ-IF-HEADER IDENTIFIER=\"cairn-header\">\n      <CREATION-TIME>{c}</CREATION-TIME>\n      <REQ-IF-TOOL-ID>Cairn</REQ-IF-TOOL-ID>\n      <REQ-IF-VERSION>1.0</REQ-IF-VERSION>\n      <SOURCE-TOOL-ID>Cairn</SOURCE-TOOL-ID>\n      <TITLE>{}</TITLE>\n    </REQ-IF-HEADER>\n  </THE-HEADER>\n  <CORE-CONTENT>\n    <REQ-IF-CONTENT>\n",
        esc(&d.title)
    );
    let _ = write!(
        x,
        "      <DATATYPES>\n        <DATATYPE-DEFINITION-STRING IDENTIFIER=\"cairn-dt-string\" LAST-CHANGE=\"{c}\" LONG-NAME=\"String\" MAX-LENGTH=\"100000\"/>\n        <DATATYPE-DEFINITION-XHTML IDENTIFIER=\"cairn-dt-xhtml\" LAST-CHANGE=\"{c}\" LONG-NAME=\"XHTML\"/>\n      </DATATYPES>\n      <SPEC-TYPES>\n        <SPEC-OBJECT-TYPE IDENTIFIER=\"cairn-type-requirement\" LAST-CHANGE=\"{c}\" LONG-NAME=\"Requirement\">\n          <SPEC-ATTRIBUTES>\n"
    );
    for (id, name, kind) in [
        ("cairn-attr-name", "ReqIF.Name", "STRING"),
        ("cairn-attr-text", "ReqIF.Text", "XHTML"),
        ("cairn-attr-foreign-id", "ReqIF.ForeignID", "STRING"),
    ] {
        let dt = if kind == "STRING" {
            "cairn-dt-string"
        } else {
            "cairn-dt-xhtml"
        };
        let _ = write!(
            x,
            "            <ATTRIBUTE-DEFINITION-{kind} IDENTIFIER=\"{id}\" LAST-CHANGE=\"{c}\" LONG-NAME=\"{name}\">\n              <TYPE><DATATYPE-DEFINITION-{kind}-REF>{dt}</DATATYPE-DEFINITION-{kind}-REF></TYPE>\n            </ATTRIBUTE-DEFINITION-{kind}>\n"
        );
    }
    x.push_str("          </SPEC-ATTRIBUTES>\n        </SPEC-OBJECT-TYPE>\n");
    let _ = writeln!(
        x,
        "        <SPECIFICATION-TYPE IDENTIFIER=\"cairn-type-specification\" LAST-CHANGE=\"{c}\" LONG-NAME=\"Specification\"/>"
    );
    let mut rel_types: Vec<&str> = d.relations.iter().map(|r| r.1.as_str()).collect();
    rel_types.sort_unstable();
    rel_types.dedup();
    let rel_type_id = |name: &str| format!("cairn-type-relation-{}", esc(name));
    for t in &rel_types {
        let _ = writeln!(
            x,
            "        <SPEC-RELATION-TYPE IDENTIFIER=\"{}\" LAST-CHANGE=\"{c}\" LONG-NAME=\"{}\"/>",
            rel_type_id(t),
            esc(t)
        );
    }
    x.push_str("      </SPEC-TYPES>\n      <SPEC-OBJECTS>\n");
    for o in &d.objects {
        let paras: String = o
            .text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("<xhtml:p>{}</xhtml:p>", esc(l.trim())))
            .collect();
        let _ = write!(
            x,
            "        <SPEC-OBJECT IDENTIFIER=\"{}\" LAST-CHANGE=\"{}\">\n          <TYPE><SPEC-OBJECT-TYPE-REF>cairn-type-requirement</SPEC-OBJECT-TYPE-REF></TYPE>\n          <VALUES>\n            <ATTRIBUTE-VALUE-STRING THE-VALUE=\"{}\"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>cairn-attr-name</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>\n            <ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>cairn-attr-text</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION><THE-VALUE><xhtml:div>{paras}</xhtml:div></THE-VALUE></ATTRIBUTE-VALUE-XHTML>\n            <ATTRIBUTE-VALUE-STRING THE-VALUE=\"{}\"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>cairn-attr-foreign-id</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>\n          </VALUES>\n        </SPEC-OBJECT>\n",
            esc(&o.id),
            esc(&o.last_change),
            esc(&o.title),
            esc(&o.foreign_id)
        );
    }
    x.push_str("      </SPEC-OBJECTS>\n      <SPEC-RELATIONS>\n");
    for (id, t, s, tg) in &d.relations {
        let _ = write!(
            x,
            "        <SPEC-RELATION IDENTIFIER=\"{}\" LAST-CHANGE=\"{c}\">\n          <TYPE><SPEC-RELATION-TYPE-REF>{}</SPEC-RELATION-TYPE-REF></TYPE>\n          <SOURCE><SPEC-OBJECT-REF>{}</SPEC-OBJECT-REF></SOURCE>\n          <TARGET><SPEC-OBJECT-REF>{}</SPEC-OBJECT-REF></TARGET>\n        </SPEC-RELATION>\n",
            esc(id),
            rel_type_id(t),
            esc(s),
            esc(tg)
        );
    }
    let _ = write!(
        x,
        "      </SPEC-RELATIONS>\n      <SPECIFICATIONS>\n        <SPECIFICATION IDENTIFIER=\"cairn-specification\" LAST-CHANGE=\"{c}\" LONG-NAME=\"{}\">\n          <TYPE><SPECIFICATION-TYPE-REF>cairn-type-specification</SPECIFICATION-TYPE-REF></TYPE>\n          <CHILDREN>\n",
        esc(&d.specification)
    );
    let by_id: HashMap<&str, &OutObject> = d.objects.iter().map(|o| (o.id.as_str(), o)).collect();
    let is_child: HashSet<&str> = d
        .objects
        .iter()
        .flat_map(|o| o.children.iter().map(String::as_str))
        .filter(|c| by_id.contains_key(c))
        .collect();
    fn node(
        x: &mut String,
        o: &OutObject,
        by_id: &HashMap<&str, &OutObject>,
        depth: usize,
        seen: &mut HashSet<String>,
    ) {
        use std::fmt::Write as _;
        if !seen.insert(o.id.clone()) {
            return;
        }
        let pad = "  ".repeat(6 + depth);
        let _ = write!(
            x,
            "{pad}<SPEC-HIERARCHY IDENTIFIER=\"{}-node\" LAST-CHANGE=\"{}\">\n{pad}  <OBJECT><SPEC-OBJECT-REF>{}</SPEC-OBJECT-REF></OBJECT>\n",
            esc(&o.id),
            esc(&o.last_change),
            esc(&o.id)
        );
        let kids: Vec<&&OutObject> = o
            .children
            .iter()
            .filter_map(|c| by_id.get(c.as_str()))
            .collect();
        if !kids.is_empty() {
            let _ = writeln!(x, "{pad}  <CHILDREN>");
            for k in kids {
                node(x, k, by_id, depth + 2, seen);
            }
            let _ = writeln!(x, "{pad}  </CHILDREN>");
        }
        let _ = writeln!(x, "{pad}</SPEC-HIERARCHY>");
    }
    let mut seen = HashSet::new();
    for o in d
        .objects
        .iter()
        .filter(|o| !is_child.contains(o.id.as_str()))
    {
        node(&mut x, o, &by_id, 0, &mut seen);
    }
    x.push_str("          </CHILDREN>\n        </SPECIFICATION>\n      </SPECIFICATIONS>\n    </REQ-IF-CONTENT>\n  </CORE-CONTENT>\n</REQ-IF>\n");
    x
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    fn written_documents_read_back_the_same() {
        let d = OutDocument {
            title: "Payments & refunds".into(),
            specification: "PAY requirements".into(),
            created: "2026-11-23T10:00:00Z".into(),
            objects: vec![
                OutObject {
                    id: "cairn-PAY-1".into(),
                    title: "Refunds <partial>".into(),
                    text: "The clerk shall refund part of a payment.\nWithin 180 days & no fee."
                        .into(),
                    foreign_id: "PAY-1".into(),
                    last_change: "2026-11-20T10:00:00Z".into(),
                    children: vec!["cairn-PAY-2".into()],
                },
                OutObject {
                    id: "cairn-PAY-2".into(),
                    title: "Refund \"reasons\"".into(),
                    text: "Every refund shall carry a reason.".into(),
                    foreign_id: "PAY-2".into(),
                    last_change: "2026-11-21T10:00:00Z".into(),
                    children: vec![],
                },
            ],
            relations: vec![(
                "cairn-rel-1".into(),
                "relates".into(),
                "cairn-PAY-2".into(),
                "cairn-PAY-1".into(),
            )],
        };
        let text = write(&d);
        let r = parse(&text).unwrap();
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.title.as_deref(), Some("Payments & refunds"));
        let reqs = r.requirements();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].title, "Refunds <partial>");
        assert_eq!(reqs[0].text, d.objects[0].text);
        assert_eq!(reqs[1].title, "Refund \"reasons\"");
        assert_eq!(
            reqs[1].heading_path,
            vec!["PAY requirements", "Refunds <partial>"]
        );
        assert_eq!(r.relations[0].type_name.as_deref(), Some("relates"));
        assert_eq!(
            (
                r.relations[0].source.as_str(),
                r.relations[0].target.as_str()
            ),
            ("cairn-PAY-2", "cairn-PAY-1")
        );
    }
}

/// The most a `.reqifz` archive's ReqIF document may unpack to (a guard against ZIP bombs).
pub const MAX_UNZIPPED: u64 = 256 * 1024 * 1024;

/// The ReqIF document inside a `.reqifz` archive (a ZIP holding one `.reqif` file, and
/// perhaps images it refers to): its name in the archive and its text.
pub fn unzip_reqifz(bytes: &[u8]) -> Result<(String, String), FormatError> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        FormatError::whole(format!(
            "not a .reqifz archive (a ZIP file holding a .reqif document): {e}"
        ))
    })?;
    let names: Vec<String> = z
        .file_names()
        .filter(|n| n.to_ascii_lowercase().ends_with(".reqif"))
        .map(str::to_string)
        .collect();
    let name = match names.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(FormatError::whole(
                "the archive holds no .reqif document; nothing was imported",
            ));
        }
        many => {
            return Err(FormatError::whole(format!(
                "the archive holds {} ReqIF documents ({}); unpack it and import them one at a time",
                many.len(),
                many.join(", ")
            )));
        }
    };
    let entry = z
        .by_name(&name)
        .map_err(|e| FormatError::whole(format!("cannot read {name} in the archive: {e}")))?;
    if entry.size() > MAX_UNZIPPED {
        return Err(FormatError::whole(format!(
            "{name} unpacks to {} bytes, more than the {} allowed; nothing was imported",
            entry.size(),
            MAX_UNZIPPED
        )));
    }
    let mut buf = Vec::new();
    entry
        .take(MAX_UNZIPPED + 1)
        .read_to_end(&mut buf)
        .map_err(|e| FormatError::whole(format!("cannot unpack {name}: {e}")))?;
    if buf.len() as u64 > MAX_UNZIPPED {
        return Err(FormatError::whole(format!(
            "{name} unpacks to more than {MAX_UNZIPPED} bytes; nothing was imported"
        )));
    }
    let text = String::from_utf8(buf).map_err(|e| {
        FormatError::whole(format!(
            "{name} is not UTF-8 text (byte {}); ReqIF documents are UTF-8 XML",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok((name, text))
}

/// A `.reqifz` archive holding one ReqIF document.
pub fn zip_reqifz(name: &str, text: &str) -> Result<Vec<u8>, FormatError> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let fail =
        |e: &dyn std::fmt::Display| FormatError::whole(format!("cannot write the archive: {e}"));
    w.start_file(name, opts).map_err(|e| fail(&e))?;
    w.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    let c = w.finish().map_err(|e| fail(&e))?;
    Ok(c.into_inner())
}

#[cfg(test)]
mod zip_tests {
    use super::*;

    #[test]
    fn archives_round_trip_and_odd_ones_are_refused() {
        let z = zip_reqifz("pay.reqif", "<REQ-IF/>").unwrap();
        assert_eq!(
            unzip_reqifz(&z).unwrap(),
            ("pay.reqif".to_string(), "<REQ-IF/>".to_string())
        );
        assert!(
            unzip_reqifz(b"not a zip")
                .unwrap_err()
                .message
                .contains("not a .reqifz")
        );
        let other = zip_reqifz("notes.txt", "x").unwrap();
        assert!(
            unzip_reqifz(&other)
                .unwrap_err()
                .message
                .contains("no .reqif")
        );
    }
}
