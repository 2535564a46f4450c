//! Lowering the query IR to SQL. Every value is bound as a parameter.

use crate::backend::Dialect;
use crate::value::Value;
use cairn_query::{CmpOp, Field, Filter, LinkFn, OrderBy, Scalar};

#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn bind(&mut self, v: Value) {
        self.text.push('?');
        self.params.push(v);
    }
}

fn op_sql(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

fn scalar(v: &Scalar) -> Value {
    match v {
        Scalar::Text(s) | Scalar::Date(s) => Value::Text(s.clone()),
        Scalar::Number(n) => Value::Real(*n),
        Scalar::Time(t) => Value::Int(*t),
    }
}

/// The SQL expression for a single-valued field that is a column (or a
/// subquery yielding one value), or None for multi-valued/special fields.
fn column(field: &Field) -> Option<&'static str> {
    Some(match field {
        Field::Key => "i.key",
        Field::Kind => "i.kind",
        Field::State => "i.state",
        Field::Category => "i.category",
        Field::Title => "i.title",
        Field::Assignee => "i.assignee",
        Field::Estimate => "i.estimate",
        Field::Created => "i.created",
        Field::Updated => "i.updated",
        Field::Resolved => "i.resolved",
        Field::Rank => "i.rank",
        _ => return None,
    })
}

/// Words of a full-text query: letters and digits, nothing else, so no
/// user text can reach the match syntax of either engine.
pub fn fts_words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// English stop words (PostgreSQL's `english` list): dropped from every
/// full-text query, so both backends answer the same.
const STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

pub fn filter(f: &Filter, d: Dialect, out: &mut Sql) {
    match f {
        Filter::All => out.push("1 = 1"),
        Filter::And(fs) | Filter::Or(fs) => {
            if fs.is_empty() {
                out.push(if matches!(f, Filter::And(_)) {
                    "1 = 1"
                } else {
                    "1 = 0"
                });
                return;
            }
            let joiner = if matches!(f, Filter::And(_)) {
                " AND "
            } else {
                " OR "
            };
            out.push("(");
            for (n, sub) in fs.iter().enumerate() {
                if n > 0 {
                    out.push(joiner);
                }
                filter(sub, d, out);
            }
            out.push(")");
        }
        Filter::Not(inner) => {
            // NOT over three-valued logic: an item whose field is empty
            // matches neither `x = v` nor `NOT x = v`, as in JQL.
            out.push("NOT (");
            filter(inner, d, out);
            out.push(")");
        }
        Filter::Compare { field, op, value } => compare(field, *op, value, out),
        Filter::In {
            field,
            values,
            negated,
        } => {
            if values.is_empty() {
                out.push(if *negated { "1 = 1" } else { "1 = 0" });
                return;
            }
            if let Some(col) = column(field) {
                out.push(col);
                out.push(if *negated { " NOT IN (" } else { " IN (" });
                for (n, v) in values.iter().enumerate() {
                    if n > 0 {
                        out.push(", ");
                    }
                    out.bind(scalar(v));
                }
                out.push(")");
            } else {
                // OR of equalities for the other fields (or NOT of it).
                if *negated {
                    out.push("NOT ");
                }
                out.push("(");
                for (n, v) in values.iter().enumerate() {
                    if n > 0 {
                        out.push(" OR ");
                    }
                    compare(field, CmpOp::Eq, v, out);
                }
                out.push(")");
                if *negated && !matches!(field, Field::Label | Field::Goal) {
                    // Single-valued fields: NOT IN never matches empty ones.
                    out.push(" AND ");
                    empty(field, true, out);
                }
            }
        }
        Filter::Empty { field, negated } => empty(field, *negated, out),
        Filter::Text { field, query } => text(field, query, d, out),
        Filter::Linked { func, key } => {
            let sub = match func {
                LinkFn::Blocks => {
                    "i.id IN (SELECT l.src_id FROM links l JOIN items t ON t.id = l.dst_id WHERE l.kind = 'blocks' AND t.key = ?)"
                }
                LinkFn::BlockedBy => {
                    "i.id IN (SELECT l.dst_id FROM links l JOIN items t ON t.id = l.src_id WHERE l.kind = 'blocks' AND t.key = ?)"
                }
                LinkFn::ChildrenOf => "i.parent_id IN (SELECT t.id FROM items t WHERE t.key = ?)",
                LinkFn::Implements => {
                    "i.id IN (SELECT l.src_id FROM links l JOIN items t ON t.id = l.dst_id WHERE l.kind = 'implements' AND t.key = ?)"
                }
                LinkFn::Verifies => {
                    "i.id IN (SELECT l.src_id FROM links l JOIN items t ON t.id = l.dst_id WHERE l.kind = 'verifies' AND t.key = ?)"
                }
                LinkFn::Relates => {
                    out.push("(i.id IN (SELECT l.src_id FROM links l JOIN items t ON t.id = l.dst_id WHERE l.kind = 'relates' AND t.key = ");
                    out.bind(Value::Text(key.clone()));
                    out.push(") OR i.id IN (SELECT l.dst_id FROM links l JOIN items t ON t.id = l.src_id WHERE l.kind = 'relates' AND t.key = ");
                    out.bind(Value::Text(key.clone()));
                    out.push("))");
                    return;
                }
            };
            let (head, tail) = sub.split_once('?').unwrap_or((sub, ""));
            out.push(head);
            out.bind(Value::Text(key.clone()));
            out.push(tail);
        }
    }
}

fn compare(field: &Field, op: CmpOp, value: &Scalar, out: &mut Sql) {
    if let Some(col) = column(field) {
        out.push(col);
        out.push(" ");
        out.push(op_sql(op));
        out.push(" ");
        out.bind(scalar(value));
        return;
    }
    let v = scalar(value);
    match field {
        Field::Label | Field::Goal => {
            let exists = match field {
                Field::Label => {
                    "EXISTS (SELECT 1 FROM item_labels x WHERE x.item_id = i.id AND x.label = ?)"
                }
                _ => {
                    "EXISTS (SELECT 1 FROM goal_items x JOIN goals g ON g.id = x.goal_id WHERE x.item_id = i.id AND g.name = ?)"
                }
            };
            // `=` has the value; `!=` does not have it. Other ops compare
            // against any value.
            let (neg, op_text) = match op {
                CmpOp::Eq => (false, "="),
                CmpOp::Ne => (true, "="),
                other => (false, op_sql(other)),
            };
            if neg {
                out.push("NOT ");
            }
            let sql = exists.replace("= ?", &format!("{op_text} ?"));
            let (head, tail) = sql.split_once('?').unwrap_or((&sql, ""));
            out.push(head);
            out.bind(v);
            out.push(tail);
        }
        // Equality compares with a scalar subquery, so the planner can seek
        // the (product_id, rank) index instead of scanning every item.
        Field::Product if op == CmpOp::Eq => {
            out.push("i.product_id = (SELECT x.id FROM products x WHERE x.prefix = ");
            out.bind(v);
            out.push(")");
        }
        Field::Product => {
            out.push(&format!(
                "i.product_id IN (SELECT x.id FROM products x WHERE x.prefix {} ",
                op_sql(op)
            ));
            out.bind(v);
            out.push(")");
        }
        Field::Parent => {
            out.push(&format!(
                "i.parent_id IN (SELECT x.id FROM items x WHERE x.key {} ",
                op_sql(op)
            ));
            out.bind(v);
            out.push(")");
        }
        Field::Release => {
            out.push(&format!(
                "i.release_id IN (SELECT x.id FROM releases x WHERE x.name {} ",
                op_sql(op)
            ));
            out.bind(v);
            out.push(")");
        }
        Field::Custom(name) => {
            // A scalar subquery: NULL when the item has no value, so `NOT`
            // treats an empty custom field like an empty built-in one.
            let col = if matches!(value, Scalar::Number(_)) {
                "num_value"
            } else {
                "text_value"
            };
            out.push(&format!(
                "(SELECT x.{col} FROM item_fields x WHERE x.item_id = i.id AND x.name = "
            ));
            out.bind(Value::Text(name.clone()));
            out.push(&format!(") {} ", op_sql(op)));
            out.bind(v);
        }
        Field::Text => out.push("1 = 0"),
        _ => out.push("1 = 0"),
    }
}

fn empty(field: &Field, negated: bool, out: &mut Sql) {
    let is = if negated { "IS NOT NULL" } else { "IS NULL" };
    let exists = if negated { "EXISTS" } else { "NOT EXISTS" };
    match field {
        Field::Assignee | Field::Estimate | Field::Resolved => {
            out.push(column(field).unwrap_or("NULL"));
            out.push(" ");
            out.push(is);
        }
        Field::Parent => out.push(&format!("i.parent_id {is}")),
        Field::Release => out.push(&format!("i.release_id {is}")),
        Field::Label => out.push(&format!(
            "{exists} (SELECT 1 FROM item_labels x WHERE x.item_id = i.id)"
        )),
        Field::Goal => out.push(&format!(
            "{exists} (SELECT 1 FROM goal_items x WHERE x.item_id = i.id)"
        )),
        Field::Custom(name) => {
            out.push(&format!(
                "{exists} (SELECT 1 FROM item_fields x WHERE x.item_id = i.id AND x.name = "
            ));
            out.bind(Value::Text(name.clone()));
            out.push(")");
        }
        Field::Title | Field::Text => {
            out.push(if negated {
                "i.title <> ''"
            } else {
                "i.title = ''"
            });
        }
        // Kind, state, category, key, created, updated and rank are never empty.
        _ => out.push(if negated { "1 = 1" } else { "1 = 0" }),
    }
}

fn text(field: &Field, query: &str, d: Dialect, out: &mut Sql) {
    let words = fts_words(query);
    if words.is_empty() {
        out.push("1 = 0");
        return;
    }
    let title_only = matches!(field, Field::Title);
    match d {
        Dialect::Sqlite => {
            let phrases: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
            let m = if title_only {
                format!("title : ({})", phrases.join(" AND "))
            } else {
                phrases.join(" AND ")
            };
            out.push("i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ");
            out.bind(Value::Text(m));
            out.push(")");
        }
        Dialect::Postgres => {
            if title_only {
                out.push("to_tsvector('english', i.title) @@ plainto_tsquery('english', ");
            } else {
                out.push("i.search @@ plainto_tsquery('english', ");
            }
            out.bind(Value::Text(words.join(" ")));
            out.push(")");
        }
    }
}

/// ORDER BY clause (always ending in a unique tiebreak).
pub fn order(order: &[OrderBy], out: &mut Sql) {
    out.push(" ORDER BY ");
    for o in order {
        let dir = if o.descending { " DESC" } else { " ASC" };
        let nulls = " NULLS LAST";
        match &o.field {
            Field::Key | Field::Product => {
                out.push("(SELECT x.prefix FROM products x WHERE x.id = i.product_id)");
                out.push(dir);
                out.push(", i.number");
                out.push(dir);
            }
            Field::Release => {
                out.push("(SELECT x.name FROM releases x WHERE x.id = i.release_id)");
                out.push(dir);
                out.push(nulls);
            }
            Field::Parent => {
                out.push("i.parent_id");
                out.push(dir);
                out.push(nulls);
            }
            Field::Custom(name) => {
                out.push("(SELECT COALESCE(x.text_value, '') FROM item_fields x WHERE x.item_id = i.id AND x.name = ");
                out.bind(Value::Text(name.clone()));
                out.push(")");
                out.push(dir);
                out.push(nulls);
                out.push(
                    ", (SELECT x.num_value FROM item_fields x WHERE x.item_id = i.id AND x.name = ",
                );
                out.bind(Value::Text(name.clone()));
                out.push(")");
                out.push(dir);
                out.push(nulls);
            }
            f => {
                out.push(column(f).unwrap_or("i.rank"));
                out.push(dir);
                out.push(nulls);
            }
        }
        out.push(", ");
    }
    out.push("i.id ASC");
}
