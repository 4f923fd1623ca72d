//! `candor`: signed behaviour manifests for command-line tools.
//!
//! This binary only parses arguments, calls the libraries and renders results.
//! Exit codes: 0 pass, 1 verification failed or document invalid, 2 usage or input error.

#![forbid(unsafe_code)]

mod commands;
mod error;
mod output;

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
candor manifest statement candor.toml --artifact dist/agent-1.4.0.tgz --out statement.json\n  \
candor sign --key release.key statement.json --out manifest.dsse.json\n\n\
Consumer check:\n  \
candor verify-envelope --key release.pub --artifact agent-1.4.0.tgz manifest.dsse.json"
)]
struct Cli {
    /// How to report: `human` (default), `json` (stable, for scripts) or `sarif` (`scan` and `verify`).
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            output::report_error(&error, cli.format);
            ExitCode::from(error.exit_code())
        }
    }
}
