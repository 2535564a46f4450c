//! Story parsing measured against the hand-annotated Persona and Benefit
//! spans of ../shared/data/user-stories/annotations.

use cairn_engine::story::{Annotated, evaluate};
use std::path::PathBuf;

pub fn annotations_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/user-stories/annotations"
    ))
}

/// Read every annotation file. Fails (never skips) when the data is missing.
pub fn load_annotations() -> Vec<Annotated> {
    let dir = annotations_dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; the shared data must sit beside the repository",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 9, "nine annotated backlogs");
    let mut out = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(&f)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let spans = |label: &str| -> Vec<(usize, usize)> {
                v["entities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|e| e["label"] == label)
                    .map(|e| {
                        (
                            e["start_offset"].as_u64().unwrap() as usize,
                            e["end_offset"].as_u64().unwrap() as usize,
                        )
                    })
                    .collect()
            };
            out.push(Annotated {
                text: v["text"].as_str().unwrap().to_string(),
                persona: spans("Persona"),
                benefit: spans("Benefit"),
            });
        }
    }
    out
}

#[test]
fn persona_and_benefit_spans_match_the_annotations() {
    let stories = load_annotations();
    assert!(stories.len() > 550, "{} stories", stories.len());
    let (persona, benefit) = evaluate(&stories);
    println!(
        "persona: P {:.3} R {:.3} ({persona:?})\nbenefit: P {:.3} R {:.3} ({benefit:?})",
        persona.precision(),
        persona.recall(),
        benefit.precision(),
        benefit.recall()
    );
    assert!(
        persona.precision() >= 0.95 && persona.recall() >= 0.95,
        "{persona:?}"
    );
    assert!(
        benefit.precision() >= 0.90 && benefit.recall() >= 0.90,
        "{benefit:?}"
    );
}
