//! The `theme-trends` command: parse arguments, call the library.

use theme_trends::cli::{self, ArgsError};

// mimalloc keeps freed memory for reuse: the job allocates many short-lived
// strings and large matrices, and glibc's malloc returned and re-faulted
// them page by page (about a tenth of a run's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = match cli::parse_args(std::env::args_os()) {
        Ok(parsed) => cli::main(parsed),
        Err(ArgsError::Clap(e)) => e.exit(),
        Err(ArgsError::Config(msg)) => {
            eprintln!("error: {msg}");
            cli::exit::USAGE
        }
    };
    std::process::exit(code);
}
