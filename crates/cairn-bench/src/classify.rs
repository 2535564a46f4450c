//! Requirement classifier quality: leave-one-project-out on the PROMISE
//! NFR data set (the speed figure is in `requirements.rs`).
//!
//! `run` returns one JSON object per figure (`name`, `value`, `unit`,
//! `target`, `better`, `detail`) and prints nothing. `better` says which
//! way the target points: timings pass at or below it, quality figures at
//! or above it. Quality figures have no target of their own; the published
//! reference (Kurtanović & Maalej 2017, about 0.92 precision and recall
//! for F vs NFR) used 10-fold cross-validation that mixes projects, so it
//! is given in `detail`, not as a target.

use anyhow::{Context, Result, anyhow};
use cairn_engine::classify::{Scores, leave_one_project_out, parse_promise_csv};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Instant;

fn figure(
    name: &str,
    value: f64,
    unit: &str,
    target: Option<f64>,
    better: &str,
    detail: String,
) -> Value {
    json!({
        "name": name,
        "value": value,
        "unit": unit,
        "target": target,
        "better": better,
        "detail": detail,
    })
}

/// Run the classifier workloads on the PROMISE NFR CSV at `data`.
pub fn run(data: &Path) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(data)
        .with_context(|| format!("reading the PROMISE NFR data set {}", data.display()))?;
    let examples = parse_promise_csv(&text).map_err(|e| anyhow!("{}: {e}", data.display()))?;
    let mut out = Vec::new();

    let t = Instant::now();
    let cv = leave_one_project_out(&examples);
    let lopo_s = t.elapsed().as_secs_f64();
    out.push(figure(
        "classify_lopo_time",
        lopo_s,
        "s",
        None,
        "lower",
        format!(
            "{} folds over {} requirements, trained and tested",
            cv.folds,
            examples.len()
        ),
    ));
    let reference = "published: ~0.92 P/R (Kurtanović & Maalej 2017, 10-fold, projects mixed)";
    let (f, nfr) = cv.f_vs_nfr;
    let mut scores = |prefix: &str, s: &Scores, detail: &str| {
        for (what, v) in [
            ("precision", s.precision),
            ("recall", s.recall),
            ("f1", s.f1),
        ] {
            out.push(figure(
                &format!("classify_lopo_{prefix}_{what}"),
                v,
                "ratio",
                None,
                "higher",
                format!("support {}; {detail}", s.support),
            ));
        }
    };
    scores("functional", &f, reference);
    scores("nonfunctional", &nfr, reference);
    for (name, v, detail) in [
        (
            "classify_lopo_accuracy",
            cv.accuracy,
            "exact class among 12".to_string(),
        ),
        (
            "classify_lopo_macro_f1",
            cv.macro_f1,
            "mean F1 over the 12 classes".to_string(),
        ),
        (
            "classify_lopo_mean_confidence",
            cv.mean_confidence,
            format!("calibrated when close to the accuracy {:.3}", cv.accuracy),
        ),
    ] {
        out.push(figure(name, v, "ratio", None, "higher", detail));
    }
    for (class, s) in &cv.per_class {
        out.push(figure(
            &format!("classify_lopo_f1_{}", class.code().to_ascii_lowercase()),
            s.f1,
            "ratio",
            None,
            "higher",
            format!(
                "{}: precision {:.3}, recall {:.3}, support {}",
                class.name(),
                s.precision,
                s.recall,
                s.support
            ),
        ));
    }

    Ok(out)
}
