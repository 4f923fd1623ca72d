//! `candor manifest generate`: the manifest of a tagged release, from the repository and
//! the built artifacts, through the completeness gate.
//!
//! 1. The declaration is read from the **tagged commit** (never the work tree), and its
//!    `[source]` must agree with the repository (its remote, the tag, the commit).
//! 2. Every artifact is digested (sha256, the join key every lookup uses; sha512 too on
//!    request) and named by its package URL; a
//!    multi-platform release is one manifest with every artifact as a subject.
//! 3. **The gate**: every artifact is scanned and the indicators matched with the claims
//!    ([`candor_scan::coverage`]). Indicators no claim covers fail the release, each
//!    listed with its evidence and decoding chain, unless the declaration records an
//!    `[[exception]]` for them, with a reason, which the signed manifest then carries.
//!    Claims nothing in the artifacts supports are warnings.
//! 4. **The changelog** against the previous release (the given tag, or the nearest
//!    earlier tag): claims added, removed and changed, categories newly or no longer
//!    asserted exhaustive, and, when the previous release's artifacts are given, the
//!    indicators added and removed. It goes into the manifest, and as Markdown into the
//!    report for the release notes.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use candor_model::claims::Claims;
use candor_model::digest::DigestAlgorithm;
use candor_model::evidence::StaticEvidence;
use candor_model::ids::{ClaimId, GitCommit, Timestamp};
use candor_model::manifest::{
    Changelog, ClaimChanges, Declaration, IndicatorChanges, IndicatorSummary, ManifestPredicate,
    PreviousRelease,
};
use candor_model::{DocumentErrors, Statement, Subject};
use candor_scan::coverage::{Coverage, cover};
use candor_scan::{Indicator, Kind, ScanOptions, Scanner};
use candor_sign::file::FileError;
use schemars::JsonSchema;
use serde::Serialize;

use crate::git::{GitError, ReleaseRepository, TagFacts, normalize_repository_url};
use crate::statement::ArtifactSpec;

/// Evidence shown per uncovered group (the rest are counted).
const EVIDENCE_PER_GROUP: usize = 5;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The release's repository.
    pub repo: PathBuf,
    /// The release's tag.
    pub tag: String,
    /// The release's artifacts.
    pub artifacts: Vec<ArtifactSpec>,
    /// The previous release's tag (default: the nearest earlier tag).
    pub previous: Option<String>,
    /// The previous release's artifacts, for the indicators of the changelog.
    pub previous_artifacts: Vec<PathBuf>,
    /// A published manifest envelope this manifest replaces.
    pub supersedes: Option<PathBuf>,
    /// Also record each artifact's sha512 (sha256, the digest every lookup uses, always).
    pub sha512: bool,
}

/// Why a manifest could not be generated (an input error: the gate failing is a report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The repository could not be read.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The declaration at the tag does not validate.
    #[error("{file} is not a valid declaration:\n{errors}")]
    InvalidDeclaration {
        /// `candor.toml@<tag>`.
        file: String,
        /// Every error, located.
        errors: DocumentErrors,
    },
    /// The declaration's `[source]` disagrees with the repository.
    #[error("{file}: source.{field} is {declared:?} but the repository says {actual:?}")]
    SourceMismatch {
        /// `candor.toml@<tag>`.
        file: String,
        /// `repository`, `tag` or `commit`.
        field: &'static str,
        /// What the declaration says.
        declared: String,
        /// What the repository says.
        actual: String,
    },
    /// An exception names a kind the scanner does not report.
    #[error(
        "{file}: exception[{index}].kind {kind:?} is not an indicator kind; expected one of {}",
        known_kinds()
    )]
    UnknownExceptionKind {
        /// `candor.toml@<tag>`.
        file: String,
        /// The exception's position.
        index: usize,
        /// The kind written.
        kind: String,
    },
    /// An artifact is missing, or is not a file.
    #[error("artifact {}: {reason}", path.display())]
    Artifact {
        /// The artifact.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An artifact could not be digested.
    #[error("cannot digest artifact {}", path.display())]
    Digest {
        /// The artifact.
        path: PathBuf,
        /// Why.
        #[source]
        source: FileError,
    },
    /// An artifact could not be scanned.
    #[error("cannot scan artifact {}", path.display())]
    Scan {
        /// The artifact.
        path: PathBuf,
        /// Why.
        #[source]
        source: candor_scan::ScanError,
    },
    /// The Statement could not be made (an artifact argument, no artifacts, …).
    #[error(transparent)]
    Statement(#[from] crate::statement::StatementError),
}

impl GenerateError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            GenerateError::Git(error) => error.kind(),
            GenerateError::InvalidDeclaration { .. } => "invalid-declaration",
            GenerateError::SourceMismatch { .. } => "source-mismatch",
            GenerateError::UnknownExceptionKind { .. } => "unknown-exception-kind",
            GenerateError::Artifact { .. } => "invalid-artifact",
            GenerateError::Digest { .. } => "unreadable-artifact",
            GenerateError::Scan { .. } => "unscannable-artifact",
            GenerateError::Statement(error) => error.kind(),
        }
    }
}

fn known_kinds() -> String {
    format!("{}, {UNSCANNED}", Kind::ALL.map(Kind::as_str).join(", "))
}

pub use candor_model::manifest::UNSCANNED;

/// Content of the artifacts the scanner did not read, or read in a degraded way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UnreadEntry {
    /// The entry (`agent.tgz!package/link.js`).
    pub path: String,
    /// Why it was not read, or how it was read.
    pub reason: String,
    /// Whether an `unscanned` exception of the declaration covers it.
    pub excepted: bool,
}

/// What the scans of the release's artifacts did not read.
#[derive(Debug, Clone, Default)]
struct Unread {
    skipped: Vec<(String, String)>,
    degraded: Vec<(String, String)>,
}

/// Uncovered indicators of one group, as the report lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UncoveredGroup {
    /// The category a claim would need to declare them.
    pub category: String,
    /// Their kinds.
    pub kinds: Vec<String>,
    /// Their distinct values.
    pub values: Vec<String>,
    /// The decoding chain they share (`base64 → xor(0x5b)`), or `plain`.
    pub chain: String,
    /// One line for people.
    pub summary: String,
    /// Where they were found (the first few distinct places).
    pub evidence: Vec<StaticEvidence>,
    /// How many distinct places in all (counting each occurrence the scan did not keep
    /// the evidence of as a place of its own).
    pub occurrences: usize,
}

/// An exception and what it covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ExceptionUse {
    /// The indicator kind.
    pub kind: String,
    /// The value pattern.
    pub value: String,
    /// The vendor's reason.
    pub reason: String,
    /// How many indicators it covered (0: the exception is stale).
    pub covered: usize,
}

/// The completeness gate's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GateReport {
    /// Whether every indicator is covered by a claim or an exception.
    pub passed: bool,
    /// Indicators no claim covers, grouped.
    pub uncovered: Vec<UncoveredGroup>,
    /// The exceptions, with what each covered.
    pub exceptions: Vec<ExceptionUse>,
    /// Claims nothing in the artifacts supports (warnings).
    pub unsupported_claims: Vec<ClaimId>,
    /// Indicators that never fail the gate (env-name candidates, locale reads, opaque
    /// blobs), uncovered.
    pub informational: usize,
    /// Indicators claims cover.
    pub covered: usize,
    /// Indicators exceptions cover.
    pub excepted: usize,
    /// Indicators found in all: one per value, file and decoding chain, however often
    /// the value occurs there.
    pub indicators: usize,
    /// Entries of the artifacts that were not scanned (links, devices, entries over the
    /// archive limits, trailing data, files with more distinct indicators than a scan
    /// keeps …): each fails the gate, since nothing can be said of what they do (or of the
    /// values past the cap), unless an `unscanned` exception names it.
    pub unscanned: Vec<UnreadEntry>,
    /// Files scanned in a degraded way (a native executable without usable section
    /// headers, a file that changed while read …): warnings.
    pub degraded: Vec<UnreadEntry>,
}

/// Where the time went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, JsonSchema)]
pub struct Timings {
    /// Reading the repository.
    pub git_seconds: f64,
    /// Digesting the artifacts.
    pub digest_seconds: f64,
    /// Scanning the artifacts (and the previous release's).
    pub scan_seconds: f64,
}

/// What `candor manifest generate` reports.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct GenerateReport {
    /// The tool.
    pub tool: String,
    /// The release.
    pub version: String,
    /// The tag.
    pub tag: String,
    /// Its commit.
    pub commit: String,
    /// Whether the tag is annotated.
    pub tag_annotated: bool,
    /// Whether it carries a signature (not verified).
    pub tag_signed: bool,
    /// The release date recorded.
    pub release_date: String,
    /// The subjects: every artifact, by package URL and digests.
    pub subjects: Vec<Subject>,
    /// The gate.
    pub gate: GateReport,
    /// The changelog, when there is a previous release.
    pub changelog: Option<Changelog>,
    /// The changelog as Markdown, for the release notes.
    pub changelog_markdown: Option<String>,
    /// Things the vendor should know.
    pub warnings: Vec<String>,
    /// Where the time went.
    pub timings: Timings,
}

/// A generated manifest: the Statement (only when the gate passed) and the report.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The unsigned manifest Statement, when the gate passed.
    pub statement: Option<Statement<ManifestPredicate>>,
    /// What happened.
    pub report: GenerateReport,
}

/// What the repository says about the release and the one before it.
struct Release {
    tag: TagFacts,
    declaration: Declaration,
    previous: Option<(TagFacts, Declaration)>,
}

/// Read the release from the repository: the tag, the declaration at it (checked against
/// the repository), the previous release's tag and declaration.
fn read_release(
    request: &GenerateRequest,
    warnings: &mut Vec<String>,
) -> Result<Release, GenerateError> {
    let repo = ReleaseRepository::open(&request.repo)?;
    if repo.is_dirty() {
        warnings.push(format!(
            "the work tree has uncommitted changes; they are not part of the release: the \
             declaration is read from tag {}",
            request.tag
        ));
    }
    let tag = repo.tag(&request.tag)?;
    let file = format!("{}@{}", crate::git::DECLARATION_FILE, tag.name);
    let declaration = read_declaration(&repo, &tag, &file)?;
    check_source(&repo, &declaration, &tag, &file, warnings)?;
    for (index, exception) in declaration.exceptions.iter().enumerate() {
        if Kind::from_name(&exception.kind).is_none() && exception.kind != UNSCANNED {
            return Err(GenerateError::UnknownExceptionKind {
                file,
                index,
                kind: exception.kind.clone(),
            });
        }
    }
    let previous = match &request.previous {
        Some(name) => Some(repo.tag(name)?),
        None => repo.previous_tag(&tag)?,
    };
    let previous = match previous {
        Some(previous) => {
            let file = format!("{}@{}", crate::git::DECLARATION_FILE, previous.name);
            let declaration = read_declaration(&repo, &previous, &file)?;
            Some((previous, declaration))
        }
        None => None,
    };
    Ok(Release {
        tag,
        declaration,
        previous,
    })
}

/// The subjects: every artifact digested (all at once, on every core) and named.
fn digest_artifacts(
    declaration: &Declaration,
    artifacts: &[ArtifactSpec],
    sha512: bool,
) -> Result<Vec<Subject>, GenerateError> {
    let paths: Vec<&std::path::Path> = artifacts.iter().map(|a| a.path.as_path()).collect();
    let algorithms: &[DigestAlgorithm] = if sha512 {
        &DigestAlgorithm::ALL
    } else {
        &[DigestAlgorithm::Sha256]
    };
    let digests = candor_sign::artifact::digest_files_with(&paths, algorithms);
    let mut subjects = Vec::with_capacity(artifacts.len());
    for (artifact, digest) in artifacts.iter().zip(digests) {
        let name = artifact.subject_name(declaration.tool.version.as_str())?;
        let digest = digest.map_err(|source| GenerateError::Digest {
            path: artifact.path.clone(),
            source,
        })?;
        subjects.push(Subject { name, digest });
    }
    Ok(subjects)
}

/// The indicators of the release's artifacts, what their scans did not read, and the
/// previous release's indicators when its artifacts are given.
type ReleaseScan = (Vec<Indicator>, Unread, Option<Vec<Indicator>>);

/// The indicators of the release's artifacts and, when given, of the previous release's.
fn scan_release(request: &GenerateRequest) -> Result<ReleaseScan, GenerateError> {
    let scanner = Scanner::new(
        candor_scan::rules::detectors(&[]).map_err(|e| GenerateError::Artifact {
            path: PathBuf::from("(built-in rules)"),
            reason: e.to_string(),
        })?,
        ScanOptions::default(),
    );
    let (indicators, unread) = scan_all(&scanner, request.artifacts.iter().map(|a| &a.path))?;
    let previous = if request.previous_artifacts.is_empty() {
        None
    } else {
        Some(scan_all(&scanner, request.previous_artifacts.iter())?.0)
    };
    Ok((indicators, unread, previous))
}

/// The manifest Statement: the declaration, the subjects, and what the repository says.
fn manifest(
    request: &GenerateRequest,
    release: &Release,
    subjects: Vec<Subject>,
    release_date: &Timestamp,
    changelog: Option<&Changelog>,
) -> Result<Statement<ManifestPredicate>, GenerateError> {
    let tag = &release.tag;
    let mut statement = release.declaration.to_statement_with(subjects);
    let predicate = &mut statement.predicate;
    predicate.source.tag = Some(tag.name.clone());
    predicate.source.commit = tag.commit.parse::<GitCommit>().ok();
    predicate.source.tag_annotated = Some(tag.annotated);
    predicate.source.tag_signed = Some(tag.signed);
    predicate.release_date = Some(release_date.clone());
    predicate.changelog = changelog.cloned();
    if let Some(old) = &request.supersedes {
        let bytes = candor_sign::file::read_capped(
            old,
            candor_sign::dsse::MAX_ENVELOPE_BYTES,
            "a DSSE envelope or Sigstore bundle",
        )
        .map_err(|source| GenerateError::Digest {
            path: old.clone(),
            source,
        })?;
        predicate.supersedes = Some(candor_sign::artifact::sha256_of(&bytes));
    }
    if let Some(first) = statement.violations().into_iter().next() {
        return Err(GenerateError::Statement(if statement.subject.is_empty() {
            crate::statement::StatementError::NoSubjects
        } else {
            crate::statement::StatementError::Invalid {
                path: first.path.to_json_path(),
                message: first.message,
            }
        }));
    }
    Ok(statement)
}

/// Generate the manifest of a tagged release (see the module documentation).
pub fn generate(request: &GenerateRequest) -> Result<Generated, GenerateError> {
    let mut warnings = Vec::new();
    let started = Instant::now();
    let release = read_release(request, &mut warnings)?;
    let git_seconds = started.elapsed().as_secs_f64();
    for artifact in &request.artifacts {
        check_artifact(&artifact.path)?;
    }
    for path in &request.previous_artifacts {
        check_artifact(path)?;
    }
    let started = Instant::now();
    let subjects = digest_artifacts(&release.declaration, &request.artifacts, request.sha512)?;
    let digest_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (indicators, unread, previous_indicators) = scan_release(request)?;
    let declaration = &release.declaration;
    let coverage = cover(&indicators, &declaration.claims, &declaration.exceptions);
    let scan_seconds = started.elapsed().as_secs_f64();
    let gate = gate_report(declaration, &indicators, &coverage, &unread);
    for entry in &gate.degraded {
        warnings.push(format!(
            "{} was scanned in a degraded way: {}",
            entry.path, entry.reason
        ));
    }
    for claim in &gate.unsupported_claims {
        warnings.push(format!(
            "claim {claim}: nothing in the artifacts supports it (a claim the scanner cannot \
             see, or behaviour the release no longer has)"
        ));
    }
    for exception in gate.exceptions.iter().filter(|e| e.covered == 0) {
        warnings.push(format!(
            "exception {} {:?} covers nothing in this release; remove it",
            exception.kind, exception.value
        ));
    }
    let changelog = release.previous.as_ref().map(|(previous, old)| {
        changelog(
            previous,
            old,
            declaration,
            previous_indicators.as_deref(),
            &indicators,
        )
    });
    let release_date = declaration.release_date.clone().unwrap_or_else(|| {
        Timestamp::from_offset_date_time(
            time::OffsetDateTime::from_unix_timestamp(release.tag.time)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        )
    });
    let statement = manifest(
        request,
        &release,
        subjects.clone(),
        &release_date,
        changelog.as_ref(),
    )?;
    let tag = &release.tag;
    let report = GenerateReport {
        tool: declaration.tool.name.to_string(),
        version: declaration.tool.version.to_string(),
        tag: tag.name.clone(),
        commit: tag.commit.clone(),
        tag_annotated: tag.annotated,
        tag_signed: tag.signed,
        release_date: release_date.to_string(),
        subjects,
        changelog_markdown: changelog.as_ref().map(|c| markdown(declaration, c)),
        changelog,
        warnings,
        timings: Timings {
            git_seconds,
            digest_seconds,
            scan_seconds,
        },
        gate,
    };
    Ok(Generated {
        statement: report.gate.passed.then_some(statement),
        report,
    })
}

fn read_declaration(
    repo: &ReleaseRepository,
    tag: &TagFacts,
    file: &str,
) -> Result<Declaration, GenerateError> {
    let bytes = repo.declaration_at(tag)?;
    let text = String::from_utf8(bytes).map_err(|e| GenerateError::InvalidDeclaration {
        file: file.to_owned(),
        errors: DocumentErrors::one(candor_model::DocumentError::whole(
            file,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )),
    })?;
    Declaration::from_toml(&text, file).map_err(|errors| GenerateError::InvalidDeclaration {
        file: file.to_owned(),
        errors,
    })
}

/// The declaration's `[source]` against the repository: its remote, the tag, the commit.
fn check_source(
    repo: &ReleaseRepository,
    declaration: &Declaration,
    tag: &TagFacts,
    file: &str,
    warnings: &mut Vec<String>,
) -> Result<(), GenerateError> {
    let source = &declaration.source;
    match repo.origin_url() {
        Some(origin)
            if normalize_repository_url(&origin)
                != normalize_repository_url(&source.repository) =>
        {
            return Err(GenerateError::SourceMismatch {
                file: file.to_owned(),
                field: "repository",
                declared: source.repository.clone(),
                actual: crate::location_without_credentials(&origin),
            });
        }
        Some(_) => {}
        None => warnings.push(format!(
            "the repository has no remote `origin`: source.repository ({}) cannot be checked",
            source.repository
        )),
    }
    if let Some(declared) = &source.tag
        && *declared != tag.name
    {
        return Err(GenerateError::SourceMismatch {
            file: file.to_owned(),
            field: "tag",
            declared: declared.clone(),
            actual: tag.name.clone(),
        });
    }
    if let Some(declared) = &source.commit
        && declared.as_str() != tag.commit
    {
        return Err(GenerateError::SourceMismatch {
            file: file.to_owned(),
            field: "commit",
            declared: declared.to_string(),
            actual: tag.commit.clone(),
        });
    }
    let version = declaration.tool.version.as_str();
    if !tag.name.ends_with(version) {
        warnings.push(format!(
            "tag {} does not name version {version} (tool.version)",
            tag.name
        ));
    }
    Ok(())
}

fn check_artifact(path: &std::path::Path) -> Result<(), GenerateError> {
    match fs_err::metadata(path) {
        Ok(metadata) if metadata.is_file() => Ok(()),
        Ok(metadata) if metadata.is_dir() => Err(GenerateError::Artifact {
            path: path.to_owned(),
            reason: "a directory; an artifact is the file users install (pack it: a .tgz, a .zip)"
                .to_owned(),
        }),
        Ok(_) => Err(GenerateError::Artifact {
            path: path.to_owned(),
            reason: "not a regular file".to_owned(),
        }),
        Err(e) => Err(GenerateError::Artifact {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

fn scan_all<'a>(
    scanner: &Scanner,
    paths: impl Iterator<Item = &'a PathBuf>,
) -> Result<(Vec<Indicator>, Unread), GenerateError> {
    let mut indicators = Vec::new();
    let mut unread = Unread::default();
    for path in paths {
        let report =
            candor_scan::scan_path(scanner, path).map_err(|source| GenerateError::Scan {
                path: path.clone(),
                source,
            })?;
        indicators.extend(report.indicators);
        unread
            .skipped
            .extend(report.skipped.into_iter().map(|s| (s.path, s.reason)));
        unread
            .degraded
            .extend(report.degraded.into_iter().map(|d| (d.path, d.reason)));
        // Values past a file's cap were counted, not listed: the gate cannot tell
        // whether they are declared, so the file is as unread as a skipped entry.
        unread.skipped.extend(report.capped.iter().map(|c| {
            (
                c.file.clone(),
                format!(
                    "{}; the gate did not see the values past the cap",
                    c.summary()
                ),
            )
        }));
    }
    Ok((indicators, unread))
}

fn gate_report(
    declaration: &Declaration,
    indicators: &[Indicator],
    coverage: &Coverage,
    unread: &Unread,
) -> GateReport {
    let unscanned_exceptions: Vec<(usize, &candor_model::manifest::GateException)> = declaration
        .exceptions
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == UNSCANNED)
        .collect();
    let mut unscanned_covered = vec![0usize; declaration.exceptions.len()];
    let unscanned: Vec<UnreadEntry> = unread
        .skipped
        .iter()
        .map(|(path, reason)| {
            let excepted = unscanned_exceptions
                .iter()
                .find(|(_, e)| e.value.matches(path))
                .map(|(i, _)| *i);
            if let Some(i) = excepted {
                unscanned_covered[i] += 1;
            }
            UnreadEntry {
                path: path.clone(),
                reason: reason.clone(),
                excepted: excepted.is_some(),
            }
        })
        .collect();
    let degraded = unread
        .degraded
        .iter()
        .map(|(path, reason)| UnreadEntry {
            path: path.clone(),
            reason: reason.clone(),
            excepted: false,
        })
        .collect();
    let uncovered: Vec<UncoveredGroup> = coverage
        .uncovered
        .iter()
        .map(|group| UncoveredGroup {
            category: group.category.to_string(),
            kinds: group.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            values: group.values.clone(),
            chain: if group.chain.is_empty() {
                "plain".to_owned()
            } else {
                group.chain.join(" → ")
            },
            summary: group.summary(),
            evidence: places(indicators, &group.members)
                .into_iter()
                .take(EVIDENCE_PER_GROUP)
                .collect(),
            occurrences: place_count(indicators, &group.members),
        })
        .collect();
    let undeclared: BTreeSet<usize> = coverage
        .uncovered
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    let excepted: BTreeSet<usize> = coverage.excepted.iter().flatten().copied().collect();
    let informational: BTreeSet<usize> = coverage.informational.iter().copied().collect();
    let covered = (0..indicators.len())
        .filter(|i| !undeclared.contains(i) && !excepted.contains(i) && !informational.contains(i))
        .count();
    GateReport {
        passed: uncovered.is_empty() && unscanned.iter().all(|e| e.excepted),
        covered,
        excepted: excepted.len(),
        uncovered,
        exceptions: declaration
            .exceptions
            .iter()
            .zip(&coverage.excepted)
            .zip(&unscanned_covered)
            .map(|((exception, covered), entries)| ExceptionUse {
                kind: exception.kind.clone(),
                value: exception.value.to_string(),
                reason: exception.reason.clone(),
                covered: covered.len() + entries,
            })
            .collect(),
        unsupported_claims: coverage.unsupported().cloned().collect(),
        informational: coverage.informational.len(),
        indicators: indicators.len(),
        unscanned,
        degraded,
    }
}

/// The distinct places of `members` whose evidence the scan kept, in the order to show
/// them ([`candor_scan::coverage::places`]).
pub fn places(indicators: &[Indicator], members: &[usize]) -> Vec<StaticEvidence> {
    candor_scan::coverage::places(indicators, members)
        .into_iter()
        .cloned()
        .collect()
}

/// How many places `members` were found at: the distinct [`places`], and every
/// occurrence whose evidence the scan did not keep (which may share a place with another
/// member's, so the count is at most that many too high).
fn place_count(indicators: &[Indicator], members: &[usize]) -> usize {
    let unsampled: u64 = members.iter().map(|&i| indicators[i].unsampled()).sum();
    places(indicators, members)
        .len()
        .saturating_add(usize::try_from(unsampled).unwrap_or(usize::MAX))
}

/// Claims by id, as comparable JSON.
fn claim_map(claims: &Claims) -> std::collections::BTreeMap<ClaimId, String> {
    let json = serde_json::to_value(claims).unwrap_or_default();
    let mut map = std::collections::BTreeMap::new();
    if let Some(categories) = json.as_object() {
        for list in categories.values() {
            for claim in list.as_array().into_iter().flatten() {
                if let Some(id) = claim
                    .get("id")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse().ok())
                {
                    map.insert(id, claim.to_string());
                }
            }
        }
    }
    map
}

fn summaries(indicators: &[Indicator]) -> BTreeSet<IndicatorSummary> {
    indicators
        .iter()
        .map(|i| IndicatorSummary {
            category: i.category,
            kind: i.kind.as_str().to_owned(),
            value: i.value.clone(),
        })
        .collect()
}

fn changelog(
    previous: &TagFacts,
    old: &Declaration,
    new: &Declaration,
    old_indicators: Option<&[Indicator]>,
    new_indicators: &[Indicator],
) -> Changelog {
    let before = claim_map(&old.claims);
    let after = claim_map(&new.claims);
    let claims = ClaimChanges {
        added: after
            .keys()
            .filter(|id| !before.contains_key(id))
            .cloned()
            .collect(),
        removed: before
            .keys()
            .filter(|id| !after.contains_key(id))
            .cloned()
            .collect(),
        changed: after
            .iter()
            .filter(|(id, text)| before.get(*id).is_some_and(|old| old != *text))
            .map(|(id, _)| id.clone())
            .collect(),
        exhaustive_added: new
            .completeness
            .exhaustive
            .iter()
            .filter(|c| !old.completeness.exhaustive.contains(c))
            .copied()
            .collect(),
        exhaustive_removed: old
            .completeness
            .exhaustive
            .iter()
            .filter(|c| !new.completeness.exhaustive.contains(c))
            .copied()
            .collect(),
    };
    let indicators = old_indicators.map(|old| {
        let (before, after) = (summaries(old), summaries(new_indicators));
        IndicatorChanges {
            added: after.difference(&before).cloned().collect(),
            removed: before.difference(&after).cloned().collect(),
        }
    });
    Changelog {
        previous: PreviousRelease {
            version: old.tool.version.clone(),
            tag: Some(previous.name.clone()),
            commit: previous.commit.parse().ok(),
        },
        claims,
        indicators,
    }
}

/// The changelog as Markdown for release notes.
fn markdown(declaration: &Declaration, changelog: &Changelog) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "## Behaviour changes in {} {} (since {})\n\n",
        declaration.tool.name, declaration.tool.version, changelog.previous.version
    );
    let claims = &changelog.claims;
    let describe = |id: &ClaimId| {
        declaration
            .claims
            .find(id)
            .map(|_| claim_line(&declaration.claims, id))
            .unwrap_or_default()
    };
    let mut any = false;
    for (title, ids) in [("Added", &claims.added), ("Changed", &claims.changed)] {
        if !ids.is_empty() {
            any = true;
            let _ = writeln!(out, "### {title} behaviour\n");
            for id in ids {
                let _ = writeln!(out, "- `{id}`{}", describe(id));
            }
            out.push('\n');
        }
    }
    if !claims.removed.is_empty() {
        any = true;
        out.push_str("### Removed behaviour\n\n");
        for id in &claims.removed {
            let _ = writeln!(out, "- `{id}`");
        }
        out.push('\n');
    }
    if !claims.exhaustive_added.is_empty() || !claims.exhaustive_removed.is_empty() {
        any = true;
        out.push_str("### Completeness\n\n");
        for category in &claims.exhaustive_added {
            let _ = writeln!(out, "- `{category}` is now declared exhaustively");
        }
        for category in &claims.exhaustive_removed {
            let _ = writeln!(out, "- `{category}` is **no longer** declared exhaustively");
        }
        out.push('\n');
    }
    if let Some(indicators) = &changelog.indicators
        && (!indicators.added.is_empty() || !indicators.removed.is_empty())
    {
        any = true;
        out.push_str("### What the scanner sees\n\n");
        for (sign, list) in [("+", &indicators.added), ("-", &indicators.removed)] {
            for i in list {
                let _ = writeln!(out, "- {sign} {} `{}`: {}", i.category, i.kind, i.value);
            }
        }
        out.push('\n');
    }
    if !any {
        out.push_str("No declared behaviour changed.\n");
    }
    out
}

/// ` — <purpose or effect>` for a claim.
fn claim_line(claims: &Claims, id: &ClaimId) -> String {
    let json = serde_json::to_value(claims).unwrap_or_default();
    let claim = json
        .get(id.category().as_str())
        .and_then(|list| list.as_array())
        .and_then(|list| {
            list.iter()
                .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(id.as_str()))
        });
    let text = claim.and_then(|c| {
        ["purpose", "effect", "description", "reason"]
            .iter()
            .find_map(|field| c.get(*field).and_then(|v| v.as_str()))
    });
    text.map(|t| format!(": {t}")).unwrap_or_default()
}
