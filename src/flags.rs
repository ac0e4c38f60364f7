//! How parameters are declared once: each stage's parameter struct derives
//! clap's `Args` (its flags, their `--help` text and defaults) and serde
//! (config file, `run.json`, cache keys). This module holds what they
//! share: the defaults read from the clap declarations ([`defaults`]),
//! values written as they are typed ([`serde_as_text!`]), and the mark of
//! parameters that passed their checks ([`Checked`], params → checked
//! params, as linfa does).

/// The defaults of a parameter struct: what its flags give when none is on
/// the command line. Defaults are declared once, in the clap attributes.
pub fn defaults<T: clap::Args + clap::FromArgMatches>() -> T {
    let cmd = T::augment_args(clap::Command::new("defaults").no_binary_name(true));
    let matches = cmd
        .try_get_matches_from(std::iter::empty::<&str>())
        .expect("every parameter has a default");
    T::from_arg_matches(&matches).expect("defaults parse")
}

/// Implements `Serialize`/`Deserialize` through `Display`/`FromStr`, so
/// that a value is written in `run.json` and read from a config file
/// exactly as it is typed on the command line (`auto`, `10..60`, `0.3`).
#[macro_export]
macro_rules! serde_as_text {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Parameters that passed their checks. Only a `check` function makes
/// them (through [`Checked::new`]), and the stages take nothing else.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct Checked<T>(T);

impl<T> Checked<T> {
    /// Marks `value` as checked: for the `check` functions of parameter
    /// structs, and for parts taken from checked parameters.
    pub(crate) fn new(value: T) -> Self {
        Checked(value)
    }
}

impl<T> std::ops::Deref for Checked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
