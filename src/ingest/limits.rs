//! What a post may be: how long its body, how deep its nesting, how old
//! or new its date.

use chrono::NaiveDate;

/// Deepest element nesting accepted (real posts stay far below; the HTML
/// parser slows down with the square of the depth). YAML front matter is
/// held to the same depth.
pub const MAX_NESTING: usize = 200;

/// The years a post's date may fall in (both inclusive): a date outside is
/// a scraper's bug (an epoch default of year 1, a year 262142), rejected
/// with the value as written. Written `FIRST..LAST` (`--years`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Years {
    /// First plausible year.
    pub first: i32,
    /// Last plausible year.
    pub last: i32,
}

impl Years {
    /// The years any date of the trend code can hold: periods, weeks and
    /// months are computed with room to spare inside them.
    pub const HOLDABLE: Years = Years {
        first: 1,
        last: 9999,
    };

    /// The default window: 1900 to 2100.
    pub const DEFAULT: Years = Years {
        first: 1900,
        last: 2100,
    };

    /// Whether `date` falls in the window.
    pub fn holds(self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        (self.first..=self.last).contains(&date.year())
    }
}

impl Default for Years {
    fn default() -> Self {
        Years::DEFAULT
    }
}

impl std::str::FromStr for Years {
    type Err = String;
    /// `FIRST..LAST`, both within 1..9999, FIRST <= LAST.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not FIRST..LAST years, e.g. 1900..2100");
        let (a, b) = s.split_once("..").ok_or_else(bad)?;
        let (first, last): (i32, i32) = (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        );
        let hold = Years::HOLDABLE;
        if first > last || first < hold.first || last > hold.last {
            return Err(format!(
                "'{s}': the years must run forwards within {}..{}",
                hold.first, hold.last
            ));
        }
        Ok(Years { first, last })
    }
}

crate::serde_as_text!(Years);

impl std::fmt::Display for Years {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// What a post may be: how long its body, how old or new its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bodies longer than this many characters are cut, with a warning.
    pub max_chars: usize,
    /// The years its date may fall in.
    pub years: Years,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chars: 200_000,
            years: Years::DEFAULT,
        }
    }
}
