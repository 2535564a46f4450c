//! Synthetic text for the feedback figures: items and feedback written
//! from a Zipf-distributed vocabulary of pronounceable words, so a few
//! words are in thousands of texts and most in a handful, as in real
//! backlogs and support queues.

use cairn_core::{Category, Item, ItemKey, Kind, Millis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mer", "tin", "sa", "ve", "ron", "di", "pa", "qu", "el", "mon", "ta", "ri", "bo",
    "nel", "cu", "fa", "gor", "hi", "jun", "ple", "wes", "zo",
];

pub struct Vocabulary {
    words: Vec<String>,
    /// Cumulative Zipf weights.
    cdf: Vec<f64>,
}

impl Vocabulary {
    /// `n` distinct words, the k-th drawn with weight 1/k.
    pub fn new(n: usize, seed: u64) -> Vocabulary {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut seen = std::collections::HashSet::new();
        let mut words = Vec::with_capacity(n);
        while words.len() < n {
            let parts = rng.gen_range(2..=4);
            let w: String = (0..parts)
                .map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())])
                .collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut cdf = Vec::with_capacity(n);
        let mut acc = 0.0;
        for k in 1..=n {
            acc += 1.0 / k as f64;
            cdf.push(acc);
        }
        Vocabulary { words, cdf }
    }

    pub fn word(&self, rng: &mut ChaCha8Rng) -> &str {
        let total = self.cdf.last().copied().unwrap_or(1.0);
        let x = rng.gen_range(0.0..total);
        let i = self.cdf.partition_point(|c| *c < x);
        &self.words[i.min(self.words.len() - 1)]
    }

    pub fn sentence(&self, rng: &mut ChaCha8Rng, words: usize) -> String {
        (0..words)
            .map(|_| self.word(rng).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// [`items`] written into `app`'s workspace in one bulk load, at
/// [`crate::generate::END`]; returns them.
pub fn load_items(
    app: &mut cairn_app::App,
    v: &Vocabulary,
    n: usize,
    prefix: &str,
    seed: u64,
) -> anyhow::Result<Vec<Item>> {
    let items = items(v, n, prefix, crate::generate::END, seed);
    let st = app.store();
    st.begin()?;
    st.bulk_begin()?;
    st.bulk_items(&items)?;
    st.bulk_end()?;
    st.commit()?;
    Ok(items)
}

/// `n` stories of product `prefix`, titled and described from the vocabulary.
pub fn items(v: &Vocabulary, n: usize, prefix: &str, at: Millis, seed: u64) -> Vec<Item> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ranks = cairn_core::rank::spread(n);
    (1..=n as i64)
        .zip(ranks)
        .map(|(num, rank)| {
            let (tn, dn) = (rng.gen_range(6..=12), rng.gen_range(15..=40));
            let title = v.sentence(&mut rng, tn);
            let description = v.sentence(&mut rng, dn);
            Item {
                key: ItemKey::new(prefix, num),
                kind: Kind::Story,
                title,
                description,
                state: "todo".into(),
                category: Category::Todo,
                assignee: None,
                estimate: None,
                labels: vec![],
                parent: None,
                release: None,
                acceptance: String::new(),
                fields: BTreeMap::new(),
                goals: vec![],
                rank,
                created: at,
                updated: at,
                resolved: None,
                started: None,
                version: 1,
            }
        })
        .collect()
}

/// New feedback about `item`: a few of its title's words among others.
pub fn feedback_about(v: &Vocabulary, item: &Item, rng: &mut ChaCha8Rng) -> String {
    let own: Vec<&str> = item.title.split(' ').collect();
    let mut words: Vec<String> = (0..4)
        .map(|_| own[rng.gen_range(0..own.len())].to_string())
        .collect();
    for _ in 0..rng.gen_range(3..=6) {
        words.push(v.word(rng).to_string());
    }
    format!("Please {}", words.join(" "))
}

/// `n` pieces of feedback as CSV (id, text, date), each about one of
/// `topics` topics (five words each) plus words from the vocabulary.
pub fn feedback_csv(v: &Vocabulary, n: usize, topics: usize, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let topic_words: Vec<Vec<String>> = (0..topics)
        .map(|_| {
            (0..5)
                .map(|_| v.words[rng.gen_range(v.words.len() / 20..v.words.len())].clone())
                .collect()
        })
        .collect();
    let mut out = String::from("id,text,date\n");
    for i in 0..n {
        let t = &topic_words[rng.gen_range(0..topics)];
        let mut words: Vec<String> = (0..3).map(|_| t[rng.gen_range(0..5)].clone()).collect();
        for _ in 0..rng.gen_range(4..=8) {
            words.push(v.word(&mut rng).to_string());
        }
        let day = 1 + i % 28;
        out.push_str(&format!("B-{i},{},2025-12-{day:02}\n", words.join(" ")));
    }
    out
}
