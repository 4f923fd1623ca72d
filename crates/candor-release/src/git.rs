//! What a release's git repository says: the tag, its commit, whether it is annotated and
//! signed, when it was made, the declaration as committed, and the release before it.
//! Everything is read from git's objects (never the work tree).

use std::path::Path;

use git2::{ObjectType, Oid, Repository};

/// The declaration's file name at the root of the repository.
pub const DECLARATION_FILE: &str = "candor.toml";

/// Why the repository could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The directory is not a git repository.
    #[error("{}: not a git repository", path.display())]
    NotARepository {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: git2::Error,
    },
    /// The clone is shallow: tags and history before its tip may be missing.
    #[error(
        "{}: a shallow clone; the previous release and the history cannot be read",
        path.display()
    )]
    Shallow {
        /// The directory.
        path: std::path::PathBuf,
    },
    /// No tag of that name.
    #[error("no tag {tag} in the repository{}", suggestion(known))]
    NoSuchTag {
        /// The tag asked for.
        tag: String,
        /// Tags that exist (a few, for the message).
        known: Vec<String>,
    },
    /// The tag does not point at a commit.
    #[error("tag {tag} does not point at a commit")]
    NotACommit {
        /// The tag.
        tag: String,
    },
    /// The declaration is not in the tagged commit.
    #[error("{DECLARATION_FILE} is not in the commit tag {tag} points at ({commit})")]
    NoDeclaration {
        /// The tag.
        tag: String,
        /// Its commit.
        commit: String,
    },
    /// Any other git failure.
    #[error("git: {what}: {source}")]
    Git {
        /// What was being done.
        what: String,
        /// Why.
        #[source]
        source: git2::Error,
    },
}

impl GitError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            GitError::NotARepository { .. } => "not-a-repository",
            GitError::Shallow { .. } => "shallow-clone",
            GitError::NoSuchTag { .. } => "no-such-tag",
            GitError::NotACommit { .. } => "tag-not-a-commit",
            GitError::NoDeclaration { .. } => "no-declaration-at-tag",
            GitError::Git { .. } => "git",
        }
    }
}

fn suggestion(known: &[String]) -> String {
    if known.is_empty() {
        " (it has no tags)".to_owned()
    } else {
        format!("; tags: {}", known.join(", "))
    }
}

fn git(what: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
    let what = what.into();
    move |source| GitError::Git { what, source }
}

/// A tag and what it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFacts {
    /// The tag's name.
    pub name: String,
    /// The commit it points at.
    pub commit: String,
    /// Whether it is an annotated tag object.
    pub annotated: bool,
    /// Whether the annotated tag carries a signature block (not verified).
    pub signed: bool,
    /// When it was made: the tagger's time for an annotated tag, else the commit's (Unix
    /// seconds).
    pub time: i64,
}

/// An open release repository.
pub struct ReleaseRepository {
    repo: Repository,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for ReleaseRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseRepository")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ReleaseRepository {
    /// Open the repository at `path`; a shallow clone is refused.
    pub fn open(path: &Path) -> Result<Self, GitError> {
        let repo = Repository::open(path).map_err(|source| GitError::NotARepository {
            path: path.to_owned(),
            source,
        })?;
        if repo.is_shallow() {
            return Err(GitError::Shallow {
                path: path.to_owned(),
            });
        }
        Ok(Self {
            repo,
            path: path.to_owned(),
        })
    }

    /// Every tag name, sorted.
    pub fn tags(&self) -> Result<Vec<String>, GitError> {
        let names = self.repo.tag_names(None).map_err(git("list the tags"))?;
        let mut tags: Vec<String> = names
            .iter()
            .flatten()
            .flatten()
            .map(str::to_owned)
            .collect();
        tags.sort();
        Ok(tags)
    }

    /// The facts of tag `name`.
    pub fn tag(&self, name: &str) -> Result<TagFacts, GitError> {
        let reference = self
            .repo
            .find_reference(&format!("refs/tags/{name}"))
            .map_err(|_| GitError::NoSuchTag {
                tag: name.to_owned(),
                known: self
                    .tags()
                    .unwrap_or_default()
                    .into_iter()
                    .take(10)
                    .collect(),
            })?;
        let object = reference
            .peel(ObjectType::Any)
            .map_err(git(format!("read tag {name}")))?;
        let target = reference.target().ok_or_else(|| GitError::NotACommit {
            tag: name.to_owned(),
        })?;
        let tag_object = self.repo.find_tag(target).ok();
        let commit = object.peel_to_commit().map_err(|_| GitError::NotACommit {
            tag: name.to_owned(),
        })?;
        let (annotated, signed, time) = match &tag_object {
            Some(tag) => {
                let message = String::from_utf8_lossy(tag.message_bytes().unwrap_or_default());
                let signed = [
                    "-----BEGIN PGP SIGNATURE-----",
                    "-----BEGIN SSH SIGNATURE-----",
                    "-----BEGIN SIGNED MESSAGE-----",
                ]
                .iter()
                .any(|marker| message.contains(marker));
                let time = tag
                    .tagger()
                    .map_or(commit.time().seconds(), |tagger| tagger.when().seconds());
                (true, signed, time)
            }
            None => (false, false, commit.time().seconds()),
        };
        Ok(TagFacts {
            name: name.to_owned(),
            commit: commit.id().to_string(),
            annotated,
            signed,
            time,
        })
    }

    /// The text of the declaration in `tag`'s commit.
    pub fn declaration_at(&self, tag: &TagFacts) -> Result<Vec<u8>, GitError> {
        let missing = || GitError::NoDeclaration {
            tag: tag.name.clone(),
            commit: tag.commit.clone(),
        };
        let oid = Oid::from_str(&tag.commit).map_err(git("read the commit id"))?;
        let commit = self
            .repo
            .find_commit(oid)
            .map_err(git(format!("read commit {}", tag.commit)))?;
        let tree = commit.tree().map_err(git("read the commit's tree"))?;
        let entry = tree
            .get_path(Path::new(DECLARATION_FILE))
            .map_err(|_| missing())?;
        let blob = self.repo.find_blob(entry.id()).map_err(|_| missing())?;
        Ok(blob.content().to_vec())
    }

    /// The nearest earlier tag: the most recent tag whose commit is a proper ancestor of
    /// `tag`'s commit (the one that descends from all the others).
    pub fn previous_tag(&self, tag: &TagFacts) -> Result<Option<TagFacts>, GitError> {
        let head = Oid::from_str(&tag.commit).map_err(git("read the commit id"))?;
        let mut candidates: Vec<(TagFacts, Oid)> = Vec::new();
        for name in self.tags()? {
            let Ok(facts) = self.tag(&name) else {
                continue;
            };
            let Ok(oid) = Oid::from_str(&facts.commit) else {
                continue;
            };
            if oid != head && self.repo.graph_descendant_of(head, oid).unwrap_or(false) {
                candidates.push((facts, oid));
            }
        }
        let nearest = candidates.iter().find(|(_, oid)| {
            candidates.iter().all(|(_, other)| {
                other == oid || !self.repo.graph_descendant_of(*other, *oid).unwrap_or(false)
            })
        });
        Ok(nearest.map(|(facts, _)| facts.clone()))
    }

    /// The URL of the remote `origin`, if there is one.
    pub fn origin_url(&self) -> Option<String> {
        self.repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url().ok().map(str::to_owned))
    }

    /// Whether tracked files in the work tree differ from the index or HEAD.
    pub fn is_dirty(&self) -> bool {
        let mut options = git2::StatusOptions::new();
        options.include_untracked(false).include_ignored(false);
        self.repo
            .statuses(Some(&mut options))
            .is_ok_and(|statuses| !statuses.is_empty())
    }
}

/// A repository URL reduced to `host/path` (lowercase, no scheme, credentials, `.git` or
/// trailing slash), so `git@github.com:Acme/Agent.git` and `https://github.com/acme/agent`
/// compare equal.
pub fn normalize_repository_url(url: &str) -> String {
    let url = url.trim();
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let without_user = without_scheme
        .split_once('@')
        .filter(|(user, _)| !user.contains('/'))
        .map_or(without_scheme, |(_, rest)| rest);
    // scp-like `host:path` (no scheme) becomes `host/path`.
    let slashed = if url.contains("://") {
        without_user.to_owned()
    } else {
        without_user.replacen(':', "/", 1)
    };
    slashed
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::normalize_repository_url as n;

    #[test]
    fn repository_urls_compare_by_host_and_path() {
        let canonical = "github.com/acme/agent";
        for url in [
            "https://github.com/acme/agent",
            "https://github.com/Acme/Agent.git",
            "git@github.com:acme/agent.git",
            "ssh://git@github.com/acme/agent",
            "https://token@github.com/acme/agent/",
        ] {
            assert_eq!(n(url), canonical, "{url}");
        }
        assert_ne!(n("https://github.com/acme/agent-fork"), canonical);
    }
}
