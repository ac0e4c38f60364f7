//! The `theme-trends` command: parse arguments, call the library.

use clap::Parser;

fn main() {
    let cli = theme_trends::cli::Cli::parse();
    std::process::exit(theme_trends::cli::execute(cli));
}
