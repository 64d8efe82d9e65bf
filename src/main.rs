//! The `spectral-mask` binary: `render`, `spectrogram` and `params` (see [`cli`]), and the
//! standalone app when run without a subcommand or with the app's own options.
//!
//! Every failure ends as one line on stderr, `error: ...`, and a non-zero exit: 2 for a
//! mistake in the command line, 1 for anything else.

mod cli;

use std::ffi::OsString;
use std::process::exit;

use clap::error::ErrorKind;
use clap::Parser;

use cli::{Cli, Command};

fn main() {
    // A bug must still end in one readable line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string().replace('\n', " ");
        eprintln!("error: internal error, please report it: {message}");
    }));

    let args: Vec<OsString> = std::env::args_os().collect();
    if cli::is_standalone_invocation(&args) {
        standalone(args);
    }
    let command = match Cli::try_parse_from(&args) {
        Ok(parsed) => parsed.command,
        Err(error) => match error.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => error.exit(),
            _ => {
                eprintln!("error: {}", cli::usage_line(&error));
                exit(2);
            }
        },
    };
    if let Command::Standalone { args: rest } = command {
        let program = args.into_iter().next().unwrap_or_default();
        standalone(std::iter::once(program).chain(rest).collect());
    }
    if let Err(error) = cli::run(command) {
        eprintln!("error: {error}");
        exit(error.exit_code());
    }
}

/// Hands `args` (program name first) to the standalone app, which parses them itself.
fn standalone(args: Vec<OsString>) -> ! {
    let args = args
        .into_iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let ok = spectral_mask::plugin::run_standalone(args);
    exit(if ok { 0 } else { 1 });
}
