//! The `theme-trends` command: parse arguments, call the library.

use theme_trends::cli::{self, ArgsError};

fn main() {
    let code = match cli::parse_args(std::env::args_os()) {
        Ok(parsed) => cli::execute(parsed),
        Err(ArgsError::Clap(e)) => e.exit(),
        Err(ArgsError::Config(msg)) => {
            eprintln!("error: {msg}");
            cli::exit::USAGE
        }
    };
    std::process::exit(code);
}
