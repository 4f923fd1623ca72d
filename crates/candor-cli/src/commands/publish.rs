//! `candor publish`: signed documents into a feed.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_feed::http::HttpSettings;
use candor_feed::location::FeedLocation;
use candor_feed::publish::{self, Outcome, PublishOptions};
use candor_feed::store::Store;
use clap::Args;

use crate::error::CliError;
use crate::output::{self, Format};

/// Arguments of `candor publish`.
#[derive(Debug, Args)]
#[command(
    after_help = "Each document must be a candor attestation (a DSSE envelope or Sigstore \
bundle holding a candor Statement); its path in the feed comes from its content \
(<tool>/<version>/<kind>.<signer>.<digest>.dsse.json) and index.json is updated with it. \
Publishing the same bytes again changes nothing. A different manifest for a release the same \
signer already has in the feed is refused unless --supersede, and the new manifest must name \
the one it replaces (`candor manifest statement --supersedes OLD.dsse.json`).\n\n\
A git feed gets one commit per publish; a git URL is cloned, committed to and pushed (--push).\n\n\
Examples:\n  \
candor publish manifest.dsse.json --to ./attestations\n  \
candor publish manifest.dsse.json audit.dsse.json --to ../feed-repo \\\n    --push\n  \
candor publish manifest.dsse.json \\\n    --to https://github.com/acme/attestations.git --push"
)]
pub struct PublishArgs {
    /// The signed documents (DSSE envelopes or Sigstore bundles).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The feed: a directory, or a git repository (a path or URL).
    #[arg(long, value_name = "FEED")]
    to: String,
    /// Replace a manifest of the same release and signer (the new one must name it in
    /// `supersedes`).
    #[arg(long)]
    supersede: bool,
    /// Push the commit to the remote (`origin` of a local repository; the URL itself).
    #[arg(long)]
    push: bool,
    /// A CA certificate (PEM) to trust for a git remote over HTTPS. Repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// Accept a plain http:// git remote.
    #[arg(long)]
    allow_http: bool,
    /// Record the publication in this store as well (default: the user's store, if it
    /// exists).
    #[arg(long, value_name = "DIR", env = "CANDOR_STORE")]
    store: Option<PathBuf>,
}

/// Run `candor publish`.
pub fn run(args: &PublishArgs, format: Format) -> Result<ExitCode, CliError> {
    let feed = FeedLocation::detect(&args.to, None)?;
    let mut ca_certificates = Vec::new();
    for path in &args.ca_certs {
        ca_certificates.push(fs_err::read_to_string(path)?);
    }
    let mut store = match &args.store {
        Some(dir) => Some(Store::open(dir)?),
        None => match Store::default_dir() {
            Some(dir) => Store::open_existing(&dir)?,
            None => None,
        },
    };
    let report = publish::publish(
        &args.files,
        &feed,
        &PublishOptions {
            supersede: args.supersede,
            push: args.push,
            http: HttpSettings {
                ca_certificates,
                allow_http: args.allow_http,
                request_timeout: None,
            },
        },
        store.as_mut(),
    )?;
    match format {
        Format::Human => {
            let mut out = String::new();
            for document in &report.documents {
                let _ = writeln!(
                    out,
                    "{} {} → {}",
                    match document.outcome {
                        Outcome::Written => "published ",
                        Outcome::Superseded => "superseded",
                        Outcome::Unchanged => "unchanged ",
                    },
                    document.file,
                    document.path
                );
            }
            let _ = writeln!(
                out,
                "  feed      {} ({})",
                report.feed,
                report.transport.as_str()
            );
            if let Some(commit) = &report.commit {
                let _ = writeln!(
                    out,
                    "  commit    {commit}{}",
                    if report.pushed { " (pushed)" } else { "" }
                );
            }
            output::stdout(&out);
        }
        Format::Json | Format::Sarif => output::json(&report),
    }
    Ok(ExitCode::SUCCESS)
}
