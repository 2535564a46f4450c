//! Stakeholder reports: the data each audience needs, gathered in one
//! read, and turned into a [`Doc`] that `cairn-report` renders as HTML or
//! Markdown. The data itself is the JSON form.

use crate::register::TrendPoint;
use crate::{App, AppError, Result};
use cairn_core::{Category, Decision, DecisionStatus, Item, Kind, Risk, format_millis};
use cairn_report::doc::{Block, Doc, Inline, Section};
use cairn_store::Page;
use serde::Serialize;

/// The seed of the forecasts inside reports: fixed, so the same data
/// gives the same dates and a date only "moves" when the work did.
pub const REPORT_SEED: u64 = 1;

/// The stakeholder reports, as named on the command line and in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Exec,
    Team,
    Roadmap,
    ReleaseNotes,
    Risks,
    /// The traceability matrix (docs/compliance.md).
    Trace,
    /// Customer feedback: themes, demand, segments, the inbox (docs/feedback.md).
    Feedback,
}

impl ReportKind {
    pub const ALL: [ReportKind; 7] = [
        ReportKind::Exec,
        ReportKind::Team,
        ReportKind::Roadmap,
        ReportKind::ReleaseNotes,
        ReportKind::Risks,
        ReportKind::Trace,
        ReportKind::Feedback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Exec => "exec",
            ReportKind::Team => "team",
            ReportKind::Roadmap => "roadmap",
            ReportKind::ReleaseNotes => "release-notes",
            ReportKind::Risks => "risks",
            ReportKind::Trace => "trace",
            ReportKind::Feedback => "feedback",
        }
    }

    /// The period a report covers when none is asked for: two weeks, and
    /// 26 weeks for feedback, whose themes and trends need months.
    pub fn default_since(self) -> &'static str {
        match self {
            ReportKind::Feedback => "26w",
            _ => "2w",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What any report may be asked for. Each front end checks its own
/// input (flags, query parameters) and fills this in.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub product: Option<String>,
    pub since: chrono::NaiveDate,
    /// Release notes of one release instead of the period.
    pub release: Option<String>,
    pub scope: Option<String>,
    /// Team: days of flow history.
    pub window: Option<u32>,
    /// Exec: record the report for the next one to compare with.
    pub record: bool,
}

/// A built report: its data (the JSON form) and its document.
pub struct BuiltReport {
    pub data: serde_json::Value,
    pub doc: Doc,
}

fn built<T: Serialize>(r: &T, doc: Doc) -> BuiltReport {
    BuiltReport {
        data: serde_json::to_value(r).unwrap_or_default(),
        doc,
    }
}

/// A risk with where it is heading and what mitigates it.
#[derive(Debug, Clone, Serialize)]
pub struct RiskRow {
    #[serde(flatten)]
    pub risk: Risk,
    pub score: u8,
    /// `rising`, `falling` or `steady` over its recorded changes.
    pub direction: &'static str,
    pub trend: Vec<TrendPoint>,
    /// (key, title, state) of each mitigating item.
    pub mitigation_items: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RisksReport {
    pub generated: String,
    pub risks: Vec<RiskRow>,
    pub closed: usize,
    pub decisions_needed: Vec<Decision>,
}

/// One line of release notes.
#[derive(Debug, Clone, Serialize)]
pub struct NoteLine {
    pub key: String,
    pub text: String,
    pub resolved: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseNotes {
    pub product: String,
    /// What the notes cover, in words ("since 2026-11-01", "release 2026.2").
    pub period: String,
    pub features: Vec<NoteLine>,
    pub improvements: Vec<NoteLine>,
    pub fixes: Vec<NoteLine>,
    /// Done items left out as internal (tasks, spikes, debt, `internal` label, epics).
    pub internal: usize,
}

/// What a release-notes report covers.
#[derive(Debug, Clone)]
pub enum NotesScope {
    Since(chrono::NaiveDate),
    Release(String),
}

fn direction(trend: &[TrendPoint]) -> &'static str {
    match (trend.first(), trend.last()) {
        (Some(a), Some(b)) if b.score > a.score => "rising",
        (Some(a), Some(b)) if b.score < a.score => "falling",
        _ => "steady",
    }
}

/// The words customers read for an item: its `release_note` field when
/// set; for a user story, what its role can now do ("Merchants can now
/// refund part of a card payment"); else its title.
fn customer_text(i: &Item) -> String {
    if let Some(t) = i
        .fields
        .get("release_note")
        .and_then(|v| v.as_text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return t.to_string();
    }
    story_news(&i.title).unwrap_or_else(|| i.title.clone())
}

/// "As a merchant, I want to refund part of a payment, so that …" →
/// "Merchants can now refund part of a payment".
fn story_news(title: &str) -> Option<String> {
    let s = cairn_engine::story::parse(title)?;
    let cut = |sp: cairn_engine::text::Span| title.get(sp.start..sp.end).map(str::trim);
    let role = cut(s.role?)?;
    let means = cut(s.means?)?;
    let means = means
        .strip_prefix("to ")
        .unwrap_or(means)
        .trim_end_matches(['.', ',']);
    let role = role
        .strip_prefix("a ")
        .or_else(|| role.strip_prefix("an "))
        .or_else(|| role.strip_prefix("the "))
        .unwrap_or(role);
    if role.is_empty() || means.is_empty() {
        return None;
    }
    // First person becomes the role's: "approve a payment in my banking
    // app" → "… in their banking app".
    let means: Vec<&str> = means
        .split(' ')
        .map(|w| match w {
            "my" => "their",
            "me" => "them",
            "I" => "they",
            "myself" => "themselves",
            "mine" => "theirs",
            other => other,
        })
        .collect();
    let means = means.join(" ");
    let plural = if role.ends_with('s') {
        role.to_string()
    } else {
        format!("{role}s")
    };
    let mut c = plural.chars();
    let first = c.next()?.to_uppercase().collect::<String>();
    Some(format!("{first}{} can now {means}", c.as_str()))
}

fn is_internal(i: &Item) -> bool {
    matches!(
        i.kind,
        Kind::Task | Kind::Spike | Kind::Debt | Kind::Epic | Kind::Requirement
    ) || i.labels.iter().any(|l| l == "internal")
}

pub(crate) fn date_of(ms: i64) -> String {
    format_millis(ms).chars().take(10).collect()
}

/// `2027-02-14` → `14 Feb 2027`; anything else as given.
pub(crate) fn human_date(d: &str) -> String {
    cairn_core::calendar::parse_date(d)
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|| d.to_string())
}

/// The start of a report's period: a date (YYYY-MM-DD), or a span back
/// from `today` such as `2w` or `10d`. The error says what was wrong.
pub fn parse_since(
    s: &str,
    today: chrono::NaiveDate,
) -> std::result::Result<chrono::NaiveDate, String> {
    if let Some(d) = cairn_core::calendar::parse_date(s) {
        return Ok(d);
    }
    let t = s.trim();
    let (n, unit) = t.split_at(t.len().saturating_sub(1));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD) or a span such as 2w or 10d"))?;
    let days = match unit {
        "d" => n,
        "w" => n.saturating_mul(7),
        _ => return Err(format!("`{s}`: use d (days) or w (weeks), e.g. 2w")),
    };
    if days > 36_500 {
        return Err(format!("`{s}` reaches back more than a hundred years"));
    }
    Ok(today - chrono::Days::new(days))
}

/// `10000` → `10,000`.
pub(crate) fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 item`, `3 items`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl App {
    /// Build any report: the one dispatch the CLI, the API and the
    /// Reports page share.
    pub fn report(&mut self, kind: ReportKind, req: &ReportRequest) -> Result<BuiltReport> {
        let (product, scope) = (req.product.clone(), req.scope.clone());
        Ok(match kind {
            ReportKind::Exec => {
                let r = self.report_exec(&crate::exec::ExecRequest {
                    product,
                    since: req.since,
                    scope,
                    seed: REPORT_SEED,
                })?;
                if req.record {
                    self.record_exec(&r)?;
                }
                built(&r, r.doc())
            }
            ReportKind::Team => {
                let r = self.report_team(&crate::team::TeamRequest {
                    product,
                    window: req.window,
                    scope,
                })?;
                built(&r, r.doc())
            }
            ReportKind::Roadmap => {
                let r = self.report_roadmap(&crate::roadmap::RoadmapRequest {
                    product,
                    scope,
                    seed: REPORT_SEED,
                    next_days: None,
                })?;
                built(&r, r.doc())
            }
            ReportKind::ReleaseNotes => {
                let ns = match &req.release {
                    Some(r) => NotesScope::Release(r.clone()),
                    None => NotesScope::Since(req.since),
                };
                let r = self.report_release_notes(product.as_deref(), &ns, scope.as_deref())?;
                built(&r, r.doc())
            }
            ReportKind::Risks => {
                let r = self.report_risks(product.as_deref())?;
                built(&r, r.doc())
            }
            ReportKind::Trace => {
                let p = self.resolve_product(product.as_deref())?;
                let r = self.trace_matrix(&crate::trace::TraceRequest {
                    product: Some(p.prefix),
                    query: scope,
                })?;
                built(&r, r.doc(&p.name))
            }
            ReportKind::Feedback => {
                let p = self.resolve_product(product.as_deref())?;
                let since = req.since.format("%Y-%m-%d").to_string();
                let r = self.feedback_insights(Some(&p.prefix), Some(&since))?;
                built(&r, r.doc(&p.name))
            }
        })
    }

    /// The register of one product, or of every product the caller sees.
    pub fn report_risks(&mut self, product: Option<&str>) -> Result<RisksReport> {
        self.require_init()?;
        let only = match product {
            Some(p) => Some(self.resolve_product(Some(p))?.prefix),
            None => None,
        };
        let mut all = self.risks()?;
        all.retain(|r| only.as_ref().is_none_or(|p| r.product == *p));
        let closed = all.iter().filter(|r| !r.status.is_live()).count();
        let mut risks = Vec::new();
        for r in all.into_iter().filter(|r| r.status.is_live()) {
            let trend = self.risk_trend(&r.id)?;
            let mut mitigation_items = Vec::new();
            for k in &r.mitigations {
                if let Ok(key) = k.parse()
                    && let Ok(i) = self.item(&key)
                {
                    mitigation_items.push((k.clone(), i.title, i.state));
                }
            }
            risks.push(RiskRow {
                score: r.score(),
                direction: direction(&trend),
                trend,
                mitigation_items,
                risk: r,
            });
        }
        let decisions_needed = self
            .decisions()?
            .into_iter()
            .filter(|d| d.status == DecisionStatus::Proposed)
            .filter(|d| only.as_ref().is_none_or(|p| d.product == *p))
            .collect();
        Ok(RisksReport {
            generated: format_millis(self.now()),
            risks,
            closed,
            decisions_needed,
        })
    }

    pub fn report_release_notes(
        &mut self,
        product: Option<&str>,
        scope: &NotesScope,
        query: Option<&str>,
    ) -> Result<ReleaseNotes> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        let extra = match query.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                self.compile_query(q)?;
                format!("({q}) AND ")
            }
            None => String::new(),
        };
        let (q, period) = match scope {
            NotesScope::Since(d) => (
                format!(
                    "{extra}product = {product} AND category = done AND resolved >= {d} ORDER BY resolved"
                ),
                format!("since {d}"),
            ),
            NotesScope::Release(r) => {
                if !self
                    .releases()?
                    .iter()
                    .any(|x| x.product == product && x.name == *r)
                {
                    return Err(AppError::NotFound(format!(
                        "{product} has no release {r}; list them with `cairn release list`"
                    )));
                }
                (
                    format!(
                        "{extra}product = {product} AND category = done AND release = \"{}\" ORDER BY resolved",
                        r.replace('"', "")
                    ),
                    format!("release {r}"),
                )
            }
        };
        let items = self.query_items(
            &q,
            Page {
                limit: 10_000,
                offset: 0,
            },
        )?;
        let mut notes = ReleaseNotes {
            product,
            period,
            features: Vec::new(),
            improvements: Vec::new(),
            fixes: Vec::new(),
            internal: 0,
        };
        for i in &items {
            if i.category != Category::Done || i.state == "cancelled" {
                continue;
            }
            if is_internal(i) {
                notes.internal += 1;
                continue;
            }
            let line = NoteLine {
                key: i.key.to_string(),
                text: customer_text(i),
                resolved: i.resolved.map(date_of).unwrap_or_default(),
            };
            if i.kind == Kind::Bug {
                notes.fixes.push(line);
            } else if i
                .labels
                .iter()
                .any(|l| l == "improvement" || l == "enhancement")
            {
                notes.improvements.push(line);
            } else {
                notes.features.push(line);
            }
        }
        Ok(notes)
    }
}

pub(crate) fn item_ref(key: &str, text: &str) -> Vec<Inline> {
    vec![
        Inline::Text(format!("{text} (")),
        Inline::Item(key.to_string()),
        Inline::Text(")".into()),
    ]
}

impl RisksReport {
    pub fn doc(&self) -> Doc {
        let mut items = Vec::new();
        let heat: Vec<cairn_report::HeatRisk> = self
            .risks
            .iter()
            .map(|r| cairn_report::HeatRisk {
                id: r.risk.id.clone(),
                likelihood: r.risk.likelihood,
                impact: r.risk.impact,
            })
            .collect();
        let mut register = Vec::new();
        for r in &self.risks {
            let mut mit: Vec<Inline> = Vec::new();
            for (k, t, s) in &r.mitigation_items {
                if !mit.is_empty() {
                    mit.push(Inline::Text("; ".into()));
                }
                mit.push(Inline::Item(k.clone()));
                mit.push(Inline::Text(format!(" ({s})")));
                items.push((k.clone(), t.clone()));
            }
            if mit.is_empty() {
                mit.push(Inline::Text("none yet".into()));
            }
            register.push(vec![
                vec![Inline::Strong(r.risk.id.clone())],
                vec![Inline::Text(r.risk.title.clone())],
                vec![Inline::Text(format!(
                    "{} (likelihood {} × impact {})",
                    r.score, r.risk.likelihood, r.risk.impact
                ))],
                vec![Inline::Text(r.direction.into())],
                vec![Inline::Text(r.risk.status.as_str().into())],
                vec![Inline::Text(
                    r.risk.owner.clone().unwrap_or_else(|| "nobody".into()),
                )],
                mit,
            ]);
        }
        let summary = if self.risks.is_empty() {
            "No open risks are recorded.".to_string()
        } else {
            let severe = self.risks.iter().filter(|r| r.score >= 15).count();
            let rising = self
                .risks
                .iter()
                .filter(|r| r.direction == "rising")
                .count();
            format!(
                "{} open risks: {severe} scored 15 or more, {rising} rising. {} closed or accepted.",
                self.risks.len(),
                self.closed
            )
        };
        let mut sections = vec![Section {
            heading: "Summary".into(),
            blocks: vec![Block::Para(vec![Inline::Text(summary)])],
        }];
        sections.push(Section {
            heading: "Heat map".into(),
            blocks: vec![Block::Chart {
                svg: cairn_report::risk_heat_map("Open risks by likelihood and impact", &heat),
                caption: "Each cell is likelihood × impact; red cells need attention first.".into(),
            }],
        });
        sections.push(Section {
            heading: "Register".into(),
            blocks: vec![Block::Table {
                headers: [
                    "Risk",
                    "What could happen",
                    "Score",
                    "Trend",
                    "Status",
                    "Owner",
                    "Mitigation",
                ]
                .map(String::from)
                .to_vec(),
                rows: register,
            }],
        });
        if !self.decisions_needed.is_empty() {
            let list = self
                .decisions_needed
                .iter()
                .map(|d| {
                    let mut l = vec![
                        Inline::Strong(d.id.clone()),
                        Inline::Text(format!(" {}", d.title)),
                    ];
                    if !d.options.is_empty() {
                        let names: Vec<&str> = d.options.iter().map(|o| o.name.as_str()).collect();
                        l.push(Inline::Text(format!(" — options: {}", names.join(", "))));
                    }
                    l
                })
                .collect();
            sections.push(Section {
                heading: "Decisions needed".into(),
                blocks: vec![Block::List(list)],
            });
        }
        items.sort();
        items.dedup();
        Doc {
            title: "Risk register".into(),
            subtitle: format!(
                "Generated {}",
                &self.generated[..10.min(self.generated.len())]
            ),
            sections,
            items,
            appendix: true,
        }
    }
}

impl ReleaseNotes {
    pub fn doc(&self) -> Doc {
        let mut items = Vec::new();
        let mut sections = Vec::new();
        for (heading, lines) in [
            ("New", &self.features),
            ("Improved", &self.improvements),
            ("Fixed", &self.fixes),
        ] {
            if lines.is_empty() {
                continue;
            }
            let list = lines
                .iter()
                .map(|l| {
                    items.push((l.key.clone(), l.text.clone()));
                    item_ref(&l.key, &l.text)
                })
                .collect();
            sections.push(Section {
                heading: heading.into(),
                blocks: vec![Block::List(list)],
            });
        }
        if sections.is_empty() {
            sections.push(Section {
                heading: "Nothing to announce".into(),
                blocks: vec![Block::Para(vec![Inline::Text(format!(
                    "No customer-facing work was finished {}.",
                    self.period
                ))])],
            });
        }
        Doc {
            title: format!("{} release notes", self.product),
            subtitle: format!("Changes {}", self.period),
            sections,
            items,
            appendix: false,
        }
    }
}
