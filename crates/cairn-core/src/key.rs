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

#[cfg(test)]
mod tests {
    use super::*;

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
        }

        #[test]
        fn round_trips(p in "[A-Z][A-Z0-9]{1,9}", n in 1i64..1_000_000_000) {
            let k = ItemKey::new(p, n);
            proptest::prop_assert_eq!(k.to_string().parse::<ItemKey>().unwrap(), k);
        }
    }
}
