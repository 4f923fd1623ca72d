//! `candor`: signed behaviour manifests for command-line tools.
//!
//! This binary only parses arguments, calls the libraries and renders results.
//! Exit codes: 0 pass, 1 verification failed or document invalid, 2 usage or input error.

#![forbid(unsafe_code)]

mod commands;
mod error;
mod output;
mod prompt;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::output::Format;

/// Signed behaviour manifests for command-line tools: what a release does on a user's
/// machine, bound to the exact artifact digest.
#[derive(Debug, Parser)]
#[command(
    name = "candor",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 pass, 1 verification failed or document invalid, 2 usage or input error.\n\n\
Vendor flow:\n  \
candor key generate --out release.key\n  \
candor manifest init\n  \
candor manifest validate candor.toml\n  \
candor manifest statement candor.toml --artifact dist/agent-1.4.0.tgz \\\n    --out statement.json\n  \
candor sign --key release.key statement.json --out manifest.dsse.json\n\n\
Consumer check:\n  \
candor verify-envelope --key release.key.pub --artifact agent-1.4.0.tgz \\\n    manifest.dsse.json"
)]
struct Cli {
    /// How to report: `human` (default) or `json` (stable, for scripts); `candor scan` and
    /// `candor verify` also write `sarif`.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human, env = "CANDOR_FORMAT")]
    format: Format,

    /// Colour in human output: `auto` (on a terminal, unless `NO_COLOR` is set),
    /// `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = output::ColorChoice::Auto, env = "CANDOR_COLOR")]
    color: output::ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audits: draft one from a scan against a manifest, sign it, show audits and responses.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Feeds this machine syncs into its local store: add, sync, list, remove.
    #[command(subcommand)]
    Feed(commands::feed::FeedCommand),
    /// Generate ed25519 keys and print public keys.
    #[command(subcommand)]
    Key(commands::key::KeyCommand),
    /// The trust ledger per vendor, from the store: manifests per version, findings and
    /// how the vendor answered them, fixes, equivocations and coverage downgrades.
    Ledger(commands::ledger::LedgerArgs),
    /// Write, check and turn `candor.toml` declarations into Statements.
    #[command(subcommand)]
    Manifest(commands::manifest::ManifestCommand),
    /// The trust policy: write a commented one, check one.
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    /// Put signed documents into a feed (a directory or a git repository).
    Publish(commands::publish::PublishArgs),
    /// A vendor's signed answer to an audit.
    Respond(commands::audit::RespondArgs),
    /// Find behaviour indicators in files and directories, or diff two releases.
    Scan(commands::scan::ScanArgs),
    /// Sign a candor Statement into a DSSE envelope.
    Sign(commands::sign::SignArgs),
    /// Sigstore bundles: verify offline against a trusted root and a signer identity.
    #[command(subcommand)]
    Sigstore(commands::sigstore::SigstoreCommand),
    /// Verify installed tools against the trust policy and the documents in the store:
    /// PASS, WARN or FAIL with every reason.
    Verify(commands::verify::VerifyArgs),
    /// Verify a DSSE envelope against trusted keys and, optionally, an artifact.
    VerifyEnvelope(commands::verify_envelope::VerifyEnvelopeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "Examples:\n  \
candor completions bash > /etc/bash_completion.d/candor\n  \
candor completions zsh > \"${fpath[1]}/_candor\"\n  \
candor completions fish > ~/.config/fish/completions/candor.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print candor's manual page (roff), or one command's, generated from the same
    /// definitions as --help.
    #[command(after_help = "Examples:\n  \
candor man > /usr/local/share/man/man1/candor.1\n  \
candor man verify > /usr/local/share/man/man1/candor-verify.1\n  \
candor man sigstore verify-bundle | man -l -")]
    Man {
        /// The command (`verify`, `sigstore verify-bundle` …); none for candor's page.
        command: Vec<String>,
    },
}

impl Command {
    /// Whether `-q` was given (the verifying commands).
    fn quiet(&self) -> bool {
        match self {
            Command::Verify(args) => args.verbosity().quiet,
            Command::VerifyEnvelope(args) => args.verbosity().quiet,
            Command::Sigstore(commands::sigstore::SigstoreCommand::VerifyBundle(args)) => {
                args.verbosity().quiet
            }
            _ => false,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::set_color(cli.color);
    // Only `candor scan` writes SARIF; the other commands never see Format::Sarif.
    if cli.format == Format::Sarif && !matches!(cli.command, Command::Scan(_) | Command::Verify(_))
    {
        Cli::command()
            .error(
                clap::error::ErrorKind::InvalidValue,
                "--format sarif is only supported by candor scan and candor verify",
            )
            .exit();
    }
    let quiet = cli.command.quiet();
    let result = match cli.command {
        Command::Audit(command) => commands::audit::run(command, cli.format),
        Command::Feed(command) => commands::feed::run(command, cli.format),
        Command::Key(command) => commands::key::run(command, cli.format),
        Command::Ledger(args) => commands::ledger::run(&args, cli.format),
        Command::Manifest(command) => commands::manifest::run(command, cli.format),
        Command::Policy(command) => commands::policy::run(command, cli.format),
        Command::Publish(args) => commands::publish::run(&args, cli.format),
        Command::Respond(args) => commands::audit::run_respond(&args, cli.format),
        Command::Scan(args) => commands::scan::run(&args, cli.format),
        Command::Sign(args) => commands::sign::run(&args, cli.format),
        Command::Sigstore(command) => commands::sigstore::run(command, cli.format),
        Command::Verify(args) => commands::verify::run(&args, cli.format),
        Command::VerifyEnvelope(args) => commands::verify_envelope::run(&args, cli.format),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "candor", &mut out);
            output::stdout(&String::from_utf8_lossy(&out));
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { command } => {
            let mut page = Cli::command();
            let mut name = "candor".to_owned();
            let mut invocation = "candor".to_owned();
            for word in &command {
                let Some(sub) = page.find_subcommand(word).cloned() else {
                    Cli::command()
                        .error(
                            clap::error::ErrorKind::InvalidSubcommand,
                            format!("no command `{name} {word}`; see `{name} --help`"),
                        )
                        .exit();
                };
                name = format!("{name}-{word}");
                invocation = format!("{invocation} {word}");
                page = sub
                    .display_name(name.clone())
                    .bin_name(invocation.clone())
                    .version(env!("CARGO_PKG_VERSION"));
            }
            let mut out = Vec::new();
            match clap_mangen::Man::new(page).render(&mut out) {
                Ok(()) => {
                    output::stdout(&String::from_utf8_lossy(&out));
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Err(error.into()),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // -q: nothing on stdout, not even a JSON error; the error as text on stderr.
            let format = if quiet { Format::Human } else { cli.format };
            output::report_error(&error, format);
            ExitCode::from(error.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's long help, with its path (`candor sigstore verify-bundle`).
    fn every_help(command: &mut clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        out.push((path.to_owned(), command.render_long_help().to_string()));
        for sub in command.get_subcommands_mut() {
            let name = format!("{path} {}", sub.get_name());
            if sub.get_name() != "help" {
                every_help(sub, &name, out);
            }
        }
    }

    /// Whether a help line runs `candor` (after any `VAR=value` assignments).
    fn runs_candor(line: &str) -> bool {
        line.split_whitespace()
            .find(|word| !word.contains('='))
            .is_some_and(|word| word == "candor")
    }

    /// The example command lines of a help text: lines that run `candor` (after any
    /// `VAR=value` assignments), with `\`-continued lines joined.
    fn examples(help: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut lines = help.lines().map(str::trim);
        while let Some(line) = lines.next() {
            if !runs_candor(line) {
                continue;
            }
            let mut example = line.to_owned();
            while example.ends_with('\\') {
                example.pop();
                match lines.next() {
                    Some(next) => example.push_str(next),
                    None => break,
                }
            }
            out.push(example);
        }
        out
    }

    /// Every line of every example, continuation lines included.
    fn example_lines(help: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut continued = false;
        for line in help.lines().map(str::trim) {
            if continued || runs_candor(line) {
                out.push(line);
                continued = line.ends_with('\\');
            }
        }
        out
    }

    /// The `candor` invocations of a shell line, as argument vectors: pipelines and
    /// `&&` split, redirections and assignments dropped, `<placeholders>` filled.
    fn invocations(example: &str) -> Vec<Vec<String>> {
        let filled = regex_lite_fill(example);
        let words = shlex::split(&filled).unwrap_or_else(|| panic!("unbalanced quotes: {example}"));
        let mut out = Vec::new();
        let mut current: Option<Vec<String>> = None;
        let mut skip_next = false;
        for word in words {
            if skip_next {
                skip_next = false;
                continue;
            }
            match word.as_str() {
                "&&" | "||" | "|" | ";" => {
                    out.extend(current.take());
                }
                ">" | ">>" | "<" | "2>" => skip_next = true,
                "candor" if current.is_none() => current = Some(vec![word]),
                _ => {
                    if let Some(args) = current.as_mut() {
                        args.push(word);
                    }
                }
            }
        }
        out.extend(current);
        out
    }

    /// `<anything>` (a placeholder, maybe with spaces) becomes `PLACEHOLDER`; `…` too.
    fn regex_lite_fill(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('<') {
            out.push_str(&rest[..start]);
            if let Some(end) = rest[start..].find('>') {
                out.push_str("PLACEHOLDER");
                rest = &rest[start + end + 1..];
            } else {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
        out.push_str(rest);
        out.replace('…', "PLACEHOLDER")
    }

    /// Issue 16: every example in every `--help` runs as pasted: each `candor` command
    /// line parses with the real argument parser, and no example line is wrapped on an
    /// 80-column terminal (a flag and its value on two lines without `\` would not run;
    /// a wrap between two flags would silently drop the second).
    #[test]
    fn every_help_example_parses_as_pasted() {
        let mut wide = Vec::new();
        every_help(&mut Cli::command().term_width(10_000), "candor", &mut wide);
        let mut narrow = Vec::new();
        every_help(&mut Cli::command().term_width(80), "candor", &mut narrow);
        let mut checked = 0;
        let mut failures = Vec::new();
        for ((path, help), (_, at_80)) in wide.iter().zip(&narrow) {
            let lines_at_80: Vec<&str> = at_80.lines().map(str::trim).collect();
            for line in example_lines(help) {
                if !lines_at_80.contains(&line) {
                    failures.push(format!(
                        "`{path} --help`: wrapped at 80 columns ({} characters; break it \
                         with ` \\`):\n  {line}",
                        line.chars().count()
                    ));
                }
            }
            for example in examples(help) {
                for args in invocations(&example) {
                    checked += 1;
                    if let Err(error) = Cli::try_parse_from(&args) {
                        failures.push(format!("`{path} --help`: {example}\n  {error}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Every command documents examples; at least these many lines are checked.
        assert!(checked >= 40, "only {checked} examples found");
    }
}
