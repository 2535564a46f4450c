//! The ReqIF reader on files exported by IBM DOORS and Eclipse RMF (../shared/data/reqif,
//! from the strictdoc-project/reqif test suite, Apache-2.0 licence).

use cairn_formats::reqif::{ValueKind, parse};
use std::path::PathBuf;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/reqif");

fn read(name: &str) -> String {
    let path = PathBuf::from(SAMPLES).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); it lives in shared/data/reqif",
            path.display()
        )
    })
}

/// (file, spec objects, relations, specifications, hierarchy nodes kept, warnings > 0)
const EXPECTED: &[(&str, usize, usize, usize, usize, bool)] = &[
    // A specification type and an attribute definition the file does not define.
    (
        "Doors-01_anonimized_example_date_data_type.reqif",
        1,
        0,
        1,
        0,
        true,
    ),
    ("Doors-02_example_from_a_user.reqif", 3, 0, 1, 3, false),
    // Only spec objects: every type and definition reference dangles.
    ("Doors-03_example_from_a_user.reqif", 1, 0, 0, 0, true),
    ("Doors-04_example_from_a_user.reqif", 1, 0, 0, 0, true),
    ("Doors-05_example_from_a_user.reqif", 1, 0, 0, 0, true),
    // Both hierarchy nodes point at spec objects the file does not contain.
    ("Doors-06_example_from_a_user.reqif", 1, 0, 1, 0, true),
    (
        "Doors-10_example_capella_requirements_vp.reqif",
        1,
        0,
        1,
        1,
        false,
    ),
    (
        "org.eclipse.rmf-01_specRelationTest.reqif",
        2,
        1,
        1,
        2,
        false,
    ),
    ("org.eclipse.rmf-02_sample.reqif", 2, 0, 1, 2, false),
];

fn nodes(h: &[cairn_formats::reqif::Hierarchy]) -> usize {
    h.iter().map(|n| 1 + nodes(&n.children)).sum()
}

#[test]
fn every_shared_file_keeps_every_object_and_relation() {
    let mut names: Vec<String> = std::fs::read_dir(SAMPLES)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".reqif"))
        .collect();
    names.sort();
    assert_eq!(names, EXPECTED.iter().map(|e| e.0).collect::<Vec<_>>());
    for &(file, objects, relations, specs, kept, warns) in EXPECTED {
        let r = parse(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = (
            r.objects.len(),
            r.relations.len(),
            r.specifications.len(),
            r.specifications
                .iter()
                .map(|s| nodes(&s.children))
                .sum::<usize>(),
            !r.warnings.is_empty(),
        );
        assert_eq!(
            got,
            (objects, relations, specs, kept, warns),
            "{file}: {:?}",
            r.warnings
        );
        // Every spec object becomes exactly one requirement, with a title and a text.
        let reqs = r.requirements();
        assert_eq!(reqs.len(), objects, "{file}");
        for q in &reqs {
            assert!(
                !q.title.trim().is_empty() && !q.text.trim().is_empty(),
                "{file}: {q:?}"
            );
            assert!(q.ext_id.is_some());
        }
        for w in &r.warnings {
            assert!(w.line > 0, "{file}: {w:?}");
        }
    }
}

#[test]
fn text_titles_and_hierarchy_from_real_exports() {
    // DOORS: headings live in ReqIF.ChapterName as XHTML.
    let r = parse(&read("Doors-02_example_from_a_user.reqif")).unwrap();
    let reqs = r.requirements();
    assert_eq!(reqs[0].title, "Carbon Trust Standard");
    assert!(
        r.objects[0]
            .values
            .iter()
            .any(|v| v.kind == ValueKind::Integer && v.name == "ReqIF.ForeignID")
    );
    // Capella: a LONG-NAME on the object, the text in ReqIF.Text, an enumeration by name.
    let r = parse(&read("Doors-10_example_capella_requirements_vp.reqif")).unwrap();
    let o = &r.objects[0];
    assert_eq!(o.long_name.as_deref(), Some("Requirement-1"));
    assert!(
        o.values
            .iter()
            .any(|v| v.kind == ValueKind::Enumeration && !v.text.is_empty())
    );
    // RMF: a relation between the two objects, and a nested hierarchy.
    let r = parse(&read("org.eclipse.rmf-01_specRelationTest.reqif")).unwrap();
    let rel = &r.relations[0];
    assert!(r.objects.iter().any(|o| o.id == rel.source));
    assert!(r.objects.iter().any(|o| o.id == rel.target));
    let reqs = r.requirements();
    assert_eq!(reqs[1].heading_path.len(), reqs[0].heading_path.len() + 1);
    // Doors-04: markup written as escaped text stays text.
    let r = parse(&read("Doors-04_example_from_a_user.reqif")).unwrap();
    assert!(
        r.objects[0]
            .values
            .iter()
            .any(|v| v.text.contains("<FOOOOO> BAR")),
        "{:?}",
        r.objects[0].values
    );
    // Doors-06: the warning names the missing spec object and the line.
    let r = parse(&read("Doors-06_example_from_a_user.reqif")).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("which the file does not contain")),
        "{:?}",
        r.warnings
    );
}
