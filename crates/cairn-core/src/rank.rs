//! Fractional ranks: strings over `0-9A-Za-z`, compared byte-wise.
//!
//! A rank between any two others can always be made, so moving one item
//! writes one row and nothing is renumbered. A valid rank is non-empty, uses
//! only the 62 digits, and never ends in `0` (the smallest digit): that keeps
//! room below every rank.

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: u32 = 62;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RankError {
    #[error("`{0}` is not a valid rank (use only 0-9A-Za-z, not ending in 0)")]
    Invalid(String),
    #[error("rank `{0}` is not below rank `{1}`")]
    Order(String, String),
}

fn digit(c: u8) -> Option<u8> {
    DIGITS.iter().position(|&d| d == c).map(|p| p as u8)
}

fn decode(s: &str) -> Result<Vec<u8>, RankError> {
    let bad = || RankError::Invalid(s.to_string());
    if s.is_empty() || s.ends_with('0') {
        return Err(bad());
    }
    s.bytes().map(|c| digit(c).ok_or_else(bad)).collect()
}

fn encode(d: &[u8]) -> String {
    d.iter().map(|&x| DIGITS[x as usize] as char).collect()
}

/// Is `s` a well-formed rank?
pub fn is_valid(s: &str) -> bool {
    decode(s).is_ok()
}

fn mid(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        let mut n = 0;
        while n < b.len() && a.get(n).copied().unwrap_or(0) == b[n] {
            n += 1;
        }
        if n > 0 {
            let mut out = b[..n].to_vec();
            let rest_b = &b[n..];
            let rest_a = a.get(n..).unwrap_or(&[]);
            out.extend(mid(rest_a, if rest_b.is_empty() { None } else { Some(rest_b) }));
            return out;
        }
    }
    let da = u32::from(a.first().copied().unwrap_or(0));
    let db = b.and_then(|b| b.first()).map_or(BASE, |&x| u32::from(x));
    if db > da + 1 {
        return vec![((da + db) / 2) as u8];
    }
    if let Some(b) = b {
        if b.len() > 1 {
            return vec![b[0]];
        }
    }
    let mut out = vec![da as u8];
    out.extend(mid(a.get(1..).unwrap_or(&[]), None));
    out
}

/// A rank strictly between `a` and `b`; `None` means the open end.
pub fn between(a: Option<&str>, b: Option<&str>) -> Result<String, RankError> {
    let da = a.map(decode).transpose()?;
    let db = b.map(decode).transpose()?;
    if let (Some(x), Some(y)) = (a, b) {
        if x >= y {
            return Err(RankError::Order(x.to_string(), y.to_string()));
        }
    }
    Ok(encode(&mid(da.as_deref().unwrap_or(&[]), db.as_deref())))
}

/// `n` ranks in increasing order, evenly spread with a fixed width, so a
/// bulk load gets short ranks with room between every pair.
pub fn spread(n: usize) -> Vec<String> {
    let mut width = 1u32;
    while (BASE as u128).pow(width) < 4 * (n as u128 + 1) {
        width += 1;
    }
    let space = (BASE as u128).pow(width);
    let step = space / (n as u128 + 1);
    (1..=n as u128)
        .map(|i| {
            let mut v = i * step;
            if v % BASE as u128 == 0 {
                v += 1;
            }
            let mut d = vec![0u8; width as usize];
            for slot in d.iter_mut().rev() {
                *slot = (v % BASE as u128) as u8;
                v /= BASE as u128;
            }
            encode(&d)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn simple_cases() {
        assert_eq!(between(None, None).unwrap(), "V");
        let a = between(None, Some("V")).unwrap();
        assert!(a.as_str() < "V");
        let b = between(Some("V"), None).unwrap();
        assert!(b.as_str() > "V");
        let c = between(Some("a"), Some("b")).unwrap();
        assert!("a" < c.as_str() && c.as_str() < "b");
        assert!(between(Some("b"), Some("a")).is_err());
        assert!(between(Some("a0"), None).is_err());
        assert!(between(Some("a!"), None).is_err());
    }

    #[test]
    fn repeated_insertion_at_front_stays_ordered() {
        let mut first = "V".to_string();
        for _ in 0..500 {
            let r = between(None, Some(&first)).unwrap();
            assert!(r < first && is_valid(&r));
            first = r;
        }
    }

    #[test]
    fn spread_is_increasing_and_valid() {
        for n in [0, 1, 2, 61, 62, 1000, 100_000] {
            let v = spread(n);
            assert_eq!(v.len(), n);
            assert!(v.iter().all(|r| is_valid(r)));
            assert!(v.windows(2).all(|w| w[0] < w[1]));
        }
    }

    fn rank() -> impl Strategy<Value = String> {
        "[0-9A-Za-z]{0,6}[1-9A-Za-z]"
    }

    proptest! {
        #[test]
        fn between_is_strictly_between(x in rank(), y in rank()) {
            prop_assume!(x != y);
            let (lo, hi) = if x < y { (x, y) } else { (y, x) };
            let m = between(Some(&lo), Some(&hi)).unwrap();
            prop_assert!(lo < m && m < hi, "{} < {} < {}", lo, m, hi);
            prop_assert!(is_valid(&m));
            let before = between(None, Some(&lo)).unwrap();
            prop_assert!(before < lo && is_valid(&before));
            let after = between(Some(&hi), None).unwrap();
            prop_assert!(after > hi && is_valid(&after));
        }

        #[test]
        fn never_panics(a in "\\PC{0,8}", b in "\\PC{0,8}") {
            let _ = between(Some(&a), Some(&b));
        }
    }
}
