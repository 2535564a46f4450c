//! Item keys: `PREFIX-N`, per product, never reused.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemKey {
    pub prefix: String,
    pub number: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("`{0}` is not an item key: keys look like PAY-42 (a product prefix, a dash, a number)")]
    Malformed(String),
    #[error(
        "`{0}` is not a valid product prefix: use 2 to 10 capital letters or digits, starting with a letter (e.g. PAY)"
    )]
    BadPrefix(String),
}

/// Check a product prefix: 2–10 ASCII capitals or digits, starting with a letter.
pub fn validate_prefix(p: &str) -> Result<(), KeyError> {
    let ok = (2..=10).contains(&p.len())
        && p.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && p.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(KeyError::BadPrefix(p.to_string()))
    }
}

impl ItemKey {
    pub fn new(prefix: impl Into<String>, number: i64) -> Self {
        ItemKey {
            prefix: prefix.into(),
            number,
        }
    }
}

impl FromStr for ItemKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || KeyError::Malformed(s.to_string());
        let (prefix, num) = t.rsplit_once('-').ok_or_else(bad)?;
        let prefix = prefix.to_ascii_uppercase();
        validate_prefix(&prefix).map_err(|_| bad())?;
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let number: i64 = num.parse().map_err(|_| bad())?;
        if number < 1 {
            return Err(bad());
        }
        Ok(ItemKey { prefix, number })
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix, self.number)
    }
}

impl Serialize for ItemKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ItemKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Item keys of the given products mentioned in free text, in order of
/// first mention, each once: `PAY-12`, `[PAY-12]`, `test_PAY-12_refunds`.
/// A key must stand apart from neighbouring letters and digits
/// (`XPAY-12` and `PAY-123x` are not keys), and only listed prefixes
/// count, so `HTTP-2` or `UTF-8` are not taken for items. Matching is
/// case-sensitive: keys are written in capitals.
pub fn keys_in(text: &str, prefixes: &[&str]) -> Vec<ItemKey> {
    let b = text.as_bytes();
    let mut out: Vec<ItemKey> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if starts_word && b[i].is_ascii_uppercase() {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_uppercase() || b[j].is_ascii_digit()) {
                j += 1;
            }
            if j < b.len() && b[j] == b'-' {
                let prefix = &text[i..j];
                let mut k = j + 1;
                while k < b.len() && b[k].is_ascii_digit() {
                    k += 1;
                }
                let ends_word = k == b.len() || !b[k].is_ascii_alphanumeric();
                if k > j + 1 && ends_word && prefixes.contains(&prefix) {
                    if let Ok(n) = text[j + 1..k].parse::<i64>()
                        && n >= 1
                    {
                        let key = ItemKey::new(prefix, n);
                        if !out.contains(&key) {
                            out.push(key);
                        }
                    }
                    i = k;
                    continue;
                }
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_text() {
        let p = ["PAY", "OPS"];
        let keys = |t: &str| {
            keys_in(t, &p)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(keys("PAY-12 refunds part"), ["PAY-12"]);
        assert_eq!(
            keys("[PAY-12] and (OPS-3), PAY-12 again"),
            ["PAY-12", "OPS-3"]
        );
        assert_eq!(keys("test_PAY-7_partial"), ["PAY-7"]);
        assert_eq!(keys("refunds.PAY-7.works"), ["PAY-7"]);
        assert!(keys("XPAY-12 PAY-12x HTTP-2 UTF-8 pay-3 PAY-0 PAY-").is_empty());
        assert!(keys("é PAY-").is_empty());
    }

    #[test]
    fn parses_and_prints() {
        let k: ItemKey = "pay-42".parse().unwrap();
        assert_eq!(k, ItemKey::new("PAY", 42));
        assert_eq!(k.to_string(), "PAY-42");
        for bad in [
            "PAY",
            "PAY-",
            "-3",
            "PAY-0",
            "PAY-x",
            "P-1",
            "1PAY-3",
            "PAY-99999999999999999999",
        ] {
            assert!(bad.parse::<ItemKey>().is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = s.parse::<ItemKey>();
            for k in keys_in(&s, &["PAY", "A1"]) {
                proptest::prop_assert!(s.contains(&k.to_string()));
            }
        }

        #[test]
        fn round_trips(p in "[A-Z][A-Z0-9]{1,9}", n in 1i64..1_000_000_000) {
            let k = ItemKey::new(p, n);
            proptest::prop_assert_eq!(k.to_string().parse::<ItemKey>().unwrap(), k);
        }
    }
}
