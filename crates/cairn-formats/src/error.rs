//! The error of the requirement importers (Markdown and CSV).

use std::fmt;

/// An input the importers cannot take, with where and what to do.
///
/// Displayed as `line L: message` (or `line L, column C: message`, or just the message when
/// the error is about the whole input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FormatError {
    /// 1-based line, when the error is about one place in the input.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What was wrong and what to do.
    pub message: String,
}

impl FormatError {
    pub(crate) fn at(line: usize, message: impl Into<String>) -> Self {
        FormatError {
            line: Some(line),
            column: None,
            message: message.into(),
        }
    }

    pub(crate) fn whole(message: impl Into<String>) -> Self {
        FormatError {
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(FormatError::at(3, "bad").to_string(), "line 3: bad");
        assert_eq!(FormatError::whole("empty").to_string(), "empty");
        let e = FormatError {
            line: Some(2),
            column: Some(5),
            message: "x".into(),
        };
        assert_eq!(e.to_string(), "line 2, column 5: x");
    }
}
