//! Requirement intake from CSV.
//!
//! The first row is a header. Columns are matched by name, ignoring case, spaces, `_` and
//! `-`:
//!
//! | role | names | |
//! |---|---|---|
//! | text | `text`, `requirement text`, `requirement`, `description` | required |
//! | id | `id`, `requirement id`, `req id`, `key`, `ref` | optional |
//! | title | `title`, `summary`, `name` | optional; else the first sentence of the text |
//! | section | `section`, `heading`, `chapter` | optional; split on ` > ` or `/` into the heading path |
//!
//! When several columns fit one role, the earliest name in the list wins. Other columns are
//! ignored. The separator is `,`, or `;` or a tab when the header line has more of those.
//! Rows whose fields are all empty are skipped. Reading is all-or-nothing: the first problem
//! (a missing text column, an empty text, a row with the wrong number of fields, a duplicate
//! ID) is returned and no record is.

use crate::FormatError;
use crate::record::{RequirementRecord, check_duplicate_ids, collapse_ws, make_title};

const TEXT_NAMES: &[&str] = &["text", "requirementtext", "requirement", "description"];
const ID_NAMES: &[&str] = &["id", "requirementid", "reqid", "key", "ref"];
const TITLE_NAMES: &[&str] = &["title", "summary", "name"];
const SECTION_NAMES: &[&str] = &["section", "heading", "chapter"];

/// Reads the requirements of a CSV document, in row order; `line` is the CSV line a record
/// starts on.
///
/// # Errors
///
/// The first problem found, naming the line; no records are returned then.
pub fn parse_csv(text: &str) -> Result<Vec<RequirementRecord>, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FormatError::whole(
            "the CSV file is empty: its first line must be a header naming the columns, with \
             at least a text column (text, requirement, description or requirement text)",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(text, e))?.clone();
    let header_line = headers.position().map_or(1, |p| line_at(text, p.byte()));
    let names: Vec<String> = headers.iter().map(normalize).collect();
    let find = |aliases: &[&str]| {
        aliases
            .iter()
            .find_map(|a| names.iter().position(|n| n == a))
    };
    let Some(text_col) = find(TEXT_NAMES) else {
        let header: Vec<&str> = headers.iter().collect();
        return Err(FormatError::at(
            header_line,
            format!(
                "no requirement text column in the header `{}`: name one column text (or \
                 requirement, description, requirement text); optional columns are id (key, \
                 ref, requirement id), title (summary, name) and section (heading, chapter)",
                header.join(",")
            ),
        ));
    };
    let id_col = find(ID_NAMES);
    let title_col = find(TITLE_NAMES);
    let section_col = find(SECTION_NAMES);
    let width = headers.len();

    let mut records = Vec::new();
    let mut lines = Lines::new(text);
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(text, e))?;
        let line = row.position().map_or(0, |p| lines.line_at(p.byte()));
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if row.len() != width {
            return Err(FormatError::at(
                line,
                format!(
                    "this row has {} field(s) but the header has {width}: put each value in \
                     its column, and quote values that contain the separator (\"a, b\")",
                    row.len()
                ),
            ));
        }
        let field = |col: Option<usize>| {
            col.and_then(|c| row.get(c))
                .map(collapse_ws)
                .filter(|s| !s.is_empty())
        };
        let Some(body) = field(Some(text_col)) else {
            return Err(FormatError::at(
                line,
                format!(
                    "the text column `{}` is empty: write the requirement, or delete the row",
                    headers.get(text_col).unwrap_or("text")
                ),
            ));
        };
        let title = field(title_col).unwrap_or_else(|| make_title(&body));
        let heading_path = field(section_col)
            .map(|s| split_section(&s))
            .unwrap_or_default();
        records.push(RequirementRecord {
            ext_id: field(id_col),
            title,
            text: body,
            line,
            heading_path,
        });
    }
    if records.is_empty() {
        return Err(FormatError::whole(
            "no requirements found: the CSV file has a header but no rows; add one row per \
             requirement",
        ));
    }
    check_duplicate_ids(&records)?;
    Ok(records)
}

/// Lower case, letters and digits only: `Requirement ID` → `requirementid`.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `A > B` or `A/B` → `["A", "B"]`.
fn split_section(s: &str) -> Vec<String> {
    let parts: Vec<&str> = if s.contains(" > ") {
        s.split(" > ").collect()
    } else {
        s.split('/').collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// `,` unless the header line has more `;` or tabs (outside quotes).
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut comma, mut semi, mut tab) = (0, 0, 0);
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => comma += 1,
            ';' if !quoted => semi += 1,
            '\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// The 1-based line of the record that starts at byte `byte`. (The `csv` crate's own line
/// numbers are off by one after CRLF line ends, and a record's byte offset may point at the
/// end of the line before it, so line ends at the offset are skipped.)
fn line_at(text: &str, byte: u64) -> usize {
    Lines::new(text).line_at(byte)
}

/// Line numbers for increasing byte offsets, counted incrementally.
struct Lines<'t> {
    bytes: &'t [u8],
    at: usize,
    line: usize,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: u64) -> usize {
        let mut target = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while target < self.bytes.len() && matches!(self.bytes[target], b'\r' | b'\n') {
            target += 1;
        }
        if target < self.at {
            // Not increasing: count again from the start.
            self.at = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.at..target]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.at = target;
        self.line
    }
}

fn csv_error(text: &str, e: csv::Error) -> FormatError {
    let line = e.position().map(|p| line_at(text, p.byte()));
    FormatError {
        line,
        column: None,
        message: format!("unreadable CSV ({e}): check the quoting on this line"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sections() {
        assert_eq!(normalize("Requirement ID"), "requirementid");
        assert_eq!(normalize(" requirement_text "), "requirementtext");
        assert_eq!(split_section("A > B > C"), vec!["A", "B", "C"]);
        assert_eq!(split_section("A/B/"), vec!["A", "B"]);
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("id,text\n"), b',');
        assert_eq!(sniff_delimiter("id;text;\"a,b\"\n"), b';');
        assert_eq!(sniff_delimiter("id\ttext\n"), b'\t');
    }
}
