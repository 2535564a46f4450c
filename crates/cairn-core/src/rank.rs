//! Fractional ranks: strings over `0-9A-Za-z`, compared byte-wise.
//!
//! A rank between any two others can always be made, so moving one item
//! writes one row and nothing is renumbered. A rank is an integer part and a
//! fraction. The integer part is a length letter and that many base-62
//! digits (`a` one digit, `b` two, ...; `Z`, `Y`, ... for the negative
//! side), so adding at the top or bottom of a backlog grows ranks
//! logarithmically, not linearly. The fraction (possibly empty) never ends
//! in `0`, which keeps room below every rank.

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: u32 = 62;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RankError {
    #[error("`{0}` is not a valid rank")]
    Invalid(String),
    #[error("rank `{0}` is not below rank `{1}`")]
    Order(String, String),
    #[error("the ranking has no room left at this end")]
    Exhausted,
}

fn digit(c: u8) -> Option<u8> {
    DIGITS.iter().position(|&d| d == c).map(|p| p as u8)
}

/// Number of integer digits a length letter announces.
fn int_len(c: u8) -> Option<usize> {
    match c {
        b'a'..=b'z' => Some((c - b'a' + 1) as usize),
        b'A'..=b'Z' => Some((b'Z' - c + 1) as usize),
        _ => None,
    }
}

/// Split a rank into (integer part incl. its letter, fraction digits).
fn split(s: &str) -> Result<(&[u8], &[u8]), RankError> {
    let bad = || RankError::Invalid(s.to_string());
    let b = s.as_bytes();
    let n = int_len(*b.first().ok_or_else(bad)?).ok_or_else(bad)?;
    if b.len() < 1 + n || !b[1..].iter().all(|c| digit(*c).is_some()) {
        return Err(bad());
    }
    let frac = &b[1 + n..];
    if frac.last() == Some(&b'0') {
        return Err(bad());
    }
    Ok((&b[..1 + n], frac))
}

/// Is `s` a well-formed rank?
pub fn is_valid(s: &str) -> bool {
    split(s).is_ok()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn increment(int: &[u8]) -> Result<Vec<u8>, RankError> {
    let mut d = int.to_vec();
    for i in (1..d.len()).rev() {
        if d[i] != b'z' {
            d[i] = DIGITS[digit(d[i]).map_or(0, |x| x as usize + 1)];
            return Ok(d);
        }
        d[i] = b'0';
    }
    // Overflow: the next length letter.
    let (c, n) = (int[0], int.len() - 1);
    let (next, len) = match c {
        b'Z' => (b'a', 1),
        b'z' => return Err(RankError::Exhausted),
        b'a'..=b'y' => (c + 1, n + 1),
        _ => (c + 1, n - 1),
    };
    let mut out = vec![next];
    out.extend(std::iter::repeat_n(b'0', len));
    Ok(out)
}

fn decrement(int: &[u8]) -> Result<Vec<u8>, RankError> {
    let mut d = int.to_vec();
    for i in (1..d.len()).rev() {
        if d[i] != b'0' {
            d[i] = DIGITS[digit(d[i]).map_or(0, |x| x as usize - 1)];
            return Ok(d);
        }
        d[i] = b'z';
    }
    let (c, n) = (int[0], int.len() - 1);
    let (prev, len) = match c {
        b'a' => (b'Z', 1),
        b'A' => return Err(RankError::Exhausted),
        b'b'..=b'z' => (c - 1, n - 1),
        _ => (c - 1, n + 1),
    };
    let mut out = vec![prev];
    out.extend(std::iter::repeat_n(b'z', len));
    Ok(out)
}

/// Digits strictly between fractions `a` and `b` (`None`: 1.0).
fn mid(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    let av: Vec<u8> = a.iter().filter_map(|c| digit(*c)).collect();
    let bv: Option<Vec<u8>> = b.map(|b| b.iter().filter_map(|c| digit(*c)).collect());
    mid_digits(&av, bv.as_deref())
        .into_iter()
        .map(|x| DIGITS[x as usize])
        .collect()
}

fn mid_digits(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        let mut n = 0;
        while n < b.len() && a.get(n).copied().unwrap_or(0) == b[n] {
            n += 1;
        }
        if n > 0 {
            let mut out = b[..n].to_vec();
            let rest_b = &b[n..];
            let rest_a = a.get(n..).unwrap_or(&[]);
            out.extend(mid_digits(
                rest_a,
                if rest_b.is_empty() {
                    None
                } else {
                    Some(rest_b)
                },
            ));
            return out;
        }
    }
    let da = u32::from(a.first().copied().unwrap_or(0));
    let db = b.and_then(|b| b.first()).map_or(BASE, |&x| u32::from(x));
    if db > da + 1 {
        return vec![((da + db) / 2) as u8];
    }
    if let Some(b) = b
        && b.len() > 1
    {
        return vec![b[0]];
    }
    let mut out = vec![da as u8];
    out.extend(mid_digits(a.get(1..).unwrap_or(&[]), None));
    out
}

/// A rank strictly between `a` and `b`; `None` means the open end.
pub fn between(a: Option<&str>, b: Option<&str>) -> Result<String, RankError> {
    let sa = a.map(split).transpose()?;
    let sb = b.map(split).transpose()?;
    if let (Some(x), Some(y)) = (a, b)
        && x >= y
    {
        return Err(RankError::Order(x.to_string(), y.to_string()));
    }
    let out = match (sa, sb) {
        (None, None) => b"a0".to_vec(),
        (Some((ia, _)), None) => increment(ia)?,
        (None, Some((ib, fb))) => {
            if fb.is_empty() {
                decrement(ib)?
            } else {
                ib.to_vec()
            }
        }
        (Some((ia, fa)), Some((ib, fb))) => {
            if ia == ib {
                let mut v = ia.to_vec();
                v.extend(mid(fa, Some(fb)));
                v
            } else {
                let next = increment(ia)?;
                if b.is_some_and(|b| next.as_slice() < b.as_bytes()) {
                    next
                } else {
                    let mut v = ia.to_vec();
                    v.extend(mid(fa, None));
                    v
                }
            }
        }
    };
    Ok(text(&out))
}

/// `n` increasing ranks strictly between `a` and `b` (`None`: the open
/// end), made by bisection so they stay short: a run of a thousand items
/// placed into one gap adds about two characters, not a thousand.
pub fn between_many(a: Option<&str>, b: Option<&str>, n: usize) -> Result<Vec<String>, RankError> {
    let mut out = Vec::with_capacity(n);
    fill(a, b, n, &mut out)?;
    Ok(out)
}

fn fill(
    a: Option<&str>,
    b: Option<&str>,
    n: usize,
    out: &mut Vec<String>,
) -> Result<(), RankError> {
    if n == 0 {
        return Ok(());
    }
    let mid = between(a, b)?;
    let left = (n - 1) / 2;
    fill(a, Some(&mid), left, out)?;
    out.push(mid.clone());
    fill(Some(&mid), b, n - 1 - left, out)
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
    let letter = b'a' + (width as u8 - 1);
    (1..=n as u128)
        .map(|i| {
            let mut v = i * step;
            let mut d = vec![0u8; width as usize];
            for slot in d.iter_mut().rev() {
                *slot = DIGITS[(v % BASE as u128) as usize];
                v /= BASE as u128;
            }
            let mut out = vec![letter];
            out.extend(d);
            text(&out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn simple_cases() {
        assert_eq!(between(None, None).unwrap(), "a0");
        assert_eq!(between(Some("a0"), None).unwrap(), "a1");
        assert_eq!(between(None, Some("a0")).unwrap(), "Zz");
        assert_eq!(between(Some("az"), None).unwrap(), "b00");
        assert_eq!(between(None, Some("b00")).unwrap(), "az");
        assert_eq!(between(Some("a1"), Some("a2")).unwrap(), "a1V");
        assert_eq!(between(Some("a1"), Some("a3")).unwrap(), "a2");
        assert!(between(Some("a2"), Some("a1")).is_err());
        assert!(between(Some("a1V0"), None).is_err());
        assert!(between(Some("a!"), None).is_err());
        assert!(between(Some("c1"), None).is_err());
    }

    #[test]
    fn repeated_insertion_at_either_end_stays_short() {
        let mut first = "a0".to_string();
        let mut last = "a0".to_string();
        for _ in 0..100_000 {
            let r = between(None, Some(&first)).unwrap();
            assert!(r < first && is_valid(&r));
            first = r;
            let r = between(Some(&last), None).unwrap();
            assert!(r > last && is_valid(&r));
            last = r;
        }
        assert!(first.len() <= 5 && last.len() <= 5, "{first} {last}");
    }

    #[test]
    fn repeated_insertion_in_one_gap_stays_ordered() {
        let (lo, mut hi) = ("a1".to_string(), "a2".to_string());
        for _ in 0..500 {
            let r = between(Some(&lo), Some(&hi)).unwrap();
            assert!(lo < r && r < hi && is_valid(&r));
            hi = r;
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

    #[test]
    fn between_many_is_increasing_and_short() {
        for (a, b) in [
            (None, None),
            (Some("a1"), Some("a2")),
            (None, Some("a0")),
            (Some("b00"), None),
        ] {
            for n in [0, 1, 2, 3, 10, 1000] {
                let v = between_many(a, b, n).unwrap();
                assert_eq!(v.len(), n);
                assert!(v.iter().all(|r| is_valid(r)));
                assert!(v.windows(2).all(|w| w[0] < w[1]));
                assert!(
                    v.iter()
                        .all(|r| a.is_none_or(|a| a < r.as_str())
                            && b.is_none_or(|b| r.as_str() < b))
                );
                assert!(v.iter().all(|r| r.len() <= 8), "{v:?}");
            }
        }
    }

    fn rank() -> impl Strategy<Value = String> {
        (
            "[a-cX-Z]",
            "[0-9A-Za-z]{3}",
            "([0-9A-Za-z]{0,4}[1-9A-Za-z])?",
        )
            .prop_map(|(l, d, f)| {
                let n = int_len(l.as_bytes()[0]).unwrap();
                format!("{l}{}{f}", &d[..n])
            })
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
