//! `candor feed add|sync|list|remove`: the feeds this machine syncs into its local store.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_feed::feeds::{self, AddRequest, FeedList, FeedSummary};
use candor_feed::location::TransportKind;
use candor_feed::store::Store;
use candor_feed::sync::{self, SyncOptions, SyncOutput, SyncResult};
use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::output::{self, Format};

/// `candor feed …`
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Add a feed: a directory, a git repository (path, file:// or https://….git) or a
    /// static HTTPS site.
    #[command(after_help = "Examples:\n  \
candor feed add acme https://github.com/acme/attestations.git\n  \
candor feed add seclab https://audits.seclab.example/feed/ \\\n    --ca-cert seclab-ca.pem\n  \
candor feed add local ./attestations")]
    Add(AddArgs),
    /// Bring feeds' documents into the local store (all feeds, or one).
    #[command(
        after_help = "Nothing is trusted at sync time: documents are stored as evidence and \
verified against the policy when used. A git feed whose history was rewritten, or any feed that \
stops listing documents it listed before, is refused as a possible rollback (exit 1) unless \
--allow-rewrite.\n\nExamples:\n  \
candor feed sync\n  \
candor feed sync acme --format json"
    )]
    Sync(SyncArgs),
    /// List the feeds, their state, and the equivocations and refused rollbacks recorded.
    #[command(after_help = "Example:\n  candor feed list")]
    List(StoreArgs),
    /// Remove a feed (its documents stay in the store as evidence).
    #[command(after_help = "Example:\n  candor feed remove acme")]
    Remove(RemoveArgs),
}

/// Where the store is.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The local store's directory (default: $`XDG_DATA_HOME/candor`, else
    /// ~/.local/share/candor).
    #[arg(long, value_name = "DIR", env = "CANDOR_STORE")]
    store: Option<PathBuf>,
}

/// Arguments of `candor feed add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The feed's name in this store.
    name: String,
    /// Where it is: a directory, a git repository, or an https:// URL.
    location: String,
    /// The transport, when the location's form does not say it.
    #[arg(long, value_name = "directory|git|https", value_parser = parse_transport)]
    transport: Option<TransportKind>,
    /// A CA certificate (PEM) to trust for this feed's HTTPS server, besides the system's.
    /// Repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// Accept a plain http:// location (anyone on the path can withhold or replay
    /// documents; a warning is printed at every sync).
    #[arg(long)]
    allow_http: bool,
    /// The deadline of each HTTP request to this feed, in seconds (default 60).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    #[command(flatten)]
    store: StoreArgs,
}

fn parse_transport(text: &str) -> Result<TransportKind, String> {
    TransportKind::parse(text)
        .ok_or_else(|| format!("expected directory, git or https, got {text:?}"))
}

/// Arguments of `candor feed sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The feed to sync (default: every feed).
    name: Option<String>,
    /// Accept a rewritten history or withdrawn documents (recorded in the ledger).
    #[arg(long)]
    allow_rewrite: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// Arguments of `candor feed remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The feed to remove.
    name: String,
    #[command(flatten)]
    store: StoreArgs,
}

/// The store directory `--store` names, or the default one.
pub fn store_dir(args: &StoreArgs) -> Result<std::path::PathBuf, CliError> {
    match &args.store {
        Some(dir) => Ok(dir.clone()),
        None => Store::default_dir().ok_or_else(|| {
            CliError::usage(
                "no store directory: neither $XDG_DATA_HOME nor $HOME is set",
                "pass --store DIR",
            )
        }),
    }
}

/// Open the store `--store` names, or the default one.
pub fn open_store(args: &StoreArgs) -> Result<Store, CliError> {
    Ok(Store::open(&store_dir(args)?)?)
}

/// Run `candor feed …`.
pub fn run(command: FeedCommand, format: Format) -> Result<ExitCode, CliError> {
    match command {
        FeedCommand::Add(args) => {
            let mut store = open_store(&args.store)?;
            let summary = feeds::add(
                &mut store,
                &AddRequest {
                    name: args.name.clone(),
                    location: args.location.clone(),
                    transport: args.transport,
                    ca_certificates: args.ca_certs.clone(),
                    allow_http: args.allow_http,
                    timeout_seconds: args.timeout,
                },
            )?;
            match format {
                Format::Human => output::stdout(&format!(
                    "added feed {} ({}, {})\n  sync it with `candor feed sync {}`\n",
                    summary.name, summary.transport, summary.location, summary.name
                )),
                Format::Json | Format::Sarif => output::json(&summary),
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedCommand::Sync(args) => {
            let mut store = open_store(&args.store)?;
            let report = sync::sync_feeds(
                &mut store,
                args.name.as_deref(),
                SyncOptions {
                    allow_rewrite: args.allow_rewrite,
                },
            )?;
            match format {
                Format::Human => output::stdout(&human_sync(&report)),
                Format::Json | Format::Sarif => output::json(&report),
            }
            for result in &report.results {
                if let SyncResult::Synced(synced) = result {
                    for warning in &synced.warnings {
                        output::stderr(&format!("warning: {warning}"));
                    }
                }
            }
            Ok(if report.any_refused() {
                ExitCode::from(1)
            } else if report.any_failed() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        FeedCommand::List(args) => {
            let store = open_store(&args)?;
            let list = feeds::list(&store)?;
            match format {
                Format::Human => output::stdout(&human_list(&list)),
                Format::Json | Format::Sarif => output::json(&list),
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedCommand::Remove(args) => {
            let mut store = open_store(&args.store)?;
            let removed = feeds::remove(&mut store, &args.name)?;
            match format {
                Format::Human => output::stdout(&format!(
                    "removed feed {} ({} document link(s) dropped; the documents stay in the store)\n",
                    removed.name, removed.unlinked
                )),
                Format::Json | Format::Sarif => output::json(&removed),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn human_sync(report: &SyncOutput) -> String {
    let mut out = String::new();
    if report.results.is_empty() {
        out.push_str("no feeds to sync: add one with `candor feed add NAME LOCATION`\n");
    }
    for result in &report.results {
        match result {
            SyncResult::Synced(synced) if synced.unchanged => {
                let _ = writeln!(
                    out,
                    "{}: unchanged ({} document(s), {})",
                    synced.feed, synced.listed, synced.location
                );
            }
            SyncResult::Synced(synced) => {
                let _ = writeln!(
                    out,
                    "{}: synced {} document(s) from {} ({} new to the store, {} new in this feed)",
                    synced.feed,
                    synced.listed,
                    synced.location,
                    synced.new_documents,
                    synced.new_in_feed
                );
                if let Some(state) = &synced.state {
                    let _ = writeln!(out, "  at        {state}");
                }
                for skipped in &synced.skipped {
                    let _ = writeln!(out, "  skipped   {}: {}", skipped.path, skipped.reason);
                }
                for event in &synced.equivocations {
                    let _ = writeln!(
                        out,
                        "  EQUIVOCATION  {} {}: manifest {} and {} by one signer",
                        event.tool.as_deref().unwrap_or("?"),
                        event.version.as_deref().unwrap_or("?"),
                        event.document.as_deref().unwrap_or("?"),
                        event.detail["other"].as_str().unwrap_or("?")
                    );
                }
                if synced.withdrawn > 0 {
                    let _ = writeln!(
                        out,
                        "  withdrawn {} (accepted with --allow-rewrite)",
                        synced.withdrawn
                    );
                }
            }
            SyncResult::Failed(failed) => {
                let _ = writeln!(
                    out,
                    "{}: {} {}: {}",
                    failed.feed,
                    if failed.refused { "REFUSED" } else { "failed" },
                    failed.location,
                    failed.message
                );
            }
        }
    }
    out
}

fn human_list(list: &FeedList) -> String {
    let mut out = format!("store {}: {} document(s)\n", list.store, list.documents);
    if list.feeds.is_empty() {
        out.push_str("no feeds: add one with `candor feed add NAME LOCATION`\n");
    }
    for feed in &list.feeds {
        let _ = writeln!(out, "{}", summary_line(feed));
    }
    for event in &list.equivocations {
        let _ = writeln!(
            out,
            "EQUIVOCATION {} {}: manifests {} and {} by one signer (feed {})",
            event.tool.as_deref().unwrap_or("?"),
            event.version.as_deref().unwrap_or("?"),
            event.document.as_deref().unwrap_or("?"),
            event.detail["other"].as_str().unwrap_or("?"),
            event.feed.as_deref().unwrap_or("-")
        );
    }
    for event in &list.rollbacks_refused {
        let _ = writeln!(
            out,
            "rollback refused ({}): {}",
            event.feed.as_deref().unwrap_or("-"),
            event.detail["reason"].as_str().unwrap_or("")
        );
    }
    out
}

fn summary_line(feed: &FeedSummary) -> String {
    format!(
        "  {:<16} {:<9} {:>6} doc(s)  {}  {}{}",
        feed.name,
        feed.transport.as_str(),
        feed.documents,
        match feed.last_sync {
            Some(time) => format!("synced {}", timestamp(time)),
            None => "never synced".to_owned(),
        },
        feed.location,
        if feed.allow_http {
            "  (plain HTTP allowed)"
        } else {
            ""
        }
    )
}

/// Unix seconds as RFC 3339 (UTC).
pub fn timestamp(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}
