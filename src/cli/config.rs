//! `--config FILE`: a TOML file whose keys are the flags of the subcommand
//! without `--` (`k = 30`, `granularity = "week"`, `facet = ["outlet",
//! "tags"]`, `no_charts = true`). Its settings are put in front of the
//! command line's flags, which therefore win. `theme-trends init-config`
//! prints a file with every flag of `run` and its default.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::Cli;

/// Puts the flags of a `--config` file given to a subcommand in front of
/// the command line's own flags.
pub fn merge(mut args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let cmd = Cli::command();
    let Some(at) = args
        .iter()
        .position(|a| cmd.find_subcommand(a.to_string_lossy().as_ref()).is_some())
    else {
        return Ok(args);
    };
    let name = args[at].to_string_lossy().into_owned();
    let mut config: Option<PathBuf> = None;
    for (i, a) in args.iter().enumerate().skip(at + 1) {
        let a = a.to_string_lossy();
        if a == "--config" {
            config = args.get(i + 1).map(PathBuf::from);
        } else if let Some(v) = a.strip_prefix("--config=") {
            config = Some(PathBuf::from(v));
        }
    }
    if let Some(path) = config {
        let flags = flags_of(&path, &name)?;
        args.splice(at + 1..at + 1, flags);
    }
    Ok(args)
}

/// The flags a config file stands for, in the order of its keys.
fn flags_of(path: &Path, subcommand: &str) -> Result<Vec<OsString>, String> {
    let fail = |why: String| format!("cannot use config file {}: {why}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let cmd = Cli::command();
    let sub = cmd.find_subcommand(subcommand).expect("a subcommand");
    let mut flags = Vec::new();
    for (key, value) in table {
        let id = key.replace('-', "_");
        let arg = sub
            .get_arguments()
            .find(|a| a.get_id() == id.as_str() && a.get_long().is_some() && id != "config")
            .ok_or_else(|| {
                fail(format!(
                    "unknown setting '{key}' (settings are the flags of `theme-trends {subcommand}` without '--', see `theme-trends init-config`)"
                ))
            })?;
        let flag = format!("--{}", arg.get_long().expect("has a long name"));
        let is_switch = matches!(arg.get_action(), clap::ArgAction::SetTrue);
        let scalar = |v: &toml::Value| -> Result<String, String> {
            match v {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Integer(i) => Ok(i.to_string()),
                // With its decimal point: `max_df = 1.0` is a fraction.
                toml::Value::Float(f) => Ok(format!("{f:?}")),
                other => Err(fail(format!(
                    "'{key}' must be a text or a number, not {}",
                    other.type_str()
                ))),
            }
        };
        match (&value, is_switch) {
            (toml::Value::Boolean(true), true) => flags.push(flag.into()),
            (toml::Value::Boolean(false), true) => {}
            (_, true) => {
                return Err(fail(format!(
                    "'{key}' is a switch: write {key} = true or false"
                )))
            }
            (toml::Value::Array(items), false) => {
                for item in items {
                    flags.push(flag.clone().into());
                    flags.push(scalar(item)?.into());
                }
            }
            (v, false) => {
                flags.push(flag.into());
                flags.push(scalar(v)?.into());
            }
        }
    }
    Ok(flags)
}

/// The text `theme-trends init-config` prints: every flag of `run` with
/// its help and default, commented out, grouped as `--help` groups them.
pub fn default_config() -> String {
    let cmd = Cli::command();
    let run = cmd.find_subcommand("run").expect("run exists");
    let mut out = String::from(
        "# theme-trends configuration: every flag of `theme-trends run`, with its default.\n\
         # Use it with `theme-trends run --config FILE` (the other subcommands read the\n\
         # same file); flags given on the command line win.\n\
         # Keys are the flag names without '--'. Uncomment and edit what you need.\n",
    );
    let mut heading: Option<String> = None;
    for arg in run.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.get_long().is_none() || matches!(id, "help" | "config" | "version") {
            continue;
        }
        let h = arg.get_help_heading().map(str::to_string);
        if h != heading {
            if let Some(h) = &h {
                out.push_str(&format!("\n# ---- {h} ----\n"));
            }
            heading = h;
        }
        out.push('\n');
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        for line in help.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("# {}\n", line.trim()));
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let toml_value = |v: &str| -> String {
            if v.parse::<f64>().is_ok() && !v.starts_with('.') {
                v.to_string()
            } else {
                format!("{v:?}")
            }
        };
        match (arg.get_action(), defaults.first()) {
            (clap::ArgAction::SetTrue, _) => out.push_str(&format!("# {id} = false\n")),
            (_, Some(d)) => out.push_str(&format!("# {id} = {}\n", toml_value(d))),
            (clap::ArgAction::Append, None) => out.push_str(&format!("# {id} = []\n")),
            (_, None) if matches!(id, "input" | "out") => {
                let example = if id == "input" {
                    "archive/_posts"
                } else {
                    "reports"
                };
                out.push_str(&format!("{id} = \"{example}\"\n"));
            }
            (_, None) => out.push_str(&format!("# {id} = \n")),
        }
    }
    out
}
