//! Releases in order: the coverage downgrade against the previous release, the release
//! to upgrade to, and how versions compare.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use candor_model::audit::FindingStatus;
use candor_model::manifest::ManifestPredicate;

use super::{Case, action, reason, short};
use crate::gather::Trusted;
use crate::report::{Fact, Outcome, Reason, Rule, Upgrade};

pub(super) fn downgrade(
    case: &Case<'_>,
    head: Option<&Trusted<ManifestPredicate>>,
    reasons: &mut Vec<Reason>,
) {
    let outcome = action(case.rules.on_downgrade);
    let installed = head
        .map(|h| h.statement.predicate.tool.version.to_string())
        .or_else(|| case.installed_version.map(str::to_owned));
    let Some(previous) =
        previous_release(&case.gathered.other_releases, head, installed.as_deref())
    else {
        return;
    };
    let before = &previous.statement.predicate;
    let Some(head) = head else {
        reasons.push(reason(
            Rule::Downgrade,
            outcome,
            format!(
                "no manifest, where the previous release {} had one ({})",
                before.tool.version,
                short(&previous.sha256)
            ),
        ));
        return;
    };
    let now = &head.statement.predicate.completeness.exhaustive;
    let dropped: Vec<&str> = before
        .completeness
        .exhaustive
        .iter()
        .filter(|c| !now.contains(c))
        .map(|c| c.as_str())
        .collect();
    if dropped.is_empty() {
        reasons.push(reason(
            Rule::Downgrade,
            Outcome::Pass,
            format!(
                "coverage no weaker than {}'s: every category it asserted exhaustive still is",
                before.tool.version
            ),
        ));
    } else {
        reasons.push(reason(
            Rule::Downgrade,
            outcome,
            format!(
                "fewer categories asserted exhaustive than {}: {} no longer",
                before.tool.version,
                dropped.join(", ")
            ),
        ));
    }
}

/// The latest trusted release before the installed one: by release date where both
/// have one, else by version. Its manifest in force: one another manifest supersedes is
/// not what the vendor now says of that release.
fn previous_release<'g>(
    others: &'g [Trusted<ManifestPredicate>],
    head: Option<&Trusted<ManifestPredicate>>,
    installed: Option<&str>,
) -> Option<&'g Trusted<ManifestPredicate>> {
    let superseded: BTreeSet<&str> = others
        .iter()
        .filter_map(|m| m.statement.predicate.supersedes.as_ref()?.sha256())
        .collect();
    let before = |m: &Trusted<ManifestPredicate>| -> bool {
        let p = &m.statement.predicate;
        if let (Some(head), Some(date)) = (head, &p.release_date)
            && let Some(head_date) = &head.statement.predicate.release_date
        {
            return date.to_offset_date_time() < head_date.to_offset_date_time();
        }
        installed.is_none_or(|v| compare_versions(p.tool.version.as_str(), v) == Ordering::Less)
    };
    others
        .iter()
        .filter(|m| !superseded.contains(m.sha256.as_str()) && before(m))
        .max_by(|a, b| {
            compare_versions(
                a.statement.predicate.tool.version.as_str(),
                b.statement.predicate.tool.version.as_str(),
            )
        })
}

/// Compare release versions: dot-separated numeric parts numerically, other parts as
/// text; a pre-release (`1.0.0-rc.1`) before its release, its parts compared the same way
/// (`rc.2` before `rc.10`); build metadata (`+build.5`) ignored, as semver orders them.
pub fn compare_versions(left: &str, right: &str) -> Ordering {
    fn split(version: &str) -> (Vec<&str>, Option<Vec<&str>>) {
        let version = version.strip_prefix('v').unwrap_or(version);
        let version = version.split_once('+').map_or(version, |(v, _)| v);
        match version.split_once('-') {
            Some((main, pre)) => (main.split('.').collect(), Some(pre.split('.').collect())),
            None => (version.split('.').collect(), None),
        }
    }
    fn part(x: &str, y: &str) -> Ordering {
        match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        }
    }
    let (left_main, left_pre) = split(left);
    let (right_main, right_pre) = split(right);
    for i in 0..left_main.len().max(right_main.len()) {
        let x = left_main.get(i).copied().unwrap_or("0");
        let y = right_main.get(i).copied().unwrap_or("0");
        match part(x, y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    match (left_pre, right_pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        // Part by part; where one runs out first, it is the earlier (`rc.1` < `rc.1.1`).
        (Some(x), Some(y)) => x
            .iter()
            .zip(&y)
            .map(|(a, b)| part(a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
    }
}

/// The release the vendor's `fixed` answers to failing or warning findings name: the
/// highest of them.
pub(super) fn upgrade(facts: &[Fact]) -> Option<Upgrade> {
    let mut best: Option<Upgrade> = None;
    for fact in facts {
        let Some(finding) = fact.finding.as_ref().filter(|f| {
            matches!(
                f.status,
                FindingStatus::Undeclared | FindingStatus::Contradicted
            )
        }) else {
            continue;
        };
        for answer in &fact.answers {
            let Some(version) = &answer.fixed_in else {
                continue;
            };
            match &mut best {
                Some(b) if compare_versions(version, &b.version) == Ordering::Less => {}
                Some(b) if compare_versions(version, &b.version) == Ordering::Equal => {
                    if !b.fixes.contains(&finding.id) {
                        b.fixes.push(finding.id.clone());
                    }
                }
                _ => {
                    best = Some(Upgrade {
                        version: version.clone(),
                        fixes: vec![finding.id.clone()],
                    });
                }
            }
        }
    }
    best
}
