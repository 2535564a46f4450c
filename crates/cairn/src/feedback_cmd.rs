//! `cairn feedback`: customer feedback, its links, themes, demand, closing
//! the loop and insights; and `cairn comment`, the discussions on items.

use crate::cli::{Cli, CommentCmd, FeedbackCmd, FeedbackFields, Format};
use crate::output::{csv_out, json, line, short, table};
use crate::register_cmd::keys;
use crate::{Failure, key, name_value, open, usage};
use cairn_app::feedback::{
    FeedbackCsvOptions, FeedbackPatch, NewFeedback, Suggestion, TellOptions, ThemeOptions,
    trend_text,
};
use cairn_core::{Feedback, Importance};
use cairn_engine::score::fmt_num;
use cairn_store::feedback::FeedbackFilter;
use std::io::Write;

fn importance(s: &Option<String>) -> Result<Option<Importance>, Failure> {
    s.as_deref()
        .map(|i| {
            Importance::parse(i).ok_or_else(|| {
                usage(format!(
                    "--importance `{i}`: use nice-to-have, important or critical"
                ))
            })
        })
        .transpose()
}

fn from(f: &Feedback) -> String {
    match (&f.customer, &f.requester) {
        (Some(c), Some(r)) => format!("{} ({r})", c.name),
        (Some(c), None) => c.name.clone(),
        (None, Some(r)) => r.clone(),
        (None, None) => "—".into(),
    }
}

fn suggestions(o: &mut dyn Write, s: &[Suggestion]) {
    if s.is_empty() {
        line(
            o,
            "no item shares its words; link it by hand or leave it in the inbox",
        );
        return;
    }
    let mut t = table(&["ITEM", "MATCH", "STATE", "TITLE", "SHARED WORDS"]);
    for x in s {
        t.add_row(vec![
            x.key.clone(),
            format!("{:.0} %", x.score * 100.0),
            x.state.clone(),
            short(&x.title, 60),
            x.shared.join(", "),
        ]);
    }
    let _ = writeln!(o, "{t}");
    if s.iter().all(|x| x.score < 0.2) {
        line(
            o,
            "no strong match (all below 20 %): it may ask for something the backlog does not hold yet",
        );
    }
}

fn list_rows(fs: &[Feedback]) -> Vec<Vec<String>> {
    fs.iter()
        .map(|f| {
            vec![
                f.id.clone(),
                f.received.clone(),
                f.source.clone(),
                f.source_id.clone().unwrap_or_default(),
                f.customer
                    .as_ref()
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                f.customer
                    .as_ref()
                    .and_then(|c| c.segment.clone())
                    .unwrap_or_default(),
                f.requester.clone().unwrap_or_default(),
                f.importance.as_str().to_string(),
                f.items.join(" "),
                f.merged_into.clone().unwrap_or_default(),
                f.text.clone(),
            ]
        })
        .collect()
}

pub fn feedback(cli: &Cli, c: &FeedbackCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        FeedbackCmd::Add {
            text,
            fields,
            segment,
            revenue,
            items,
            product,
        } => {
            let f = app.feedback_add(NewFeedback {
                product: product.clone(),
                text: text.clone(),
                source: fields.source.clone(),
                source_id: fields.source_id.clone(),
                customer: fields.customer.clone(),
                segment: segment.clone(),
                revenue: *revenue,
                requester: fields.requester.clone(),
                received: fields.date.clone(),
                importance: importance(&fields.importance)?,
                items: keys(items)?,
            })?;
            let s = app.feedback_suggestions(&f.id, 3)?;
            match cli.format {
                Format::Json => json(o, &serde_json::json!({ "feedback": f, "suggestions": s })),
                _ if !cli.quiet => {
                    line(o, &format!("recorded {}", f.id));
                    if f.items.is_empty() {
                        line(o, "it most likely asks for:");
                        suggestions(o, &s);
                        line(
                            o,
                            &format!("link it with `cairn feedback link {} KEY`", f.id),
                        );
                    }
                }
                _ => {}
            }
        }
        FeedbackCmd::List {
            unlinked,
            since,
            all,
            product,
        } => {
            let product = match product {
                Some(p) => Some(app.resolve_product(Some(p))?.prefix),
                None => None,
            };
            let fs = app.feedback_list(&FeedbackFilter {
                product,
                unlinked: *unlinked,
                since: since.clone(),
                merged: *all,
            })?;
            match cli.format {
                Format::Json => json(o, &fs),
                Format::Csv => csv_out(
                    o,
                    &[
                        "id",
                        "received",
                        "source",
                        "source_id",
                        "customer",
                        "segment",
                        "requester",
                        "importance",
                        "items",
                        "merged_into",
                        "text",
                    ],
                    list_rows(&fs),
                ),
                Format::Table => {
                    let mut t = table(&[
                        "ID",
                        "RECEIVED",
                        "SOURCE",
                        "FROM",
                        "IMPORTANCE",
                        "ITEMS",
                        "TEXT",
                    ]);
                    for f in &fs {
                        t.add_row(vec![
                            f.id.clone(),
                            f.received.clone(),
                            f.source.clone(),
                            short(&from(f), 30),
                            f.importance.as_str().to_string(),
                            match &f.merged_into {
                                Some(m) => format!("→ {m}"),
                                None => f.items.join(" "),
                            },
                            short(&f.text, 60),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        FeedbackCmd::Show { id } => {
            let f = app.feedback(id)?;
            let dups = app.feedback_duplicates(id)?;
            let s = if f.merged_into.is_none() {
                app.feedback_suggestions(id, 5)?
            } else {
                Vec::new()
            };
            match cli.format {
                Format::Json => json(
                    o,
                    &serde_json::json!({ "feedback": f, "duplicates": dups, "suggestions": s }),
                ),
                _ => {
                    line(
                        o,
                        &format!("{}  {}  {}", f.id, f.received, f.importance.as_str()),
                    );
                    line(
                        o,
                        &format!(
                            "from {} via {}{}",
                            from(&f),
                            f.source,
                            f.source_id
                                .as_ref()
                                .map(|s| format!(" {s}"))
                                .unwrap_or_default()
                        ),
                    );
                    if let Some(c) = &f.customer {
                        line(
                            o,
                            &format!(
                                "customer {}: segment {}, revenue weight {}",
                                c.name,
                                c.segment.as_deref().unwrap_or("none"),
                                c.revenue.map_or("none (counts as 1)".into(), fmt_num)
                            ),
                        );
                    }
                    line(o, "");
                    line(o, &f.text);
                    line(o, "");
                    if let Some(m) = &f.merged_into {
                        line(o, &format!("merged into {m}: its vote counts there"));
                    } else {
                        line(
                            o,
                            &format!(
                                "items: {}",
                                if f.items.is_empty() {
                                    "none (in the inbox)".into()
                                } else {
                                    f.items.join(", ")
                                }
                            ),
                        );
                    }
                    if !dups.is_empty() {
                        line(o, &format!("duplicates merged into it ({}):", dups.len()));
                        for d in &dups {
                            line(
                                o,
                                &format!("  {}  {}  {}", d.id, from(d), short(&d.text, 60)),
                            );
                        }
                    }
                    if f.merged_into.is_none() {
                        line(o, "suggested items:");
                        suggestions(o, &s);
                    }
                }
            }
        }
        FeedbackCmd::Edit {
            id,
            text,
            fields,
            if_version,
        } => {
            let FeedbackFields {
                source,
                source_id,
                customer,
                requester,
                date,
                importance: imp,
            } = fields;
            let f = app.feedback_edit(
                id,
                FeedbackPatch {
                    text: text.clone(),
                    source: source.clone(),
                    source_id: source_id.clone().map(Some),
                    customer: customer.clone().map(Some),
                    requester: requester.clone().map(Some),
                    received: date.clone(),
                    importance: importance(imp)?,
                },
                *if_version,
            )?;
            match cli.format {
                Format::Json => json(o, &f),
                _ if !cli.quiet => line(o, &format!("changed {} (version {})", f.id, f.version)),
                _ => {}
            }
        }
        FeedbackCmd::Link { id, keys: ks } => {
            let f = app.feedback_link(id, &keys(ks)?)?;
            match cli.format {
                Format::Json => json(o, &f),
                _ if !cli.quiet => line(o, &format!("{} → {}", f.id, f.items.join(", "))),
                _ => {}
            }
        }
        FeedbackCmd::Unlink { id, keys: ks } => {
            let f = app.feedback_unlink(id, &keys(ks)?)?;
            match cli.format {
                Format::Json => json(o, &f),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "{} → {}",
                        f.id,
                        if f.items.is_empty() {
                            "no items (back in the inbox)".into()
                        } else {
                            f.items.join(", ")
                        }
                    ),
                ),
                _ => {}
            }
        }
        FeedbackCmd::Merge { duplicate, into } => {
            let top = app.feedback_merge(duplicate, into)?;
            let dups = app.feedback_duplicates(&top.id)?;
            match cli.format {
                Format::Json => json(
                    o,
                    &serde_json::json!({ "feedback": top, "duplicates": dups }),
                ),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "merged {duplicate} into {}: {} votes from {} now count for {}",
                        top.id,
                        dups.len() + 1,
                        {
                            let mut who: Vec<String> =
                                std::iter::once(&top).chain(&dups).map(from).collect();
                            who.sort();
                            who.dedup();
                            who.join(", ")
                        },
                        if top.items.is_empty() {
                            "its items once it is linked".into()
                        } else {
                            top.items.join(", ")
                        }
                    ),
                ),
                _ => {}
            }
        }
        FeedbackCmd::Suggest {
            id,
            text,
            limit,
            product,
        } => {
            let s = match (id, text) {
                (Some(id), None) => app.feedback_suggestions(id, *limit)?,
                (None, Some(t)) => app.feedback_suggest(product.as_deref(), t, *limit)?,
                _ => {
                    return Err(usage(
                        "give a feedback id (`cairn feedback suggest F-3`) or --text, not both",
                    ));
                }
            };
            match cli.format {
                Format::Json => json(o, &s),
                _ => suggestions(o, &s),
            }
        }
        FeedbackCmd::Import {
            file,
            map,
            source,
            product,
        } => {
            let map = map
                .iter()
                .map(|m| name_value(m, "--map"))
                .collect::<Result<Vec<_>, _>>()?;
            let f = std::fs::File::open(file)
                .map_err(|e| usage(format!("cannot open {}: {e}", file.display())))?;
            let r = app
                .feedback_import_csv(
                    std::io::BufReader::new(f),
                    &FeedbackCsvOptions {
                        product: product.clone(),
                        map,
                        source: source.clone(),
                    },
                )
                .map_err(|e| {
                    let mut f = Failure::from(e);
                    f.message = format!("{}: {}", file.display(), f.message);
                    f
                })?;
            match cli.format {
                Format::Json => json(o, &r),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "{}: {} added, {} updated, {} unchanged; {} links added; {} customers new or changed",
                        file.display(),
                        r.added.len(),
                        r.updated.len(),
                        r.unchanged,
                        r.links_added,
                        r.customers
                    ),
                ),
                _ => {}
            }
        }
        FeedbackCmd::Themes {
            since,
            unlinked,
            threshold,
            product,
        } => {
            let ts = app.feedback_themes(&ThemeOptions {
                product: product.clone(),
                since: since.clone(),
                unlinked: *unlinked,
                threshold: *threshold,
            })?;
            match cli.format {
                Format::Json => json(o, &ts),
                Format::Csv => csv_out(
                    o,
                    &[
                        "theme",
                        "requests",
                        "customers",
                        "revenue",
                        "recent",
                        "feedback",
                        "items",
                    ],
                    ts.iter()
                        .map(|t| {
                            vec![
                                t.label.clone(),
                                t.requests.to_string(),
                                t.customers.to_string(),
                                fmt_num(t.revenue),
                                fmt_num(t.recent),
                                t.feedback
                                    .iter()
                                    .map(|m| m.id.clone())
                                    .collect::<Vec<_>>()
                                    .join(" "),
                                t.items
                                    .iter()
                                    .map(|(k, _)| k.clone())
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            ]
                        })
                        .collect(),
                ),
                Format::Table => {
                    if ts.is_empty() {
                        line(
                            o,
                            "no two pieces of feedback are alike enough to form a theme",
                        );
                    }
                    for t in &ts {
                        line(
                            o,
                            &format!(
                                "{}: {} requests from {} customers, revenue-weighted {}, per month {}",
                                t.label,
                                t.requests,
                                t.customers,
                                fmt_num(t.revenue),
                                trend_text(&t.trend)
                            ),
                        );
                        if !t.items.is_empty() {
                            let items: Vec<String> =
                                t.items.iter().map(|(k, n)| format!("{k} ({n})")).collect();
                            line(o, &format!("  items: {}", items.join(", ")));
                        }
                        for m in &t.feedback {
                            line(
                                o,
                                &format!(
                                    "  {:<7} {:>4.0} %  {}{}",
                                    m.id,
                                    m.score * 100.0,
                                    short(&m.text, 70),
                                    if m.shared.is_empty() {
                                        String::new()
                                    } else {
                                        format!("  [{}]", m.shared.join(", "))
                                    }
                                ),
                            );
                        }
                        line(o, "");
                    }
                }
            }
        }
        FeedbackCmd::Demand { product } => {
            let ds = app.demand(product.as_deref())?;
            let rows: Vec<Vec<String>> = ds
                .iter()
                .map(|d| {
                    vec![
                        d.key.clone(),
                        d.state.clone(),
                        d.requests.to_string(),
                        d.customers.to_string(),
                        fmt_num(d.revenue),
                        fmt_num(d.recent),
                        fmt_num(d.share),
                        fmt_num(d.fibonacci),
                        d.title.clone(),
                    ]
                })
                .collect();
            match cli.format {
                Format::Json => json(o, &ds),
                Format::Csv => csv_out(
                    o,
                    &[
                        "key",
                        "state",
                        "requests",
                        "customers",
                        "revenue",
                        "recent",
                        "share",
                        "fibonacci",
                        "title",
                    ],
                    rows,
                ),
                Format::Table => {
                    let mut t = table(&[
                        "ITEM",
                        "STATE",
                        "REQUESTS",
                        "CUSTOMERS",
                        "REVENUE",
                        "RECENT",
                        "SHARE",
                        "FIB",
                        "TITLE",
                    ]);
                    for mut r in rows {
                        r[8] = short(&r[8], 50);
                        t.add_row(r);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        FeedbackCmd::Tell {
            items,
            release,
            all,
            mark,
            product,
        } => {
            let opts = TellOptions {
                product: product.clone(),
                items: keys(items)?,
                release: release.clone(),
                include_told: *all,
            };
            if *mark && *all {
                return Err(usage("--mark marks those not yet told; leave out --all"));
            }
            let ts = if *mark {
                app.feedback_mark_told(&opts)?
            } else {
                app.feedback_tell(&opts)?
            };
            match cli.format {
                Format::Json => json(o, &ts),
                Format::Csv => {
                    let _ = write!(o, "{}", cairn_app::feedback::tell_csv(&ts));
                }
                Format::Table => {
                    if ts.is_empty() {
                        line(
                            o,
                            "nobody is waiting to hear: no done item has untold feedback",
                        );
                    } else {
                        let mut t =
                            table(&["ITEM", "CUSTOMER", "REQUESTER", "FEEDBACK", "TOLD", "TITLE"]);
                        for x in &ts {
                            t.add_row(vec![
                                x.item.clone(),
                                x.customer.clone().unwrap_or_default(),
                                x.requester.clone().unwrap_or_default(),
                                x.feedback.clone(),
                                x.told_at.map(cairn_core::format_millis).unwrap_or_default(),
                                short(&x.title, 50),
                            ]);
                        }
                        let _ = writeln!(o, "{t}");
                        if *mark && !cli.quiet {
                            line(o, &format!("marked {} as told", ts.len()));
                        }
                    }
                }
            }
        }
        FeedbackCmd::Insights {
            since,
            out,
            product,
        } => {
            let p = app.resolve_product(product.as_deref())?;
            let ins = app.feedback_insights(Some(&p.prefix), since.as_deref())?;
            if let Some(path) = out {
                crate::quality_cmd::write_doc(cli, path, &ins.doc(&p.name), &ins, None, None)?;
                return Ok(0);
            }
            match cli.format {
                Format::Json => json(o, &ins),
                _ => {
                    let md = cairn_report::doc::to_markdown(&ins.doc(&p.name), None);
                    let _ = write!(o, "{md}");
                }
            }
        }
        FeedbackCmd::Customers => {
            let cs = app.customers()?;
            match cli.format {
                Format::Json => json(o, &cs),
                _ => {
                    let mut t = table(&["CUSTOMER", "SEGMENT", "REVENUE WEIGHT"]);
                    for c in &cs {
                        t.add_row(vec![
                            c.name.clone(),
                            c.segment.clone().unwrap_or_default(),
                            c.revenue.map(fmt_num).unwrap_or_default(),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        FeedbackCmd::Customer {
            name,
            segment,
            revenue,
        } => {
            if segment.is_none() && revenue.is_none() {
                return Err(usage("give --segment or --revenue (or both)"));
            }
            let c = app.customer_set(name, segment.clone().map(Some), revenue.map(Some))?;
            match cli.format {
                Format::Json => json(o, &c),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "{}: segment {}, revenue weight {}",
                        c.name,
                        c.segment.as_deref().unwrap_or("none"),
                        c.revenue.map_or("none".into(), fmt_num)
                    ),
                ),
                _ => {}
            }
        }
    }
    Ok(0)
}

fn comment_line(c: &cairn_core::Comment, depth: usize) -> String {
    let pad = "  ".repeat(depth);
    let head = format!(
        "{pad}#{} {} {}{}",
        c.id,
        c.author,
        cairn_core::format_millis(c.created),
        if c.edited.is_some() { " (edited)" } else { "" }
    );
    if c.deleted.is_some() {
        return format!("{head}\n{pad}  (deleted)");
    }
    let body: Vec<String> = c.body.lines().map(|l| format!("{pad}  {l}")).collect();
    format!("{head}\n{}", body.join("\n"))
}

pub fn comment(cli: &Cli, c: &CommentCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        CommentCmd::Add {
            key: k,
            text,
            reply_to,
        } => {
            let cm = app.comment_add(&key(k)?, text, *reply_to)?;
            let refs = app.comment_refs(&cm.body)?;
            match cli.format {
                Format::Json => json(
                    o,
                    &serde_json::json!({ "comment": cairn_app::wire::comment_out(&cm), "refs": refs }),
                ),
                _ if !cli.quiet => {
                    line(o, &format!("comment #{} on {}", cm.id, cm.item));
                    if !refs.mentions.is_empty() {
                        line(o, &format!("mentions: {}", refs.mentions.join(", ")));
                    }
                    if !refs.keys.is_empty() {
                        line(o, &format!("refers to: {}", refs.keys.join(", ")));
                    }
                }
                _ => {}
            }
        }
        CommentCmd::List { key: k } => {
            let all = app.comments(&key(k)?)?;
            match cli.format {
                Format::Json => {
                    let v: Vec<_> = all.iter().map(cairn_app::wire::comment_out).collect();
                    json(o, &serde_json::json!({ "comments": v }))
                }
                _ => {
                    if all.is_empty() {
                        line(o, &format!("no comments on {k}"));
                    }
                    for (c, depth) in cairn_app::comments::thread(&all) {
                        line(o, &comment_line(&c, depth));
                    }
                }
            }
        }
        CommentCmd::Edit { id, text } => {
            let cm = app.comment_edit(*id, text)?;
            match cli.format {
                Format::Json => json(o, &cairn_app::wire::comment_out(&cm)),
                _ if !cli.quiet => line(o, &format!("changed comment #{} on {}", cm.id, cm.item)),
                _ => {}
            }
        }
        CommentCmd::Rm { id, reason } => {
            let cm = app.comment_delete(*id, reason.as_deref())?;
            if !cli.quiet && cli.format != Format::Json {
                line(o, &format!("deleted comment #{} on {}", cm.id, cm.item));
            }
        }
    }
    Ok(0)
}
