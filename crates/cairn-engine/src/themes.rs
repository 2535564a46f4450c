//! Themes: groups of similar texts (customer feedback), found by star
//! clustering over the similarity pairs.
//!
//! Every text similar to at least one other is a candidate centre. Taking
//! the texts with the most similar neighbours first, each becomes the
//! centre of a theme holding its neighbours not yet in a theme. So every
//! member is similar to its centre itself, not merely through a chain of
//! neighbours: a theme cannot drift from "PDF export" to "PDF invoices" to
//! "invoice reminders".

use crate::similarity::Corpus;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The text the others are grouped around.
    pub centre: usize,
    /// Every member, the centre first (score 1), then by similarity to the
    /// centre.
    pub members: Vec<Member>,
    /// The words the members have in common.
    pub terms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    pub doc: usize,
    /// Cosine similarity to the centre.
    pub score: f64,
}

/// The themes of a corpus at `threshold`, largest first. Texts similar to
/// no other are in no theme.
pub fn themes(c: &Corpus, threshold: f64) -> Vec<Theme> {
    let n = c.len();
    let mut adj: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
    for p in c.pairs(threshold) {
        adj[p.a].push((p.b as u32, p.score as f32));
        adj[p.b].push((p.a as u32, p.score as f32));
    }
    let strength: Vec<f64> = adj
        .iter()
        .map(|v| v.iter().map(|(_, s)| f64::from(*s)).sum())
        .collect();
    let mut order: Vec<usize> = (0..n).filter(|&d| !adj[d].is_empty()).collect();
    order.sort_by(|&a, &b| {
        adj[b]
            .len()
            .cmp(&adj[a].len())
            .then(strength[b].total_cmp(&strength[a]))
            .then(a.cmp(&b))
    });
    let mut taken = vec![false; n];
    let mut out = Vec::new();
    for centre in order {
        if taken[centre] {
            continue;
        }
        let mut members: Vec<Member> = adj[centre]
            .iter()
            .filter(|(d, _)| !taken[*d as usize])
            .map(|&(d, s)| Member {
                doc: d as usize,
                score: f64::from(s),
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        members.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        taken[centre] = true;
        for m in &members {
            taken[m.doc] = true;
        }
        members.insert(
            0,
            Member {
                doc: centre,
                score: 1.0,
            },
        );
        let docs: Vec<usize> = members.iter().map(|m| m.doc).collect();
        // Bare numbers ("2" of "2 MB") say little as a theme's name.
        let words = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .filter(|t| !t.chars().all(|c| c.is_ascii_digit()))
                .take(4)
                .collect()
        };
        let mut terms = words(c.group_terms(&docs, 6));
        if terms.is_empty() {
            terms = words(c.shared_terms(centre, docs[1], 4));
        }
        out.push(Theme {
            centre,
            members,
            terms,
        });
    }
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.centre.cmp(&b.centre))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn feedback_groups_by_topic_with_its_words() {
        let texts = [
            "Please let us export invoices to PDF",
            "Exporting invoices as PDF files would save us hours",
            "We need a PDF export of every invoice",
            "Dark mode for the dashboard, my eyes hurt at night",
            "The dashboard needs a dark mode",
            "Login with Google would be nice",
        ];
        let c = Corpus::build(&texts);
        let ts = themes(&c, 0.3);
        assert_eq!(ts.len(), 2, "{ts:?}");
        let mut first: Vec<usize> = ts[0].members.iter().map(|m| m.doc).collect();
        first.sort_unstable();
        assert_eq!(first, vec![0, 1, 2]);
        assert!(
            ts[0].terms.contains(&"pdf".to_string()),
            "{:?}",
            ts[0].terms
        );
        let mut second: Vec<usize> = ts[1].members.iter().map(|m| m.doc).collect();
        second.sort_unstable();
        assert_eq!(second, vec![3, 4]);
        assert!(
            ts[1].terms.contains(&"dark".to_string()),
            "{:?}",
            ts[1].terms
        );
    }

    proptest! {
        /// Every member is similar to its own centre, and no text is in
        /// two themes.
        #[test]
        fn members_are_near_their_centre(
            docs in proptest::collection::vec(
                proptest::collection::vec(prop::sample::select(vec!["pdf", "export", "invoice", "dark", "mode", "login", "google", "report"]), 0..5),
                0..30),
            t in 0.2f64..0.9,
        ) {
            let texts: Vec<String> = docs.iter().map(|d| d.join(" ")).collect();
            let c = Corpus::build(&texts);
            let ts = themes(&c, t);
            let mut seen = vec![false; texts.len()];
            for th in &ts {
                prop_assert!(th.members.len() >= 2);
                prop_assert_eq!(th.members[0].doc, th.centre);
                for m in &th.members {
                    prop_assert!(!seen[m.doc]);
                    seen[m.doc] = true;
                    if m.doc != th.centre {
                        prop_assert!(c.similarity(th.centre, m.doc) >= t - 1e-6);
                    }
                }
            }
        }
    }
}
