//! Report documents: a title, sections and blocks of plain data, rendered
//! to one self-contained HTML file (inline CSS and SVG, no external
//! request, a print stylesheet) or to Markdown for GitHub and Confluence.
//! Every item named in a report is a link: to the web app when its address
//! is known, else to an anchor in the report's own list of items.

use crate::svg::escape;
use std::fmt::Write;

/// Inline content.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Strong(String),
    /// An item by key, shown as its key (and linked).
    Item(String),
}

impl From<&str> for Inline {
    fn from(s: &str) -> Self {
        Inline::Text(s.to_string())
    }
}

impl From<String> for Inline {
    fn from(s: String) -> Self {
        Inline::Text(s)
    }
}

pub type Line = Vec<Inline>;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Para(Line),
    List(Vec<Line>),
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<Line>>,
    },
    /// A chart: an SVG document and its caption.
    Chart {
        svg: String,
        caption: String,
    },
    /// A short muted note (methods, what is left out).
    Note(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    /// Product, period, when generated.
    pub subtitle: String,
    pub sections: Vec<Section>,
    /// Every item the report names: (key, title), for the appendix and
    /// for link targets.
    pub items: Vec<(String, String)>,
    /// List the items at the end (and link to that list) when there is no
    /// web-app address. Off for documents read outside the team, such as
    /// release notes, where keys are shown as plain text instead.
    pub appendix: bool,
}

/// Where item links point: `{base}/items/KEY` with a web-app address,
/// else `#KEY` in the report's own item list.
fn href(base: Option<&str>, key: &str) -> String {
    match base {
        Some(b) => format!("{}/items/{key}", b.trim_end_matches('/')),
        None => format!("#item-{key}"),
    }
}

fn inline_html(out: &mut String, line: &[Inline], base: Option<&str>, appendix: bool) {
    for i in line {
        match i {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Strong(t) => {
                let _ = write!(out, "<strong>{}</strong>", escape(t));
            }
            Inline::Item(k) if base.is_none() && !appendix => out.push_str(&escape(k)),
            Inline::Item(k) => {
                let _ = write!(
                    out,
                    "<a href=\"{}\">{}</a>",
                    escape(&href(base, k)),
                    escape(k)
                );
            }
        }
    }
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d232b;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
h1{font-size:1.7rem;margin-bottom:.2rem}.subtitle{color:#5b6572;margin-top:0}\
h2{font-size:1.2rem;border-bottom:1px solid #d9dee5;padding-bottom:.2rem;margin-top:2rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e7ec;vertical-align:top}\
th{font-size:.85rem;color:#5b6572}a{color:#1f5fbf}figure{margin:1rem 0}figure svg{max-width:100%;height:auto}\
figcaption,.note{color:#5b6572;font-size:.9rem}.items td:first-child{white-space:nowrap}\
@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit;text-decoration:none}h2{break-after:avoid}figure,table,tr{break-inside:avoid}}";

/// One self-contained HTML file.
pub fn to_html(doc: &Doc, base: Option<&str>) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{}</main>\n</body>\n</html>\n",
        escape(&doc.title),
        to_html_fragment(doc, base)
    )
}

/// The report's content (heading, sections, item appendix) without the
/// document around it, for a page that has its own layout and styles.
pub fn to_html_fragment(doc: &Doc, base: Option<&str>) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n",
        escape(&doc.title),
        escape(&doc.subtitle)
    );
    for s in &doc.sections {
        let _ = writeln!(o, "<section>\n<h2>{}</h2>", escape(&s.heading));
        for b in &s.blocks {
            match b {
                Block::Para(l) => {
                    o.push_str("<p>");
                    inline_html(&mut o, l, base, doc.appendix);
                    o.push_str("</p>\n");
                }
                Block::Note(t) => {
                    let _ = writeln!(o, "<p class=\"note\">{}</p>", escape(t));
                }
                Block::List(items) => {
                    o.push_str("<ul>\n");
                    for l in items {
                        o.push_str("<li>");
                        inline_html(&mut o, l, base, doc.appendix);
                        o.push_str("</li>\n");
                    }
                    o.push_str("</ul>\n");
                }
                Block::Table { headers, rows } => {
                    o.push_str("<table>\n<thead><tr>");
                    for h in headers {
                        let _ = write!(o, "<th scope=\"col\">{}</th>", escape(h));
                    }
                    o.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        o.push_str("<tr>");
                        for c in r {
                            o.push_str("<td>");
                            inline_html(&mut o, c, base, doc.appendix);
                            o.push_str("</td>");
                        }
                        o.push_str("</tr>\n");
                    }
                    o.push_str("</tbody>\n</table>\n");
                }
                Block::Chart { svg, caption } => {
                    let start = svg.find("<svg").unwrap_or(0);
                    let _ = writeln!(
                        o,
                        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                        svg[start..].trim_end(),
                        escape(caption)
                    );
                }
            }
        }
        o.push_str("</section>\n");
    }
    if doc.appendix && !doc.items.is_empty() && base.is_none() {
        o.push_str("<section>\n<h2>Items in this report</h2>\n<table class=\"items\">\n<tbody>\n");
        for (k, t) in &doc.items {
            let _ = writeln!(
                o,
                "<tr id=\"item-{}\"><td>{}</td><td>{}</td></tr>",
                escape(k),
                escape(k),
                escape(t)
            );
        }
        o.push_str("</tbody>\n</table>\n</section>\n");
    }
    o
}

fn md_escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

fn inline_md(line: &[Inline], base: Option<&str>) -> String {
    let mut out = String::new();
    for i in line {
        match i {
            Inline::Text(t) => out.push_str(&md_escape(t)),
            Inline::Strong(t) => {
                let _ = write!(out, "**{}**", md_escape(t));
            }
            Inline::Item(k) => match base {
                Some(_) => {
                    let _ = write!(out, "[{k}]({})", href(base, k));
                }
                None => out.push_str(k),
            },
        }
    }
    out
}

/// Markdown (GitHub flavour: tables; charts are left to the HTML report).
pub fn to_markdown(doc: &Doc, base: Option<&str>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# {}\n\n_{}_\n",
        md_escape(&doc.title),
        md_escape(&doc.subtitle)
    );
    for s in &doc.sections {
        let _ = writeln!(o, "## {}\n", md_escape(&s.heading));
        for b in &s.blocks {
            match b {
                Block::Para(l) => {
                    let _ = writeln!(o, "{}\n", inline_md(l, base));
                }
                Block::Note(t) => {
                    let _ = writeln!(o, "_{}_\n", md_escape(t));
                }
                Block::List(items) => {
                    for l in items {
                        let _ = writeln!(o, "- {}", inline_md(l, base));
                    }
                    o.push('\n');
                }
                Block::Table { headers, rows } => {
                    let hs: Vec<String> = headers.iter().map(|h| md_escape(h)).collect();
                    let _ = writeln!(o, "| {} |", hs.join(" | "));
                    let _ = writeln!(o, "|{}", "---|".repeat(headers.len()));
                    for r in rows {
                        let cells: Vec<String> = r.iter().map(|c| inline_md(c, base)).collect();
                        let _ = writeln!(o, "| {} |", cells.join(" | "));
                    }
                    o.push('\n');
                }
                Block::Chart { caption, .. } => {
                    let _ = writeln!(o, "_Chart: {} (in the HTML report)._\n", md_escape(caption));
                }
            }
        }
    }
    o
}
