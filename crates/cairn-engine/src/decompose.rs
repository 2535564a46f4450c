//! Decomposition: find the actors and actions in a functional requirement
//! and fill a class's templates into proposed epics, stories and tasks.

use crate::lint::VERBS;
use crate::text::words;
use cairn_core::decompose::Template;

/// One thing an actor can do, found in a requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub actor: String,
    pub action: String,
    pub object: String,
}

/// A proposed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub acceptance: String,
    /// Index of the proposal this one sits under (the epic).
    pub parent: Option<usize>,
}

const SYSTEMS: &[&str] = &[
    "system",
    "application",
    "product",
    "software",
    "app",
    "platform",
    "service",
    "tool",
    "website",
    "site",
    "portal",
];
const MODALS: &[&str] = &["shall", "must", "will", "should", "can", "may"];
const GRANTS: &[&str] = &[
    "allow", "allows", "enable", "enables", "permit", "permits", "let", "lets",
];
const CLAUSE_END: &[&str] = &[
    "so", "in", "when", "if", "within", "after", "before", "while", "because", "unless",
];

/// "The system shall …" → "…"; the rest of the title otherwise.
pub fn subject(title: &str) -> String {
    let ws = words(title);
    if let Some(m) = ws.iter().position(|w| MODALS.iter().any(|x| w.is(x))) {
        let mut start = m + 1;
        if ws.get(start).is_some_and(|w| w.is("be"))
            && ws.get(start + 1).is_some_and(|w| w.is("able"))
        {
            start += 3;
        }
        if let Some(w) = ws.get(start) {
            let s = title[w.span.start..].trim_end_matches(['.', ' ']);
            let mut c = s.chars();
            return c
                .next()
                .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect());
        }
    }
    title.trim_end_matches(['.', ' ']).to_string()
}

/// The reason a requirement gives ("so that …", "in order to …").
fn ends(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for marker in ["so that ", "in order to "] {
        if let Some(p) = lower.find(marker) {
            let e = text[p + marker.len()..].trim().trim_end_matches('.').trim();
            if !e.is_empty() {
                let e = if marker == "in order to " {
                    format!("I can {e}")
                } else {
                    e.to_string()
                };
                return Some(e);
            }
        }
    }
    None
}

/// The actors and actions of a functional requirement: "The system shall
/// allow the clerk to create, edit and approve invoices" → clerk/create/
/// invoices, clerk/edit/invoices, clerk/approve/invoices.
pub fn actions(text: &str) -> Vec<Action> {
    let ws = words(text);
    let Some(m) = ws.iter().position(|w| MODALS.iter().any(|x| w.is(x))) else {
        return Vec::new();
    };
    let lower: Vec<String> = ws.iter().map(|w| w.lower()).collect();
    let subject: Vec<&str> = lower[..m]
        .iter()
        .map(String::as_str)
        .filter(|w| !["the", "a", "an", "each", "every", "any"].contains(w))
        .collect();
    let mut actor = if subject.is_empty() || subject.iter().any(|w| SYSTEMS.contains(w)) {
        None
    } else {
        Some(subject.join(" "))
    };
    let mut i = m + 1;
    if lower.get(i).is_some_and(|w| w == "be") && lower.get(i + 1).is_some_and(|w| w == "able") {
        i += 3;
    }
    if lower.get(i).is_some_and(|w| GRANTS.contains(&w.as_str())) {
        // allow <actor> to <verbs>
        let to = (i + 1..lower.len()).find(|&k| lower[k] == "to");
        if let Some(to) = to {
            let a: Vec<&str> = lower[i + 1..to]
                .iter()
                .map(String::as_str)
                .filter(|w| !["the", "a", "an", "all", "each"].contains(w))
                .collect();
            if !a.is_empty() {
                actor = Some(a.join(" "));
            }
            i = to + 1;
        } else {
            i += 1;
        }
    } else if lower.get(i).is_some_and(|w| w == "provide") {
        // provide <actor> with the ability to <verb>
        if let Some(to) = (i + 1..lower.len()).find(|&k| lower[k] == "to") {
            if let Some(with) = (i + 1..to).find(|&k| lower[k] == "with") {
                let a: Vec<&str> = lower[i + 1..with]
                    .iter()
                    .map(String::as_str)
                    .filter(|w| !["the", "a", "an", "all"].contains(w))
                    .collect();
                if !a.is_empty() {
                    actor = Some(a.join(" "));
                }
            }
            i = to + 1;
        }
    }
    let actor = actor.unwrap_or_else(|| "user".to_string());
    // Verbs joined by commas, and, or.
    let mut verbs = Vec::new();
    let mut k = i;
    while k < lower.len() {
        let w = lower[k].as_str();
        if VERBS.contains(&w) || (verbs.is_empty() && k == i) {
            verbs.push(w.to_string());
            k += 1;
            let before = k;
            while lower
                .get(k)
                .is_some_and(|x| x == "and" || x == "or" || x == "and/or")
            {
                k += 1;
            }
            if !lower.get(k).is_some_and(|x| VERBS.contains(&x.as_str())) {
                // "create invoices and reports": the conjunction belongs to the object.
                k = before;
                break;
            }
        } else {
            break;
        }
    }
    if verbs.is_empty() {
        return Vec::new();
    }
    // The object runs to the end of the clause.
    let end = (k..lower.len())
        .find(|&e| CLAUSE_END.contains(&lower[e].as_str()) && e > k)
        .unwrap_or(lower.len());
    let object = match (ws.get(k), end.checked_sub(1).and_then(|e| ws.get(e))) {
        (Some(a), Some(b)) if end > k => text[a.span.start..b.span.end]
            .trim_end_matches([',', '.'])
            .to_string(),
        _ => String::new(),
    };
    verbs
        .into_iter()
        .map(|v| Action {
            actor: actor.clone(),
            action: v,
            object: object.clone(),
        })
        .collect()
}

fn fill(s: &str, key: &str, title: &str, subject: &str, a: Option<&Action>, ends: &str) -> String {
    let mut out = s
        .replace("{key}", key)
        .replace("{title}", title)
        .replace("{subject}", subject);
    if let Some(a) = a {
        out = out
            .replace("{actor}", &a.actor)
            .replace("{action}", &a.action)
            .replace("{object}", &a.object)
            .replace("{ends}", ends);
    } else {
        out = out.replace("{ends}", "");
    }
    // "to create  " when the object is empty.
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

/// Fill a template for a requirement.
pub fn propose(template: &Template, key: &str, title: &str, text: &str) -> Vec<Proposal> {
    let subject = subject(title);
    let ends = ends(text)
        .map(|e| format!(", so that {e}"))
        .unwrap_or_default();
    let found = actions(text);
    let generic = [Action {
        actor: "user".into(),
        action: "use".into(),
        object: subject.to_lowercase(),
    }];
    let acts: &[Action] = if found.is_empty() { &generic } else { &found };
    let mut out = Vec::new();
    let epic = template.epic.as_ref().map(|e| {
        out.push(Proposal {
            kind: "epic".into(),
            title: fill(e, key, title, &subject, None, ""),
            description: format!("Delivers {key}."),
            acceptance: String::new(),
            parent: None,
        });
        0
    });
    for it in &template.items {
        let list: Vec<Option<&Action>> = if it.per_action {
            acts.iter().map(Some).collect()
        } else {
            vec![None]
        };
        for a in list {
            out.push(Proposal {
                kind: it.kind.clone(),
                title: fill(&it.title, key, title, &subject, a, &ends),
                description: fill(&it.description, key, title, &subject, a, &ends),
                acceptance: keep_lines(&it.acceptance, |l| fill(l, key, title, &subject, a, &ends)),
                parent: epic,
            });
        }
    }
    out
}

/// Fill line by line, keeping Gherkin indentation.
fn keep_lines(s: &str, f: impl Fn(&str) -> String) -> String {
    s.lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            format!("{}{}", &l[..indent], f(l.trim_start()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acts(t: &str) -> Vec<(String, String, String)> {
        actions(t)
            .into_iter()
            .map(|a| (a.actor, a.action, a.object))
            .collect()
    }

    #[test]
    fn actors_and_actions() {
        assert_eq!(
            acts("The system shall allow the billing clerk to create, edit and approve invoices."),
            vec![
                ("billing clerk".into(), "create".into(), "invoices".into()),
                ("billing clerk".into(), "edit".into(), "invoices".into()),
                ("billing clerk".into(), "approve".into(), "invoices".into()),
            ]
        );
        assert_eq!(
            acts("A nurse must be able to view the patient's allergies when prescribing."),
            vec![(
                "nurse".into(),
                "view".into(),
                "the patient's allergies".into()
            )]
        );
        assert_eq!(
            acts("The system shall export the monthly report as CSV"),
            vec![(
                "user".into(),
                "export".into(),
                "the monthly report as CSV".into()
            )]
        );
        assert!(acts("Nothing to see here").is_empty());
        assert_eq!(
            subject("The system shall export reports."),
            "Export reports"
        );
    }

    #[test]
    fn proposals_fill_templates() {
        let t = cairn_core::decompose::builtin();
        let p = propose(
            &t["functional"],
            "REQ-7",
            "The system shall allow the clerk to create and approve invoices",
            "The system shall allow the clerk to create and approve invoices so that payments are timely.",
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].kind, "epic");
        assert_eq!(
            p[1].title,
            "As a clerk, I want to create invoices, so that payments are timely"
        );
        assert!(
            p[1].acceptance.contains("  When I create invoices"),
            "{}",
            p[1].acceptance
        );
        assert_eq!(p[2].parent, Some(0));
        let s = propose(
            &t["security"],
            "REQ-8",
            "Only authorised staff shall read records",
            "Only authorised staff shall read records",
        );
        assert!(
            s.iter()
                .any(|x| x.title.starts_with("Threat model for REQ-8"))
        );
    }
}
