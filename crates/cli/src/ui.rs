//! What the command line shows: progress bars with speed and time left on a terminal (indicatif),
//! nothing of them for `--quiet`, `--json` or output that is not a terminal; results as lines of
//! text or, with `--json`, one JSON object per line on standard output; errors as one sentence on
//! standard error.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy)]
pub struct Ui {
    pub quiet: bool,
    pub json: bool,
}

impl Ui {
    /// A bar of `total` bytes, or a hidden one.
    pub fn bar(&self, total: u64, what: &str) -> ProgressBar {
        if self.quiet || self.json || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:30!} {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta} left",
            )
            .expect("the template is valid"),
        );
        bar.set_message(what.to_string());
        bar
    }

    /// A result: `text` for people, `value` for `--json`; nothing with `--quiet` but JSON.
    pub fn result(&self, text: &str, value: serde_json::Value) {
        if self.json {
            println!("{value}");
        } else if !self.quiet {
            println!("{text}");
        }
    }

    /// A line the result of a command is (a link): printed even with `--quiet`.
    pub fn essential(&self, text: &str, value: serde_json::Value) {
        if self.json {
            println!("{value}");
        } else {
            println!("{text}");
        }
    }

    /// A note on standard error, for people only.
    pub fn note(&self, text: &str) {
        if !self.quiet && !self.json {
            eprintln!("{text}");
        }
    }
}
