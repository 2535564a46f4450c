//! Requirement intake from Markdown documents.
//!
//! The document is read with `pulldown-cmark` (CommonMark plus tables, footnotes, task lists,
//! strikethrough, heading attributes and YAML front matter). The rules:
//!
//! - Headings build the heading path of what follows them (a stack by level).
//! - Each item of a numbered (ordered) list is one requirement, whatever it says. Bullets
//!   nested in it are part of its text (joined with `;`); numbered lists nested in it are
//!   requirements of their own.
//! - Elsewhere, each sentence of a paragraph or bullet item that contains the word "shall" or
//!   "must" (whole word, any case) is one requirement.
//! - A requirement may start with a stable ID: `R-12:`, `FR-3.1.`, `SEC-2)`, `[NFR-7]`,
//!   `**REQ-1**`, `REQ_12:`, `SYS-REQ-4 –`. The ID goes to [`RequirementRecord::ext_id`] and
//!   is removed from the text. A paragraph or bullet item that starts with an ID is one
//!   requirement as a whole (its author labelled it), without the sentence rule.
//! - A heading that starts with an ID (`### REQ-7: Password reset`) and is directly followed
//!   by a paragraph makes that paragraph one requirement with that ID; the rest of the heading
//!   is its title, and its line is the heading's.
//! - Ignored: code blocks, tables, HTML, footnote definitions, front matter, image text,
//!   sections titled "Table of contents" / "Contents" / "TOC", and list items that are nothing
//!   but links to anchors in the document (a hand-written table of contents).
//!
//! Lines are 1-based lines of the source (CRLF or LF).

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::FormatError;
use crate::record::{RequirementRecord, check_duplicate_ids, make_title, sentences, split_id};

/// Headings whose section is a table of contents (compared in lower case).
const TOC_HEADINGS: &[&str] = &[
    "table of contents",
    "contents",
    "toc",
    "inhaltsverzeichnis",
    "table des matières",
    "sommaire",
];

/// Reads the requirements of a Markdown document, in source order.
///
/// # Errors
///
/// A document without any requirement, or with two requirements with the same ID.
pub fn parse_markdown(text: &str) -> Result<Vec<RequirementRecord>, FormatError> {
    let mut reader = Reader::new(text);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        reader.event(event, range);
    }
    let mut records = reader.records;
    records.sort_by_key(|r| r.line);
    if records.is_empty() {
        return Err(FormatError::whole(
            "no requirements found: write numbered items, or sentences with 'shall' or \
             'must', under headings",
        ));
    }
    check_duplicate_ids(&records)?;
    Ok(records)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Heading(HeadingLevel),
    Paragraph,
    Bullet,
    Ordered,
    /// The paragraph right after a heading that starts with an ID.
    IdParagraph,
}

/// Where the first inline content of a block stands with respect to bold text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bold {
    /// Nothing seen yet.
    Start,
    /// Inside bold text that opened the block.
    Open(String),
    /// The block opened with this bold text.
    Leading(String),
    /// The block did not open with bold text.
    No,
}

/// Text being collected for one block.
#[derive(Debug)]
struct Block {
    kind: BlockKind,
    line: usize,
    buf: String,
    /// Whitespace is pending before the next character.
    space: bool,
    /// `(position in buf, source line)` of each piece of text.
    chunks: Vec<(usize, usize)>,
    bold: Bold,
    /// Characters outside links were seen (for the table-of-contents check).
    plain_text: bool,
    /// A link to an anchor (`#…`) was seen.
    anchor_link: bool,
}

impl Block {
    fn new(kind: BlockKind, line: usize) -> Block {
        Block {
            kind,
            line,
            buf: String::new(),
            space: false,
            chunks: Vec::new(),
            bold: Bold::Start,
            plain_text: false,
            anchor_link: false,
        }
    }

    fn push_text(&mut self, text: &str, line: usize, in_link: bool) {
        if text.trim().is_empty() {
            self.space |= !text.is_empty();
            return;
        }
        if !in_link {
            self.plain_text = true;
        }
        match &mut self.bold {
            Bold::Open(s) => s.push_str(text),
            Bold::Start => self.bold = Bold::No,
            Bold::Leading(_) | Bold::No => {}
        }
        let mut first = true;
        for c in text.chars() {
            if c.is_whitespace() {
                self.space = true;
                continue;
            }
            if self.space && !self.buf.is_empty() {
                self.buf.push(' ');
            }
            self.space = false;
            if first {
                self.chunks.push((self.buf.len(), line));
                first = false;
            }
            self.buf.push(c);
        }
    }

    /// Separates a nested bullet from what came before it.
    fn push_separator(&mut self) {
        let t = self.buf.trim_end();
        if !t.is_empty() && !t.ends_with([':', ';', '.', ',', '!', '?']) {
            self.buf.truncate(t.len());
            self.buf.push(';');
        }
        self.space = true;
    }

    /// The source line of the character at `pos` of `buf`.
    fn line_at(&self, pos: usize) -> usize {
        let n = self.chunks.partition_point(|(p, _)| *p <= pos);
        n.checked_sub(1)
            .and_then(|i| self.chunks.get(i))
            .map_or(self.line, |(_, l)| *l)
    }

    /// The bold text the block opened with, if any.
    fn leading_bold(&self) -> Option<&str> {
        match &self.bold {
            Bold::Leading(s) => Some(s.trim()),
            _ => None,
        }
    }
}

/// An ID heading waiting for its paragraph.
#[derive(Debug)]
struct IdHeading {
    id: String,
    title: String,
    line: usize,
    path: Vec<String>,
}

struct Reader {
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    headings: Vec<(HeadingLevel, String)>,
    blocks: Vec<Block>,
    /// Whether each open list is ordered.
    lists: Vec<bool>,
    /// Whether each open item pushed a block.
    items: Vec<bool>,
    /// Whether the open paragraph pushed a block.
    paragraph_pushed: bool,
    /// Depth of ignored content (code, tables, HTML, footnotes, images, front matter).
    skip: usize,
    /// The level of the table-of-contents heading whose section is being skipped.
    toc: Option<HeadingLevel>,
    links: usize,
    pending: Option<IdHeading>,
    records: Vec<RequirementRecord>,
}

impl Reader {
    fn new(text: &str) -> Reader {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Reader {
            line_starts,
            headings: Vec::new(),
            blocks: Vec::new(),
            lists: Vec::new(),
            items: Vec::new(),
            paragraph_pushed: false,
            skip: 0,
            toc: None,
            links: 0,
            pending: None,
            records: Vec::new(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1)
    }

    fn in_ordered_item(&self) -> bool {
        self.blocks.iter().any(|b| b.kind == BlockKind::Ordered)
    }

    fn skipping(&self) -> bool {
        self.skip > 0 || self.toc.is_some()
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        let line = self.line_of(range.start);
        match event {
            Event::Start(tag) => self.start(tag, line),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) => {
                if self.skipping() {
                    return;
                }
                let in_link = self.links > 0;
                if let Some(b) = self.blocks.last_mut() {
                    b.push_text(&t, line, in_link);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(b) = self.blocks.last_mut() {
                    b.space = true;
                }
            }
            Event::Rule => self.pending = None,
            Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::Html(_)
            | Event::InlineHtml(_)
            | Event::FootnoteReference(_)
            | Event::TaskListMarker(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, line: usize) {
        match tag {
            Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::Table(_)
            | Tag::FootnoteDefinition(_)
            | Tag::MetadataBlock(_)
            | Tag::Image { .. } => {
                if !matches!(tag, Tag::Image { .. }) {
                    self.pending = None;
                }
                self.skip += 1;
            }
            Tag::Heading { level, .. } => {
                self.pending = None;
                if let Some(toc) = self.toc {
                    if level <= toc {
                        self.toc = None;
                    }
                }
                self.blocks
                    .push(Block::new(BlockKind::Heading(level), line));
            }
            Tag::Paragraph => {
                let in_block = self
                    .blocks
                    .last()
                    .is_some_and(|b| matches!(b.kind, BlockKind::Ordered | BlockKind::Bullet));
                if in_block {
                    if let Some(b) = self.blocks.last_mut() {
                        b.space = true;
                    }
                    self.paragraph_pushed = false;
                } else {
                    let kind = if self.pending.is_some() {
                        BlockKind::IdParagraph
                    } else {
                        BlockKind::Paragraph
                    };
                    self.blocks.push(Block::new(kind, line));
                    self.paragraph_pushed = true;
                }
            }
            Tag::List(start) => {
                self.pending = None;
                self.lists.push(start.is_some());
            }
            Tag::Item => {
                let ordered = self.lists.last().copied().unwrap_or(false);
                if !ordered && self.in_ordered_item() {
                    if let Some(b) = self.blocks.last_mut() {
                        b.push_separator();
                    }
                    self.items.push(false);
                } else {
                    let kind = if ordered {
                        BlockKind::Ordered
                    } else {
                        BlockKind::Bullet
                    };
                    self.blocks.push(Block::new(kind, line));
                    self.items.push(true);
                }
            }
            Tag::BlockQuote(_) | Tag::DefinitionList => self.pending = None,
            Tag::Strong => {
                if let Some(b) = self.blocks.last_mut() {
                    if b.bold == Bold::Start {
                        b.bold = Bold::Open(String::new());
                    }
                }
            }
            Tag::Link { dest_url, .. } => {
                self.links += 1;
                if dest_url.starts_with('#') {
                    if let Some(b) = self.blocks.last_mut() {
                        b.anchor_link = true;
                    }
                }
            }
            Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::Emphasis
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::Table
            | TagEnd::FootnoteDefinition
            | TagEnd::MetadataBlock(_)
            | TagEnd::Image => self.skip = self.skip.saturating_sub(1),
            TagEnd::Heading(_) => {
                if let Some(b) = self.blocks.pop() {
                    self.heading(b);
                }
            }
            TagEnd::Paragraph => {
                if self.paragraph_pushed {
                    self.paragraph_pushed = false;
                    if let Some(b) = self.blocks.pop() {
                        self.emit(b);
                    }
                }
            }
            TagEnd::List(_) => {
                self.lists.pop();
            }
            TagEnd::Item => {
                if self.items.pop().unwrap_or(false) {
                    if let Some(b) = self.blocks.pop() {
                        self.emit(b);
                    }
                }
            }
            TagEnd::Strong => {
                if let Some(b) = self.blocks.last_mut() {
                    if let Bold::Open(s) = &b.bold {
                        b.bold = Bold::Leading(s.clone());
                    }
                }
            }
            TagEnd::Link => self.links = self.links.saturating_sub(1),
            TagEnd::BlockQuote(_)
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::TableCell
            | TagEnd::Emphasis
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript => {}
        }
    }

    fn heading(&mut self, block: Block) {
        let BlockKind::Heading(level) = block.kind else {
            return;
        };
        let text = block.buf.trim().to_string();
        if self.skip > 0 {
            return;
        }
        while self.headings.last().is_some_and(|(l, _)| *l >= level) {
            self.headings.pop();
        }
        if TOC_HEADINGS.contains(&text.to_lowercase().as_str()) {
            self.toc = Some(level);
        }
        if self.toc.is_some() {
            return;
        }
        if let Some((id, cut)) = find_id(&block) {
            self.pending = Some(IdHeading {
                id,
                title: text.get(cut..).unwrap_or("").trim().to_string(),
                line: block.line,
                path: self.path(),
            });
        }
        self.headings.push((level, text));
    }

    fn path(&self) -> Vec<String> {
        self.headings.iter().map(|(_, t)| t.clone()).collect()
    }

    fn emit(&mut self, block: Block) {
        if self.skipping() {
            return;
        }
        let text = block.buf.trim();
        if text.is_empty() {
            return;
        }
        if block.kind == BlockKind::IdParagraph {
            if let Some(h) = self.pending.take() {
                let title = if h.title.is_empty() {
                    make_title(text)
                } else {
                    h.title
                };
                self.records.push(RequirementRecord {
                    ext_id: Some(h.id),
                    title,
                    text: text.to_string(),
                    line: h.line,
                    heading_path: h.path,
                });
                return;
            }
        }
        self.pending = None;
        // A hand-written table of contents: items that are only links to anchors.
        if matches!(block.kind, BlockKind::Ordered | BlockKind::Bullet)
            && block.anchor_link
            && !block.plain_text
        {
            return;
        }
        let id = find_id(&block);
        let whole = block.kind == BlockKind::Ordered || id.is_some();
        if whole {
            let (ext_id, rest) = match id {
                Some((id, cut)) => (Some(id), block.buf.get(cut..).unwrap_or("").trim()),
                None => (None, text),
            };
            if rest.is_empty() {
                return;
            }
            self.records.push(RequirementRecord {
                ext_id,
                title: make_title(rest),
                text: rest.to_string(),
                line: block.line,
                heading_path: self.path(),
            });
            return;
        }
        for (s, e) in sentences(&block.buf) {
            let sentence = &block.buf[s..e];
            if crate::record::has_modal(sentence) {
                self.records.push(RequirementRecord {
                    ext_id: None,
                    title: make_title(sentence),
                    text: sentence.to_string(),
                    line: block.line_at(s),
                    heading_path: self.path(),
                });
            }
        }
    }
}

/// The ID a block starts with, and the byte length to cut from its text.
fn find_id(block: &Block) -> Option<(String, usize)> {
    let text = block.buf.as_str();
    if let Some(found) = split_id(text, false) {
        return Some(found);
    }
    // `**REQ-1** The system …`: an ID in bold needs no delimiter.
    let bold = block.leading_bold()?;
    let (id, cut) = split_id(text, true)?;
    let bold = bold.trim_end_matches([':', '.', ')']);
    (id == bold).then_some((id, cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(md: &str) -> Vec<(Option<String>, String, usize)> {
        parse_markdown(md)
            .unwrap()
            .into_iter()
            .map(|r| (r.ext_id, r.text, r.line))
            .collect()
    }

    #[test]
    fn shall_sentences_and_numbered_items() {
        let md = "# Spec\n\nIntro text. The system shall log in.\nIt must be fast. Nice.\n\n1. First item\n2. Second item\n";
        assert_eq!(
            texts(md),
            vec![
                (None, "The system shall log in.".into(), 3),
                (None, "It must be fast.".into(), 4),
                (None, "First item".into(), 6),
                (None, "Second item".into(), 7),
            ]
        );
    }

    #[test]
    fn bold_ids() {
        let md = "- **REQ-1** The system shall work.\n- **Note** the system shall not.\n";
        let r = parse_markdown(md).unwrap();
        assert_eq!(r[0].ext_id.as_deref(), Some("REQ-1"));
        assert_eq!(r[0].text, "The system shall work.");
        assert_eq!(r[1].ext_id, None);
        assert_eq!(r[1].text, "Note the system shall not.");
    }

    #[test]
    fn nested_bullets_join_the_numbered_item() {
        let md = "1. The system shall support:\n   - passwords\n   - SSO\n2. Next\n   1. Nested numbered\n";
        let r = texts(md);
        assert_eq!(r[0].1, "The system shall support: passwords; SSO");
        assert_eq!(r[1].1, "Next");
        assert_eq!(r[2].1, "Nested numbered");
    }
}
