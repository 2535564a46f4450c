//! Keeps docs/query-language.md honest: every example compiles, and every
//! error example is the real rendered output.

use crate::{now, schema};
use cairn_query::compile;

const DOC: &str = include_str!("../../../../docs/query-language.md");

/// The lines of the `## {title}` section.
fn section(title: &str) -> Vec<&'static str> {
    let heading = format!("## {title}");
    DOC.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect()
}

#[test]
fn examples_compile() {
    let examples: Vec<&str> = section("Examples")
        .into_iter()
        .filter_map(|l| l.strip_prefix("| `")?.split_once("` |").map(|(q, _)| q))
        .collect();
    assert!(examples.len() >= 15, "{examples:?}");
    for query in examples {
        if let Err(d) = compile(query, &schema(), now()) {
            panic!("{}", d.render(query));
        }
    }
}

#[test]
fn error_examples_are_real_output() {
    let lines = section("Errors");
    let mut blocks = 0;
    let mut i = 0;
    while i < lines.len() {
        if let Some(query) = lines[i].strip_prefix("> ") {
            let expected: Vec<&str> = lines[i + 1..]
                .iter()
                .take_while(|l| **l != "```")
                .copied()
                .collect();
            let rendered = compile(query, &schema(), now()).unwrap_err().render(query);
            assert_eq!(rendered, expected.join("\n") + "\n", "{query}");
            blocks += 1;
            i += expected.len();
        }
        i += 1;
    }
    assert!(blocks >= 10);
}
