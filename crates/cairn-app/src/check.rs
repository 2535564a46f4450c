//! `cairn check`: problems in the backlog that writes may not refuse
//! (cycles of blocks links) or that a config change left behind.

use crate::{App, Result};
use cairn_core::{ItemKey, Kind, LinkKind};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// A stable id, e.g. `blocks-cycle`.
    pub code: &'static str,
    pub message: String,
    pub keys: Vec<String>,
}

impl App {
    pub fn check(&mut self) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        let blocks: Vec<(ItemKey, ItemKey)> = self
            .store()
            .links(Some(LinkKind::Blocks))?
            .into_iter()
            .map(|(l, _)| (l.src, l.dst))
            .collect();
        for cycle in cairn_engine::graph::cycles(&blocks) {
            let path: Vec<String> = cycle.iter().map(ToString::to_string).collect();
            out.push(Finding {
                severity: "error",
                code: "blocks-cycle",
                message: format!(
                    "these items block each other in a cycle, so none can start: {}; remove one of the links (`cairn unlink A blocks B`)",
                    path.join(" blocks ")
                ),
                keys: path[..path.len() - 1].to_vec(),
            });
        }

        // Done items still blocked by open ones.
        let rows = self.store().backend().query(
            "SELECT d.key, s.key, s.state FROM links l JOIN items s ON s.id = l.src_id \
             JOIN items d ON d.id = l.dst_id \
             WHERE l.kind = 'blocks' AND d.category = 'done' AND s.category <> 'done' ORDER BY d.id, s.id",
            &[],
        )?;
        for r in rows {
            let (d, s, st) = (
                r[0].as_str().unwrap_or("?").to_string(),
                r[1].as_str().unwrap_or("?").to_string(),
                r[2].as_str().unwrap_or("?").to_string(),
            );
            out.push(Finding {
                severity: "warning",
                code: "done-but-blocked",
                message: format!(
                    "{d} is done but still blocked by {s} ({st}); finish {s} or remove the link"
                ),
                keys: vec![d, s],
            });
        }

        // Parents the hierarchy rules no longer allow.
        let rows = self.store().backend().query(
            "SELECT c.key, c.kind, p.key, p.kind FROM items c JOIN items p ON p.id = c.parent_id ORDER BY c.id",
            &[],
        )?;
        let mut bad_pairs: HashMap<(Kind, Kind), Vec<String>> = HashMap::new();
        for r in rows {
            let ck = r[1].as_str().and_then(Kind::parse);
            let pk = r[3].as_str().and_then(Kind::parse);
            if let (Some(ck), Some(pk)) = (ck, pk)
                && !self.config().allows_parent(pk, ck)
            {
                bad_pairs
                    .entry((pk, ck))
                    .or_default()
                    .push(r[0].as_str().unwrap_or("?").to_string());
            }
        }
        let mut pairs: Vec<_> = bad_pairs.into_iter().collect();
        pairs.sort();
        for ((pk, ck), keys) in pairs {
            out.push(Finding {
                severity: "error",
                code: "hierarchy",
                message: format!(
                    "{} {ck}(s) have a {pk} parent, which the hierarchy in the workspace config does not allow: {}",
                    keys.len(),
                    keys.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
                ),
                keys,
            });
        }
        Ok(out)
    }
}
