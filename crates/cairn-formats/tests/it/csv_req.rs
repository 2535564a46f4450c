//! Requirement intake from CSV.

use cairn_formats::csv_req::parse_csv;

const SAMPLE: &str = include_str!("data/requirements.csv");

#[test]
fn realistic_file_snapshot() {
    let records = parse_csv(SAMPLE).unwrap();
    insta::assert_debug_snapshot!(records);
}

#[test]
fn columns_are_matched_by_alias_and_lines_are_csv_lines() {
    let records = parse_csv(SAMPLE).unwrap();
    let got: Vec<(Option<&str>, &str, usize)> = records
        .iter()
        .map(|r| (r.ext_id.as_deref(), r.title.as_str(), r.line))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("R-1"), "Card payment", 2),
            (
                Some("R-2"),
                "The checkout shall show the total amount, including VAT",
                3
            ),
            (Some("R-3"), "Token only", 4),
            (Some("R-4"), "Invoice PDF", 7),
        ]
    );
    assert_eq!(
        records[2].text,
        "Card numbers must never be stored; only the provider's token is kept."
    );
    assert_eq!(records[0].heading_path, vec!["Functional", "Checkout"]);
    assert_eq!(records[3].heading_path, vec!["Functional", "Invoices"]);
}

#[test]
fn only_a_text_column_is_needed() {
    let records = parse_csv("TEXT\nThe system shall log in.\r\nIt must log out.\r\n").unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].ext_id, None);
    assert_eq!(records[1].title, "It must log out");
    assert_eq!(records[1].line, 3);
    assert!(records[1].heading_path.is_empty());
}

#[test]
fn semicolons_and_a_byte_order_mark_are_read() {
    let records =
        parse_csv("\u{feff}key;description\nA-1;The system shall work, always.\n").unwrap();
    assert_eq!(records[0].ext_id.as_deref(), Some("A-1"));
    assert_eq!(records[0].text, "The system shall work, always.");
}

#[test]
fn missing_text_column_names_the_header_and_the_accepted_names() {
    let err = parse_csv("ID,Name,Prio\nR-1,Login,High\n").unwrap_err();
    assert_eq!(err.line, Some(1));
    assert!(err.message.contains("`ID,Name,Prio`"), "{err}");
    for name in ["text", "requirement", "description", "requirement text"] {
        assert!(err.message.contains(name), "{err}");
    }
}

#[test]
fn empty_text_names_the_line() {
    let err = parse_csv("id,text\nR-1,The system shall x.\nR-2,  \n").unwrap_err();
    assert_eq!(err.line, Some(3));
    assert!(
        err.to_string()
            .starts_with("line 3: the text column `text` is empty"),
        "{err}"
    );
}

#[test]
fn wrong_field_count_names_the_line() {
    let err =
        parse_csv("id,text\nR-1,The system shall x.\nR-2,The system, shall y.\n").unwrap_err();
    assert_eq!(err.line, Some(3));
    assert!(
        err.message.contains("3 field(s) but the header has 2"),
        "{err}"
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let err = parse_csv("id,text\nR-1,a\nR-1,b\n").unwrap_err();
    assert_eq!(err.line, Some(3));
    assert!(err.message.contains("lines 2 and 3"), "{err}");
}

#[test]
fn empty_inputs_are_errors() {
    assert!(
        parse_csv("")
            .unwrap_err()
            .message
            .starts_with("the CSV file is empty")
    );
    let err = parse_csv("id,text\n").unwrap_err();
    assert!(err.message.starts_with("no requirements found"), "{err}");
}

#[test]
fn lines_are_right_with_any_line_ends() {
    for text in [
        "TEXT\nA\r\nB\r\nC\n",
        "TEXT\r\nA\r\nB\r\nC\r\n",
        "TEXT\nA\nB\nC",
        "TEXT\r\n\r\nA\r\n\r\nB\r\nC\r\n",
    ] {
        let lines: Vec<usize> = parse_csv(text).unwrap().iter().map(|r| r.line).collect();
        let want = if text.contains("\r\n\r\n") {
            vec![3, 5, 6]
        } else {
            vec![2, 3, 4]
        };
        assert_eq!(lines, want, "{text:?}");
    }
    let quoted: Vec<usize> = parse_csv("TEXT\r\n\"A\r\nx\"\r\nB\r\n")
        .unwrap()
        .iter()
        .map(|r| r.line)
        .collect();
    assert_eq!(quoted, vec![2, 4]);
}
