//! The Kano model: classify a feature from pairs of survey answers, one to
//! the functional question ("How do you feel if the product has X?") and
//! one to the dysfunctional question ("… if it does not have X?").
//!
//! Each pair is looked up in the standard evaluation table (Berger et al.,
//! 1993). A feature's class is the most frequent one among its respondents,
//! ties broken must-be > one-dimensional > attractive > indifferent >
//! reverse > questionable. The customer-satisfaction coefficients are
//! better = (A + O) / (A + O + M + I) and worse = −(O + M) / (A + O + M + I).

/// One answer on the five-point Kano scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Answer {
    Like,
    MustBe,
    Neutral,
    LiveWith,
    Dislike,
}

impl Answer {
    pub const ALL: [Answer; 5] = [
        Answer::Like,
        Answer::MustBe,
        Answer::Neutral,
        Answer::LiveWith,
        Answer::Dislike,
    ];

    /// Read an answer: its number (1 like … 5 dislike) or its words, e.g.
    /// `like`, `I like it`, `must-be`, `I expect it`, `neutral`,
    /// `I can live with it`, `tolerate`, `dislike`.
    pub fn parse(s: &str) -> Option<Answer> {
        let t: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
            .collect();
        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
        let t = t.strip_prefix("i ").unwrap_or(&t);
        Some(match t {
            "1" | "like" | "like it" | "like it that way" | "delighted" => Answer::Like,
            "2"
            | "must be"
            | "mustbe"
            | "must be that way"
            | "it must be that way"
            | "expect"
            | "expect it"
            | "expected" => Answer::MustBe,
            "3" | "neutral" | "am neutral" | "don t care" | "do not care" | "indifferent" => {
                Answer::Neutral
            }
            "4" | "live with" | "live with it" | "can live with it" | "can live with that"
            | "tolerate" | "tolerate it" | "can tolerate it" => Answer::LiveWith,
            "5" | "dislike" | "dislike it" | "dislike it that way" => Answer::Dislike,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Like => "like",
            Answer::MustBe => "must-be",
            Answer::Neutral => "neutral",
            Answer::LiveWith => "live-with",
            Answer::Dislike => "dislike",
        }
    }
}

/// A Kano class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    MustBe,
    OneDimensional,
    Attractive,
    Indifferent,
    Reverse,
    Questionable,
}

impl Class {
    /// In tie-break order.
    pub const ALL: [Class; 6] = [
        Class::MustBe,
        Class::OneDimensional,
        Class::Attractive,
        Class::Indifferent,
        Class::Reverse,
        Class::Questionable,
    ];

    /// The value stored in the `kano` enum field.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::MustBe => "must-be",
            Class::OneDimensional => "one-dimensional",
            Class::Attractive => "attractive",
            Class::Indifferent => "indifferent",
            Class::Reverse => "reverse",
            Class::Questionable => "questionable",
        }
    }

    /// The one-letter code of the evaluation table.
    pub fn letter(self) -> char {
        match self {
            Class::MustBe => 'M',
            Class::OneDimensional => 'O',
            Class::Attractive => 'A',
            Class::Indifferent => 'I',
            Class::Reverse => 'R',
            Class::Questionable => 'Q',
        }
    }
}

/// The standard Kano evaluation table: rows are the functional answer,
/// columns the dysfunctional one, both in like, must-be, neutral,
/// live-with, dislike order.
const TABLE: [[Class; 5]; 5] = {
    use Class::*;
    [
        [
            Questionable,
            Attractive,
            Attractive,
            Attractive,
            OneDimensional,
        ],
        [Reverse, Indifferent, Indifferent, Indifferent, MustBe],
        [Reverse, Indifferent, Indifferent, Indifferent, MustBe],
        [Reverse, Indifferent, Indifferent, Indifferent, MustBe],
        [Reverse, Reverse, Reverse, Reverse, Questionable],
    ]
};

/// Classify one respondent's answer pair.
pub fn evaluate(functional: Answer, dysfunctional: Answer) -> Class {
    TABLE[functional as usize][dysfunctional as usize]
}

/// A feature's survey result.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Respondents per class, in [`Class::ALL`] order.
    pub counts: [u32; 6],
    pub class: Class,
    /// `None` when no answer fell in A, O, M or I.
    pub better: Option<f64>,
    pub worse: Option<f64>,
}

impl Summary {
    pub fn respondents(&self) -> u32 {
        self.counts.iter().sum()
    }

    pub fn count(&self, c: Class) -> u32 {
        self.counts[c as usize]
    }
}

/// Summarise one feature's answer pairs. `None` for no answers.
pub fn classify(pairs: &[(Answer, Answer)]) -> Option<Summary> {
    if pairs.is_empty() {
        return None;
    }
    let mut counts = [0u32; 6];
    for &(f, d) in pairs {
        counts[evaluate(f, d) as usize] += 1;
    }
    let mut class = Class::MustBe;
    for c in Class::ALL {
        if counts[c as usize] > counts[class as usize] {
            class = c;
        }
    }
    let [m, o, a, i, _, _] = counts.map(f64::from);
    let denom = a + o + m + i;
    let (better, worse) = if denom > 0.0 {
        (Some((a + o) / denom), Some(-(o + m) / denom))
    } else {
        (None, None)
    };
    Some(Summary {
        counts,
        class,
        better,
        worse,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Answer::*;

    #[test]
    fn evaluation_table_cell_by_cell() {
        // Berger et al. (1993), rows functional, columns dysfunctional.
        let expected = [
            "QAAAO", // like
            "RIIIM", // must-be
            "RIIIM", // neutral
            "RIIIM", // live-with
            "RRRRQ", // dislike
        ];
        for (fi, f) in Answer::ALL.into_iter().enumerate() {
            for (di, d) in Answer::ALL.into_iter().enumerate() {
                let want = expected[fi].as_bytes()[di] as char;
                assert_eq!(
                    evaluate(f, d).letter(),
                    want,
                    "functional {f:?}, dysfunctional {d:?}"
                );
            }
        }
    }

    #[test]
    fn answers_parse_in_words_and_numbers() {
        for (s, a) in [
            ("1", Like),
            ("I like it", Like),
            ("I expect it", MustBe),
            ("must-be", MustBe),
            ("It must be that way", MustBe),
            ("I am neutral", Neutral),
            ("I can live with it", LiveWith),
            ("tolerate", LiveWith),
            ("I dislike it", Dislike),
            (" 5 ", Dislike),
        ] {
            assert_eq!(Answer::parse(s), Some(a), "{s}");
        }
        assert_eq!(Answer::parse("maybe"), None);
        assert_eq!(Answer::parse(""), None);
    }

    #[test]
    fn class_and_coefficients_by_hand() {
        // 5 attractive, 3 one-dimensional, 1 must-be, 1 indifferent.
        let mut pairs = vec![(Like, Neutral); 5];
        pairs.extend(vec![(Like, Dislike); 3]);
        pairs.push((Neutral, Dislike));
        pairs.push((Neutral, Neutral));
        let s = classify(&pairs).unwrap();
        assert_eq!(s.class, Class::Attractive);
        assert_eq!(s.counts, [1, 3, 5, 1, 0, 0]);
        assert!((s.better.unwrap() - 0.8).abs() < 1e-12); // (5 + 3) / 10
        assert!((s.worse.unwrap() + 0.4).abs() < 1e-12); // -(3 + 1) / 10
    }

    #[test]
    fn ties_go_to_must_be_then_one_dimensional_then_attractive() {
        let s = classify(&[(Like, Neutral), (Neutral, Dislike)]).unwrap();
        assert_eq!(s.class, Class::MustBe);
        let s = classify(&[(Like, Neutral), (Like, Dislike)]).unwrap();
        assert_eq!(s.class, Class::OneDimensional);
        let s = classify(&[(Like, Neutral), (Neutral, Neutral)]).unwrap();
        assert_eq!(s.class, Class::Attractive);
    }

    #[test]
    fn only_reverse_or_questionable_answers_have_no_coefficients() {
        let s = classify(&[(Dislike, Like), (Like, Like), (Dislike, Like)]).unwrap();
        assert_eq!(s.class, Class::Reverse);
        assert_eq!((s.better, s.worse), (None, None));
        assert!(classify(&[]).is_none());
    }
}
