//! Scoring models, each as its published definition: RICE, WSJF, ICE,
//! MoSCoW, Kano and weighted scoring, plus the cost-of-delay profiles and a
//! technical-feasibility factor every model can use.
//!
//! A model reads typed item fields (named in the workspace config's
//! `[ranking]` section). An item missing an input is *unscored*, never
//! scored as zero; a value off its scale is a [`Problem`] naming the field
//! and the allowed values.

use cairn_core::config::FieldType;
use cairn_core::ranking::{Criterion, Source};
use cairn_core::{Config, FieldValue};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    Rice,
    Wsjf,
    Ice,
    Moscow,
    Kano,
    Weighted,
}

impl ModelKind {
    pub const ALL: [ModelKind; 6] = [
        ModelKind::Rice,
        ModelKind::Wsjf,
        ModelKind::Ice,
        ModelKind::Moscow,
        ModelKind::Kano,
        ModelKind::Weighted,
    ];

    pub fn parse(s: &str) -> Option<ModelKind> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Rice => "rice",
            ModelKind::Wsjf => "wsjf",
            ModelKind::Ice => "ice",
            ModelKind::Moscow => "moscow",
            ModelKind::Kano => "kano",
            ModelKind::Weighted => "weighted",
        }
    }

    /// The name people write, e.g. `WSJF`, `MoSCoW`.
    pub fn title(self) -> &'static str {
        match self {
            ModelKind::Rice => "RICE",
            ModelKind::Wsjf => "WSJF",
            ModelKind::Ice => "ICE",
            ModelKind::Moscow => "MoSCoW",
            ModelKind::Kano => "Kano",
            ModelKind::Weighted => "weighted scoring",
        }
    }
}

/// What a model may read of one item.
#[derive(Debug, Clone, Copy)]
pub struct ItemInputs<'a> {
    pub fields: &'a BTreeMap<String, FieldValue>,
    pub estimate: Option<f64>,
    /// How many goals the item serves.
    pub goals: usize,
    /// The item's release and its target date (days since 1970-01-01).
    pub release: Option<(&'a str, Option<i64>)>,
}

/// RICE impact: massive 3, high 2, medium 1, low 0.5, minimal 0.25.
pub const RICE_IMPACT: &[f64] = &[0.25, 0.5, 1.0, 2.0, 3.0];
/// RICE confidence in percent: high 100, medium 80, low 50.
pub const RICE_CONFIDENCE: &[f64] = &[50.0, 80.0, 100.0];
/// SAFe's modified Fibonacci scale for WSJF's terms.
pub const FIBONACCI: &[f64] = &[1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0];

/// How an input's stored value maps to the number the model uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// Any number ≥ 0.
    NonNegative,
    /// Any number > 0.
    Positive,
    /// One of these values.
    Set(&'static [f64]),
    /// A number from min to max, used as is.
    Range(f64, f64),
    /// A number from min to max, normalised to 0–1 (1 at max, or at min
    /// when `lower_is_better`).
    Linear {
        min: f64,
        max: f64,
        lower_is_better: bool,
    },
    /// Enum values and their numbers; `None` means "cannot be scored", with
    /// the reason.
    Map(Vec<(String, Result<f64, &'static str>)>),
    /// A count normalised to 0–1, `max` or more counting as 1.
    Count { max: f64 },
}

/// Where an input's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum InputSource {
    Field(String),
    Estimate,
    Goals,
    /// WSJF time criticality: the field, else derived from the item's
    /// cost-of-delay profile and its release date.
    TimeCriticality {
        field: String,
        profile: String,
    },
}

impl InputSource {
    /// How an explanation names the source.
    pub fn describe(&self) -> String {
        match self {
            InputSource::Field(f) => format!("field {f}"),
            InputSource::Estimate => "estimate".into(),
            InputSource::Goals => "linked goals".into(),
            InputSource::TimeCriticality { field, profile } => {
                format!("field {field} or {profile}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The input's name: a model role (`reach`) or a criterion's name.
    pub name: String,
    pub from: InputSource,
    pub scale: Scale,
    /// Weighted scoring only.
    pub weight: f64,
}

/// One input's value for one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// As stored (`2`, `must`, `3 goals`).
    pub raw: String,
    /// As the model uses it.
    pub x: f64,
    /// How it was derived, when not read directly (cost-of-delay profiles).
    pub note: Option<String>,
}

/// A value that is off its scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// An item's inputs, read: either every value, or what is missing.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    Values(Vec<Value>),
    /// Names of the missing (or unscorable) inputs, with the field to set.
    Missing(Vec<String>),
}

/// A scoring model configured for one workspace.
#[derive(Debug, Clone)]
pub struct Model {
    pub kind: ModelKind,
    pub inputs: Vec<Input>,
    /// The feasibility criterion and its floor, when configured.
    pub feasibility: Option<(Input, f64)>,
    /// Today, in days since 1970-01-01 (for cost-of-delay profiles).
    pub today: i64,
    confidence_field: String,
    ice_confidence_field: String,
    spike_below: f64,
}

/// Term-by-term account of a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub input: String,
    pub source: String,
    pub raw: String,
    pub value: f64,
    /// What the term does to the score, e.g. `× 2`, `+ 13 (50 % of cost of delay)`.
    pub effect: String,
    pub note: Option<String>,
}

/// What one input would have to become to reach a target score.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub input: String,
    pub from: String,
    /// The new value, e.g. `2` or `above 625`.
    pub to: String,
}

impl Model {
    /// Build a model from the workspace config. Errors say which field is
    /// missing from the config and how to declare it.
    pub fn new(kind: ModelKind, config: &Config, today: i64) -> Result<Model, String> {
        let rc = &config.ranking;
        let role = |name: &str, scale: Scale| -> Result<Input, String> {
            let field = rc
                .input_field(name, &config.fields)
                .map_err(|e| format!("{}: {e}", kind.title()))?;
            let (from, scale) = if field == "estimate" {
                (InputSource::Estimate, Scale::Positive)
            } else {
                (InputSource::Field(field), scale)
            };
            Ok(Input {
                name: name.to_string(),
                from,
                scale,
                weight: 1.0,
            })
        };
        let enum_map = |field: &str, values: &[(&str, Result<f64, &'static str>)]| {
            let declared = config
                .fields
                .get(field)
                .map(|d| d.values.clone())
                .unwrap_or_default();
            Scale::Map(
                values
                    .iter()
                    .filter(|(v, _)| declared.iter().any(|d| d == v))
                    .map(|(v, x)| (v.to_string(), *x))
                    .collect(),
            )
        };
        let inputs = match kind {
            ModelKind::Rice => vec![
                role("reach", Scale::NonNegative)?,
                role("impact", Scale::Set(RICE_IMPACT))?,
                role("confidence", Scale::Set(RICE_CONFIDENCE))?,
                role("effort", Scale::Positive)?,
            ],
            ModelKind::Wsjf => {
                let bv = role("business_value", Scale::Set(FIBONACCI))?;
                let tc_field = rc.field_for("time_criticality");
                let profile_field = rc.field_for("cod_profile");
                let has_tc = config.fields.contains_key(&tc_field);
                let has_profile = config.fields.contains_key(&profile_field);
                let tc = match (has_tc, has_profile) {
                    (_, true) => {
                        if has_tc {
                            role("time_criticality", Scale::Set(FIBONACCI))?;
                        }
                        role("cod_profile", Scale::Set(FIBONACCI))?;
                        Input {
                            name: "time_criticality".into(),
                            from: InputSource::TimeCriticality {
                                field: tc_field,
                                profile: profile_field,
                            },
                            scale: Scale::Set(FIBONACCI),
                            weight: 1.0,
                        }
                    }
                    (true, false) => role("time_criticality", Scale::Set(FIBONACCI))?,
                    (false, false) => {
                        return Err(format!(
                            "WSJF: `time_criticality` reads field `{tc_field}`, which the config does not declare; add [fields.{tc_field}] with type = \"number\", or a [fields.{profile_field}] enum with values {:?} so it is derived from each item's release date",
                            cairn_core::ranking::COD_PROFILES
                        ));
                    }
                };
                let rr = role("risk_reduction", Scale::Set(FIBONACCI))?;
                let js = role("job_size", Scale::Set(FIBONACCI))?;
                vec![bv, tc, rr, js]
            }
            ModelKind::Ice => vec![
                role("ice_impact", Scale::Range(1.0, 10.0))?,
                role("ice_confidence", Scale::Range(1.0, 10.0))?,
                role("ease", Scale::Range(1.0, 10.0))?,
            ],
            ModelKind::Moscow => {
                let mut i = role("moscow", Scale::NonNegative)?;
                if let InputSource::Field(f) = &i.from {
                    i.scale = enum_map(
                        f,
                        &[
                            ("must", Ok(4.0)),
                            ("should", Ok(3.0)),
                            ("could", Ok(2.0)),
                            ("wont", Ok(1.0)),
                        ],
                    );
                }
                vec![i]
            }
            ModelKind::Kano => {
                let mut c = role("kano", Scale::NonNegative)?;
                if let InputSource::Field(f) = &c.from {
                    c.scale = enum_map(
                        f,
                        &[
                            ("must-be", Ok(4.0)),
                            ("one-dimensional", Ok(3.0)),
                            ("attractive", Ok(2.0)),
                            ("indifferent", Ok(1.0)),
                            (
                                "reverse",
                                Err("customers would rather not have it (reverse)"),
                            ),
                            (
                                "questionable",
                                Err(
                                    "the survey answers contradict each other (questionable); survey again",
                                ),
                            ),
                        ],
                    );
                }
                vec![
                    c,
                    role("kano_better", Scale::Range(0.0, 1.0))?,
                    role("kano_worse", Scale::Range(-1.0, 0.0))?,
                ]
            }
            ModelKind::Weighted => {
                if rc.weighted.is_empty() {
                    return Err("weighted scoring has no criteria: declare them as [[ranking.weighted]] tables in the workspace config (see docs/prioritisation.md)".into());
                }
                rc.weighted
                    .iter()
                    .map(|c| criterion_input(c.get_ref(), config))
                    .collect()
            }
        };
        let feasibility = rc.feasibility.as_ref().map(|c| {
            let c = c.get_ref();
            (criterion_input(c, config), c.floor.unwrap_or(0.5))
        });
        Ok(Model {
            kind,
            inputs,
            feasibility,
            today,
            confidence_field: rc.field_for("confidence"),
            ice_confidence_field: rc.field_for("ice_confidence"),
            spike_below: rc.spike_below(),
        })
    }

    /// Every input the model reads, feasibility last.
    pub fn all_inputs(&self) -> impl Iterator<Item = &Input> {
        self.inputs
            .iter()
            .chain(self.feasibility.as_ref().map(|(i, _)| i))
    }

    /// Read an item's inputs.
    pub fn read(&self, item: &ItemInputs<'_>) -> Result<Read, Vec<Problem>> {
        let mut values = Vec::new();
        let mut missing = Vec::new();
        let mut problems = Vec::new();
        for input in self.all_inputs() {
            match read_input(input, item, self.today) {
                Ok(Ok(v)) => values.push(v),
                Ok(Err(m)) => missing.push(m),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(if missing.is_empty() {
            Read::Values(values)
        } else {
            Read::Missing(missing)
        })
    }

    /// The score from input values (in `all_inputs` order).
    pub fn score(&self, xs: &[f64]) -> f64 {
        let n = self.inputs.len();
        let base = match self.kind {
            ModelKind::Rice => xs[0] * xs[1] * (xs[2] / 100.0) / xs[3],
            ModelKind::Wsjf => (xs[0] + xs[1] + xs[2]) / xs[3],
            ModelKind::Ice => xs[0] * xs[1] * xs[2],
            ModelKind::Moscow => xs[0],
            ModelKind::Kano => xs[0] + (xs[1] + xs[2].abs()) / 2.0,
            ModelKind::Weighted => {
                let total: f64 = self.inputs.iter().map(|i| i.weight).sum();
                100.0
                    * self
                        .inputs
                        .iter()
                        .zip(xs)
                        .map(|(i, x)| i.weight * x)
                        .sum::<f64>()
                    / total
            }
        };
        match &self.feasibility {
            Some((_, floor)) => base * (floor + (1.0 - floor) * xs[n]),
            None => base,
        }
    }

    /// Score an item: `Ok(Ok(score))`, `Ok(Err(missing))` or problems.
    /// Allocates nothing when every input is present and on its scale.
    pub fn score_item(
        &self,
        item: &ItemInputs<'_>,
    ) -> Result<Result<f64, Vec<String>>, Vec<Problem>> {
        let mut xs = [0.0f64; 16];
        let mut n = 0;
        let mut fast = true;
        for input in self.all_inputs() {
            match x_of(input, item, self.today) {
                Some(x) if n < xs.len() => {
                    xs[n] = x;
                    n += 1;
                }
                _ => {
                    fast = false;
                    break;
                }
            }
        }
        if fast {
            return Ok(Ok(self.score(&xs[..n])));
        }
        Ok(match self.read(item)? {
            Read::Values(v) => {
                let xs: Vec<f64> = v.iter().map(|v| v.x).collect();
                Ok(self.score(&xs))
            }
            Read::Missing(m) => Err(m),
        })
    }

    /// The formula with the item's numbers, e.g. `500 × 2 × 80 % ÷ 4 = 250`.
    pub fn formula(&self, values: &[Value]) -> String {
        let x: Vec<f64> = values.iter().map(|v| v.x).collect();
        let s = fmt_num(self.score(&x));
        let mut f = match self.kind {
            ModelKind::Rice => format!(
                "reach {} × impact {} × confidence {} % ÷ effort {}",
                fmt_num(x[0]),
                fmt_num(x[1]),
                fmt_num(x[2]),
                fmt_num(x[3])
            ),
            ModelKind::Wsjf => format!(
                "cost of delay ({} + {} + {} = {}) ÷ job size {}",
                fmt_num(x[0]),
                fmt_num(x[1]),
                fmt_num(x[2]),
                fmt_num(x[0] + x[1] + x[2]),
                fmt_num(x[3])
            ),
            ModelKind::Ice => format!(
                "impact {} × confidence {} × ease {}",
                fmt_num(x[0]),
                fmt_num(x[1]),
                fmt_num(x[2])
            ),
            ModelKind::Moscow => format!("{} = {}", values[0].raw, fmt_num(x[0])),
            ModelKind::Kano => format!(
                "{} ({}) + (better {} + |worse {}|) ÷ 2",
                values[0].raw,
                fmt_num(x[0]),
                fmt_num(x[1]),
                fmt_num(x[2])
            ),
            ModelKind::Weighted => {
                let total: f64 = self.inputs.iter().map(|i| i.weight).sum();
                let parts: Vec<String> = self
                    .inputs
                    .iter()
                    .zip(&x)
                    .map(|(i, x)| format!("{} × {}", fmt_num(i.weight), fmt_num(*x)))
                    .collect();
                format!("100 × ({}) ÷ {}", parts.join(" + "), fmt_num(total))
            }
        };
        if let Some((_, floor)) = &self.feasibility {
            let fx = x[self.inputs.len()];
            f = format!(
                "({f}) × feasibility {}",
                fmt_num(floor + (1.0 - floor) * fx)
            );
        }
        format!("{f} = {s}")
    }

    /// Each input's part in the score.
    pub fn terms(&self, values: &[Value]) -> Vec<Term> {
        let x: Vec<f64> = values.iter().map(|v| v.x).collect();
        let total_w: f64 = self.inputs.iter().map(|i| i.weight).sum();
        self.all_inputs()
            .zip(values)
            .enumerate()
            .map(|(i, (input, v))| {
                let effect = if i >= self.inputs.len() {
                    let floor = self.feasibility.as_ref().map_or(0.5, |f| f.1);
                    format!(
                        "× {} (floor {} + {} × {} normalised)",
                        fmt_num(floor + (1.0 - floor) * v.x),
                        fmt_num(floor),
                        fmt_num(1.0 - floor),
                        fmt_num(v.x)
                    )
                } else {
                    match (self.kind, i) {
                        (ModelKind::Rice, 2) => format!("× {}", fmt_num(v.x / 100.0)),
                        (ModelKind::Rice, 3) | (ModelKind::Wsjf, 3) => {
                            format!("÷ {}", fmt_num(v.x))
                        }
                        (ModelKind::Rice | ModelKind::Ice, _) => format!("× {}", fmt_num(v.x)),
                        (ModelKind::Wsjf, _) => {
                            let cod = x[0] + x[1] + x[2];
                            format!(
                                "+ {} ({} % of cost of delay {})",
                                fmt_num(v.x),
                                (100.0 * v.x / cod).round(),
                                fmt_num(cod)
                            )
                        }
                        (ModelKind::Moscow, _) => format!("= {}", fmt_num(v.x)),
                        (ModelKind::Kano, 0) => format!("class weight {}", fmt_num(v.x)),
                        (ModelKind::Kano, _) => format!("+ {} ÷ 2", fmt_num(v.x.abs())),
                        (ModelKind::Weighted, _) => format!(
                            "+ {} (weight {} of {} × {} normalised)",
                            fmt_num(100.0 * input.weight * v.x / total_w),
                            fmt_num(input.weight),
                            fmt_num(total_w),
                            fmt_num(v.x)
                        ),
                    }
                };
                let source = match (&input.from, &v.note) {
                    (InputSource::TimeCriticality { profile, .. }, Some(_)) => {
                        format!("field {profile}")
                    }
                    (InputSource::TimeCriticality { field, .. }, None) => format!("field {field}"),
                    (from, _) => from.describe(),
                };
                Term {
                    input: input.name.clone(),
                    source,
                    raw: v.raw.clone(),
                    value: v.x,
                    effect,
                    note: v.note.clone(),
                }
            })
            .collect()
    }

    /// The item's confidence in percent when it is below the spike
    /// threshold: such an item "needs a spike" before it is committed to.
    pub fn needs_spike(&self, item: &ItemInputs<'_>) -> Option<f64> {
        let pct = match item.fields.get(&self.confidence_field) {
            Some(FieldValue::Number(c)) if self.kind != ModelKind::Ice => Some(*c),
            _ => match item.fields.get(&self.ice_confidence_field) {
                Some(FieldValue::Number(c)) => Some(c * 10.0),
                _ => None,
            },
        }?;
        (pct < self.spike_below).then_some(pct)
    }

    pub fn spike_below(&self) -> f64 {
        self.spike_below
    }

    /// For each input, the value it would need for the score to rise above
    /// `target` (`above`) or fall below it; inputs that cannot get there on
    /// their scale are left out.
    pub fn what_it_takes(&self, values: &[Value], target: f64, above: bool) -> Vec<Change> {
        let xs: Vec<f64> = values.iter().map(|v| v.x).collect();
        let ok = |s: f64| if above { s > target } else { s < target };
        let mut out = Vec::new();
        for (i, input) in self.all_inputs().enumerate() {
            let with = |x: f64| {
                let mut v = xs.clone();
                v[i] = x;
                self.score(&v)
            };
            let to = match &input.scale {
                Scale::Set(set) => discrete(
                    set.iter().map(|x| (fmt_num(*x), *x)).collect(),
                    xs[i],
                    &with,
                    &ok,
                ),
                Scale::Map(m) => discrete(
                    m.iter()
                        .filter_map(|(k, x)| x.ok().map(|x| (k.clone(), x)))
                        .collect(),
                    xs[i],
                    &with,
                    &ok,
                ),
                Scale::Count { max } => discrete(
                    (0..=(*max as usize))
                        .map(|n| (format!("{n} goals"), n as f64 / max))
                        .collect(),
                    xs[i],
                    &with,
                    &ok,
                ),
                Scale::Range(lo, hi) => {
                    continuous(*lo, *hi, xs[i], &with, &ok).map(|(x, dir)| bound_text(x, dir))
                }
                Scale::Linear {
                    min,
                    max,
                    lower_is_better,
                } => continuous(0.0, 1.0, xs[i], &with, &ok).map(|(x, dir)| {
                    let raw = if *lower_is_better {
                        max - x * (max - min)
                    } else {
                        min + x * (max - min)
                    };
                    bound_text(raw, dir != *lower_is_better)
                }),
                Scale::NonNegative => {
                    continuous(0.0, 1e15, xs[i], &with, &ok).map(|(x, d)| bound_text(x, d))
                }
                Scale::Positive => {
                    continuous(1e-9, 1e15, xs[i], &with, &ok).map(|(x, d)| bound_text(x, d))
                }
            };
            if let Some(to) = to {
                out.push(Change {
                    input: input.name.clone(),
                    from: values[i].raw.clone(),
                    to,
                });
            }
        }
        out
    }
}

/// The nearest scale value that gets the score where it must go.
fn discrete(
    mut options: Vec<(String, f64)>,
    current: f64,
    with: &dyn Fn(f64) -> f64,
    ok: &dyn Fn(f64) -> bool,
) -> Option<String> {
    options.sort_by(|a, b| (a.1 - current).abs().total_cmp(&(b.1 - current).abs()));
    options
        .into_iter()
        .find(|(_, x)| *x != current && ok(with(*x)))
        .map(|(s, _)| s)
}

/// The threshold value in `[lo, hi]` past which the score is where it must
/// be, and whether the value must rise (`true`) or fall to get there.
fn continuous(
    lo: f64,
    hi: f64,
    current: f64,
    with: &dyn Fn(f64) -> f64,
    ok: &dyn Fn(f64) -> bool,
) -> Option<(f64, bool)> {
    // Try each direction from the current value.
    for (end, up) in [(hi, true), (lo, false)] {
        if (up && current >= end) || (!up && current <= end) || !ok(with(end)) {
            continue;
        }
        // ok(with(end)) holds and ok(with(current)) does not: bisect.
        let (mut bad, mut good) = (current, end);
        for _ in 0..200 {
            let mid = if good > 1e3 * bad.abs().max(1.0) {
                (bad.abs().max(1.0) * good).sqrt().copysign(good)
            } else {
                (bad + good) / 2.0
            };
            if ok(with(mid)) {
                good = mid;
            } else {
                bad = mid;
            }
            if (good - bad).abs() <= 1e-9 * good.abs().max(1.0) {
                break;
            }
        }
        return Some((bad, up));
    }
    None
}

fn bound_text(x: f64, up: bool) -> String {
    if up {
        format!("above {}", fmt_num(x))
    } else {
        format!("below {}", fmt_num(x))
    }
}

/// A number as people write it: at most two decimals, no trailing zeros.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let r = (x * 100.0).round() / 100.0;
    let mut s = format!("{r:.2}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" { "0".into() } else { s }
}

fn criterion_input(c: &Criterion, config: &Config) -> Input {
    let linear = || Scale::Linear {
        min: c.min.unwrap_or(0.0),
        max: c.max.unwrap_or(1.0),
        lower_is_better: c.lower_is_better,
    };
    let (from, scale) = match c.source {
        Source::Goals => (
            InputSource::Goals,
            Scale::Count {
                max: c.max.unwrap_or(1.0).floor().max(1.0),
            },
        ),
        Source::Estimate => (InputSource::Estimate, linear()),
        Source::Field => {
            let f = c.field.clone().unwrap_or_default();
            let is_enum = config
                .fields
                .get(&f)
                .is_some_and(|d| d.ty == FieldType::Enum);
            let scale = if is_enum {
                Scale::Map(c.map.iter().map(|(k, v)| (k.clone(), Ok(*v))).collect())
            } else {
                linear()
            };
            (InputSource::Field(f), scale)
        }
    };
    Input {
        name: c.name.clone(),
        from,
        scale,
        weight: c.weight,
    }
}

/// The allowed values of a scale, for error messages.
pub fn describe_scale(s: &Scale) -> String {
    match s {
        Scale::NonNegative => "a number of 0 or more".into(),
        Scale::Positive => "a number above 0".into(),
        Scale::Set(v) => v.iter().map(|x| fmt_num(*x)).collect::<Vec<_>>().join(", "),
        Scale::Range(a, b) => format!("{} to {}", fmt_num(*a), fmt_num(*b)),
        Scale::Linear { min, max, .. } => format!("{} to {}", fmt_num(*min), fmt_num(*max)),
        Scale::Map(m) => m
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        Scale::Count { .. } => "a count".into(),
    }
}

/// An input's model value when it is present and on its scale; `None`
/// otherwise (the caller then reads it in full for the reason).
fn x_of(input: &Input, item: &ItemInputs<'_>, today: i64) -> Option<f64> {
    match &input.from {
        InputSource::Estimate => scale_x(&input.scale, item.estimate?),
        InputSource::Goals => match input.scale {
            Scale::Count { max } => Some((item.goals as f64 / max).min(1.0)),
            _ => None,
        },
        InputSource::Field(f) => field_x(input, item.fields.get(f)?),
        InputSource::TimeCriticality { field, profile } => match item.fields.get(field) {
            Some(v) => field_x(input, v),
            None => {
                let p = item.fields.get(profile)?.as_text()?;
                cod_value(p, weeks_until(item.release, today)).ok()
            }
        },
    }
}

fn field_x(input: &Input, v: &FieldValue) -> Option<f64> {
    match (v, &input.scale) {
        (FieldValue::Text(t), Scale::Map(m)) => m.iter().find(|(k, _)| k == t)?.1.ok(),
        (FieldValue::Number(x), s) if !matches!(s, Scale::Map(_)) => scale_x(s, *x),
        _ => None,
    }
}

fn scale_x(scale: &Scale, x: f64) -> Option<f64> {
    if !x.is_finite() {
        return None;
    }
    match scale {
        Scale::NonNegative if x >= 0.0 => Some(x),
        Scale::Positive if x > 0.0 => Some(x),
        Scale::Set(set) if set.iter().any(|s| (s - x).abs() < 1e-9) => Some(x),
        Scale::Range(a, b) if (*a..=*b).contains(&x) => Some(x),
        Scale::Linear {
            min,
            max,
            lower_is_better,
        } if (*min..=*max).contains(&x) => {
            let n = (x - min) / (max - min);
            Some(if *lower_is_better { 1.0 - n } else { n })
        }
        _ => None,
    }
}

fn weeks_until(release: Option<(&str, Option<i64>)>, today: i64) -> Option<f64> {
    release
        .and_then(|(_, d)| d)
        .map(|d| (d - today) as f64 / 7.0)
}

type ReadOne = Result<Result<Value, String>, Problem>;

fn read_input(input: &Input, item: &ItemInputs<'_>, today: i64) -> ReadOne {
    let number = |field: &str, x: f64| -> ReadOne {
        let off = |extra: &str| {
            Err(Problem {
                field: field.to_string(),
                message: format!(
                    "{} = {} is off its scale: allowed {}{extra}",
                    input.name,
                    fmt_num(x),
                    describe_scale(&input.scale)
                ),
            })
        };
        match scale_x(&input.scale, x) {
            Some(v) => Ok(Ok(Value {
                raw: fmt_num(x),
                x: v,
                note: None,
            })),
            None if matches!(input.scale, Scale::Set(_))
                && input.name == "confidence"
                && x > 0.0
                && x <= 1.0 =>
            {
                off(" (confidence is in percent: write 80, not 0.8)")
            }
            None => off(""),
        }
    };
    match &input.from {
        InputSource::Estimate => match item.estimate {
            Some(e) => number("estimate", e),
            None => Ok(Err(format!("{} (estimate)", input.name))),
        },
        InputSource::Goals => {
            let Scale::Count { max } = input.scale else {
                return Ok(Err(input.name.clone()));
            };
            let n = item.goals as f64;
            Ok(Ok(Value {
                raw: format!(
                    "{} goal{}",
                    item.goals,
                    if item.goals == 1 { "" } else { "s" }
                ),
                x: (n / max).min(1.0),
                note: None,
            }))
        }
        InputSource::Field(f) => read_field(input, f, item, &number),
        InputSource::TimeCriticality { field, profile } => {
            if item.fields.contains_key(field) {
                return read_field(input, field, item, &number);
            }
            let Some(FieldValue::Text(p)) = item.fields.get(profile) else {
                return Ok(Err(if *field == input.name {
                    format!("{field} (or {profile} with a dated release)")
                } else {
                    format!(
                        "{} ({field}, or {profile} with a dated release)",
                        input.name
                    )
                }));
            };
            match cod_time_criticality(p, item.release, today) {
                Ok((x, note)) => Ok(Ok(Value {
                    raw: fmt_num(x),
                    x,
                    note: Some(note),
                })),
                Err(m) => Ok(Err(format!("{} ({m})", input.name))),
            }
        }
    }
}

fn read_field(
    input: &Input,
    f: &str,
    item: &ItemInputs<'_>,
    number: &dyn Fn(&str, f64) -> ReadOne,
) -> ReadOne {
    match (item.fields.get(f), &input.scale) {
        (None, _) => Ok(Err(if input.name == f {
            f.to_string()
        } else {
            format!("{} ({f})", input.name)
        })),
        (Some(FieldValue::Text(t)), Scale::Map(m)) => match m.iter().find(|(k, _)| k == t) {
            Some((_, Ok(x))) => Ok(Ok(Value {
                raw: t.clone(),
                x: *x,
                note: None,
            })),
            Some((_, Err(why))) => Ok(Err(format!("{} ({why})", input.name))),
            None => Err(Problem {
                field: f.to_string(),
                message: format!(
                    "{} = {t} is not on its scale: allowed {}",
                    input.name,
                    describe_scale(&input.scale)
                ),
            }),
        },
        (Some(FieldValue::Number(x)), s) if !matches!(s, Scale::Map(_)) => number(f, *x),
        (Some(v), _) => Err(Problem {
            field: f.to_string(),
            message: format!(
                "{} = {v} has the wrong type: allowed {}",
                input.name,
                describe_scale(&input.scale)
            ),
        }),
    }
}

/// WSJF time criticality from a cost-of-delay profile and the weeks left
/// until the item's release date (see docs/prioritisation.md):
/// - urgent (expedite): every week of delay costs the most: 20;
/// - fixed-date: no cost until the date nears, then a steep one:
///   ≤ 2 weeks 20, ≤ 4 13, ≤ 6 8, ≤ 10 5, ≤ 16 3, ≤ 26 2, later 1;
/// - standard: cost grows steadily with delay, more so near the date:
///   ≤ 4 weeks 8, ≤ 13 5, later 3;
/// - intangible: little cost now: 1.
pub fn cod_time_criticality(
    profile: &str,
    release: Option<(&str, Option<i64>)>,
    today: i64,
) -> Result<(f64, String), String> {
    let dated = release.and_then(|(name, d)| d.map(|d| (name, d)));
    let weeks = weeks_until(release, today);
    let when = match dated {
        Some((name, _)) => {
            let w = weeks.unwrap_or(0.0);
            if w < 0.0 {
                format!("release {name} was due {} weeks ago", fmt_num(-w))
            } else {
                format!("release {name} is {} weeks away", fmt_num(w))
            }
        }
        None => "no dated release".into(),
    };
    let x = cod_value(profile, weeks)?;
    Ok((x, format!("{profile} cost-of-delay profile; {when}")))
}

/// The time criticality a profile gives, `weeks` before the release date.
fn cod_value(profile: &str, weeks: Option<f64>) -> Result<f64, String> {
    Ok(match profile {
        "urgent" => 20.0,
        "intangible" => 1.0,
        "fixed-date" => {
            let Some(w) = weeks else {
                return Err("a fixed-date item needs a release with a target date".into());
            };
            match w {
                w if w <= 2.0 => 20.0,
                w if w <= 4.0 => 13.0,
                w if w <= 6.0 => 8.0,
                w if w <= 10.0 => 5.0,
                w if w <= 16.0 => 3.0,
                w if w <= 26.0 => 2.0,
                _ => 1.0,
            }
        }
        "standard" => match weeks {
            Some(w) if w <= 4.0 => 8.0,
            Some(w) if w <= 13.0 => 5.0,
            _ => 3.0,
        },
        other => return Err(format!("unknown cost-of-delay profile `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[workflow]
states = [{ name = "todo", category = "todo" }, { name = "done", category = "done" }]
[fields.reach]
type = "number"
[fields.impact]
type = "number"
[fields.confidence]
type = "number"
[fields.effort]
type = "number"
[fields.business_value]
type = "number"
[fields.time_criticality]
type = "number"
[fields.risk_reduction]
type = "number"
[fields.job_size]
type = "number"
[fields.ice_impact]
type = "number"
[fields.ice_confidence]
type = "number"
[fields.ease]
type = "number"
[fields.moscow]
type = "enum"
values = ["must", "should", "could", "wont"]
[fields.kano]
type = "enum"
values = ["must-be", "one-dimensional", "attractive", "indifferent", "reverse", "questionable"]
[fields.kano_better]
type = "number"
[fields.kano_worse]
type = "number"
[fields.cod_profile]
type = "enum"
values = ["standard", "urgent", "fixed-date", "intangible"]
[fields.value]
type = "number"
[fields.risk]
type = "enum"
values = ["low", "medium", "high"]

[[ranking.weighted]]
name = "value"
field = "value"
weight = 3
min = 1
max = 10
[[ranking.weighted]]
name = "strategic_fit"
source = "goals"
weight = 2
max = 2
[[ranking.weighted]]
name = "technical_risk"
field = "risk"
map = { low = 1.0, medium = 0.5, high = 0.0 }
"#;

    fn model(kind: ModelKind) -> Model {
        let c = Config::parse(CONFIG).unwrap();
        Model::new(kind, &c, 20_000).unwrap()
    }

    fn fields(pairs: &[(&str, FieldValue)]) -> BTreeMap<String, FieldValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn n(x: f64) -> FieldValue {
        FieldValue::Number(x)
    }

    fn t(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    fn inputs(f: &BTreeMap<String, FieldValue>) -> ItemInputs<'_> {
        ItemInputs {
            fields: f,
            estimate: None,
            goals: 0,
            release: None,
        }
    }

    fn score(m: &Model, i: &ItemInputs<'_>) -> f64 {
        m.score_item(i).unwrap().unwrap()
    }

    #[test]
    fn rice_by_hand() {
        // 500 people a quarter × high impact 2 × 80 % ÷ 2 person-months = 400.
        let m = model(ModelKind::Rice);
        let f = fields(&[
            ("reach", n(500.0)),
            ("impact", n(2.0)),
            ("confidence", n(80.0)),
            ("effort", n(2.0)),
        ]);
        assert_eq!(score(&m, &inputs(&f)), 400.0);
        let Read::Values(v) = m.read(&inputs(&f)).unwrap() else {
            panic!()
        };
        assert_eq!(
            m.formula(&v),
            "reach 500 × impact 2 × confidence 80 % ÷ effort 2 = 400"
        );
        let terms = m.terms(&v);
        assert_eq!(terms[2].effect, "× 0.8");
        assert_eq!(terms[3].effect, "÷ 2");
        // To pass a neighbour at 500: reach above 625, impact 3, or effort below 1.6.
        let need = m.what_it_takes(&v, 500.0, true);
        let got: Vec<(&str, &str)> = need
            .iter()
            .map(|c| (c.input.as_str(), c.to.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("reach", "above 625"),
                ("impact", "3"),
                ("effort", "below 1.6")
            ]
        );
        // To fall below 300: reach below 375, impact 1, confidence 50 (250), effort above 2.67.
        let need = m.what_it_takes(&v, 300.0, false);
        let got: Vec<(&str, &str)> = need
            .iter()
            .map(|c| (c.input.as_str(), c.to.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("reach", "below 375"),
                ("impact", "1"),
                ("confidence", "50"),
                ("effort", "above 2.67")
            ]
        );
    }

    #[test]
    fn wsjf_by_hand() {
        // Cost of delay 8 + 5 + 3 = 16, job size 5: 3.2.
        let m = model(ModelKind::Wsjf);
        let f = fields(&[
            ("business_value", n(8.0)),
            ("time_criticality", n(5.0)),
            ("risk_reduction", n(3.0)),
            ("job_size", n(5.0)),
        ]);
        assert_eq!(score(&m, &inputs(&f)), 3.2);
        let Read::Values(v) = m.read(&inputs(&f)).unwrap() else {
            panic!()
        };
        assert_eq!(m.terms(&v)[0].effect, "+ 8 (50 % of cost of delay 16)");
        // Off the modified Fibonacci scale.
        let f = fields(&[
            ("business_value", n(4.0)),
            ("time_criticality", n(5.0)),
            ("risk_reduction", n(3.0)),
            ("job_size", n(5.0)),
        ]);
        let p = m.read(&inputs(&f)).unwrap_err();
        assert_eq!(p[0].field, "business_value");
        assert!(
            p[0].message.contains("1, 2, 3, 5, 8, 13, 20"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn wsjf_time_criticality_from_cost_of_delay_profiles() {
        let m = model(ModelKind::Wsjf);
        let base = [
            ("business_value", n(8.0)),
            ("risk_reduction", n(1.0)),
            ("job_size", n(3.0)),
        ];
        let with = |profile: &str, release: Option<(&str, Option<i64>)>| {
            let mut f = fields(&base);
            f.insert("cod_profile".into(), t(profile));
            let i = ItemInputs {
                release,
                ..inputs(&f)
            };
            m.score_item(&i).unwrap()
        };
        // Fixed date three weeks away: time criticality 13 → (8 + 13 + 1) / 3.
        let s = with("fixed-date", Some(("R2", Some(20_021)))).unwrap();
        assert!((s - 22.0 / 3.0).abs() < 1e-12);
        // The same date half a year away barely matters: 2.
        let s = with("fixed-date", Some(("R2", Some(20_000 + 7 * 20)))).unwrap();
        assert!((s - 11.0 / 3.0).abs() < 1e-12);
        assert_eq!(with("urgent", None).unwrap(), 29.0 / 3.0);
        assert_eq!(with("intangible", None).unwrap(), 10.0 / 3.0);
        assert_eq!(
            with("standard", Some(("R2", Some(20_014)))).unwrap(),
            17.0 / 3.0
        );
        // A fixed date with no date is not a silent zero.
        let missing = with("fixed-date", Some(("R2", None))).unwrap_err();
        assert!(
            missing[0].contains("release with a target date"),
            "{missing:?}"
        );
        // An explicit time criticality wins over the profile.
        let mut f = fields(&base);
        f.insert("cod_profile".into(), t("urgent"));
        f.insert("time_criticality".into(), n(2.0));
        assert_eq!(score(&m, &inputs(&f)), 11.0 / 3.0);
    }

    #[test]
    fn ice_by_hand() {
        let m = model(ModelKind::Ice);
        let f = fields(&[
            ("ice_impact", n(8.0)),
            ("ice_confidence", n(6.0)),
            ("ease", n(5.0)),
        ]);
        assert_eq!(score(&m, &inputs(&f)), 240.0);
        let f = fields(&[
            ("ice_impact", n(11.0)),
            ("ice_confidence", n(6.0)),
            ("ease", n(5.0)),
        ]);
        assert!(
            m.read(&inputs(&f)).unwrap_err()[0]
                .message
                .contains("1 to 10")
        );
        // Confidence 6 of 10 is 60 %: above the default spike threshold of 50 %.
        let f = fields(&[
            ("ice_impact", n(8.0)),
            ("ice_confidence", n(3.0)),
            ("ease", n(5.0)),
        ]);
        assert_eq!(m.needs_spike(&inputs(&f)), Some(30.0));
    }

    #[test]
    fn moscow_and_kano_classes() {
        let m = model(ModelKind::Moscow);
        assert_eq!(score(&m, &inputs(&fields(&[("moscow", t("must"))]))), 4.0);
        assert_eq!(score(&m, &inputs(&fields(&[("moscow", t("wont"))]))), 1.0);
        let k = model(ModelKind::Kano);
        let f = fields(&[
            ("kano", t("one-dimensional")),
            ("kano_better", n(0.8)),
            ("kano_worse", n(-0.4)),
        ]);
        assert!((score(&k, &inputs(&f)) - 3.6).abs() < 1e-12);
        let f = fields(&[
            ("kano", t("questionable")),
            ("kano_better", n(0.1)),
            ("kano_worse", n(-0.1)),
        ]);
        let Read::Missing(why) = k.read(&inputs(&f)).unwrap() else {
            panic!()
        };
        assert!(why[0].contains("questionable"), "{why:?}");
    }

    #[test]
    fn weighted_by_hand() {
        // value 7 on 1–10 → 6/9; 1 of 2 goals → 0.5; risk medium → 0.5.
        // 100 × (3 × 0.667 + 2 × 0.5 + 1 × 0.5) ÷ 6 = 58.33.
        let m = model(ModelKind::Weighted);
        let f = fields(&[("value", n(7.0)), ("risk", t("medium"))]);
        let i = ItemInputs {
            goals: 1,
            ..inputs(&f)
        };
        assert!((score(&m, &i) - 350.0 / 6.0).abs() < 1e-9);
        let Read::Values(v) = m.read(&i).unwrap() else {
            panic!()
        };
        assert_eq!(
            m.terms(&v)[1].effect,
            "+ 16.67 (weight 2 of 6 × 0.5 normalised)"
        );
        let need = m.what_it_takes(&v, 70.0, true);
        let got: Vec<(&str, &str)> = need
            .iter()
            .map(|c| (c.input.as_str(), c.to.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("value", "above 9.1"), ("strategic_fit", "2 goals")]
        );
    }

    #[test]
    fn missing_inputs_are_named_never_zero() {
        let m = model(ModelKind::Rice);
        let f = fields(&[("impact", n(2.0)), ("confidence", n(80.0))]);
        assert_eq!(
            m.read(&inputs(&f)).unwrap(),
            Read::Missing(vec!["reach".into(), "effort".into()])
        );
        let f = fields(&[
            ("reach", n(5.0)),
            ("impact", n(7.0)),
            ("confidence", n(0.8)),
            ("effort", n(1.0)),
        ]);
        let p = m.read(&inputs(&f)).unwrap_err();
        assert_eq!(p.len(), 2);
        assert!(p[0].message.contains("0.25, 0.5, 1, 2, 3"));
        assert!(
            p[1].message.contains("write 80, not 0.8"),
            "{}",
            p[1].message
        );
    }

    #[test]
    fn feasibility_scales_every_model() {
        let text = format!(
            "{CONFIG}\n[ranking.feasibility]\nname = \"complexity\"\nfield = \"risk\"\nmap = {{ low = 1.0, medium = 0.5, high = 0.0 }}\nfloor = 0.6\n"
        );
        let c = Config::parse(&text).unwrap();
        let m = Model::new(ModelKind::Ice, &c, 0).unwrap();
        let f = fields(&[
            ("ice_impact", n(8.0)),
            ("ice_confidence", n(6.0)),
            ("ease", n(5.0)),
            ("risk", t("high")),
        ]);
        assert!((score(&m, &inputs(&f)) - 240.0 * 0.6).abs() < 1e-9);
        let f = fields(&[
            ("ice_impact", n(8.0)),
            ("ice_confidence", n(6.0)),
            ("ease", n(5.0)),
        ]);
        let Read::Missing(m) = m.read(&inputs(&f)).unwrap() else {
            panic!()
        };
        assert_eq!(m, vec!["complexity (risk)"]);
    }

    proptest::proptest! {
        /// The allocation-free scoring path agrees with the full read.
        #[test]
        fn fast_and_full_reads_agree(
            vals in proptest::collection::vec(proptest::option::of(-1.0f64..25.0), 4),
            kind in 0usize..3,
        ) {
            let (k, names): (ModelKind, &[&str]) = match kind {
                0 => (ModelKind::Rice, &["reach", "impact", "confidence", "effort"]),
                1 => (ModelKind::Wsjf, &["business_value", "time_criticality", "risk_reduction", "job_size"]),
                _ => (ModelKind::Ice, &["ice_impact", "ice_confidence", "ease", "ease"]),
            };
            let m = model(k);
            // Round to the scales' grain so some values land on them.
            let f: BTreeMap<String, FieldValue> = names
                .iter()
                .zip(&vals)
                .filter_map(|(n, v)| v.map(|v| (n.to_string(), FieldValue::Number(v.round()))))
                .collect();
            let i = inputs(&f);
            let fast = m.score_item(&i);
            let full = m.read(&i).map(|r| match r {
                Read::Values(v) => Ok(m.score(&v.iter().map(|v| v.x).collect::<Vec<_>>())),
                Read::Missing(mi) => Err(mi),
            });
            proptest::prop_assert_eq!(fast, full);
        }
    }

    #[test]
    fn undeclared_inputs_say_how_to_declare_them() {
        let c = Config::default();
        let e = Model::new(ModelKind::Rice, &c, 0).unwrap_err();
        assert!(e.contains("[fields.reach]"), "{e}");
        let e = Model::new(ModelKind::Weighted, &c, 0).unwrap_err();
        assert!(e.contains("[[ranking.weighted]]"), "{e}");
    }
}
