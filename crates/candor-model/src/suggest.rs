//! "Did you mean …?" for a misspelt name: the closest of the names that would have been
//! accepted, when one is close enough to be a typo of it.

/// The candidate `word` is most likely a typo of, if any.
///
/// Close enough means an optimal-string-alignment distance (letters wrong, missing,
/// extra, or two neighbours swapped) of at most a third of the word's length, and at
/// least 1: `netwrok` → `network`, `purpsoe` → `purpose`, `data-sent` → `data_sent`, but
/// nothing for `vnedor` among `name`, `version`, `purl`. Ties go to the candidate with
/// the higher Jaro–Winkler similarity (a shared beginning), then to the first listed.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = strsim::osa_distance(word, candidate);
        if distance > limit {
            continue;
        }
        let similarity = strsim::jaro_winkler(word, candidate);
        let better = best.is_none_or(|(d, s, _)| distance < d || (distance == d && similarity > s));
        if better {
            best = Some((distance, similarity, candidate));
        }
    }
    best.map(|(_, _, candidate)| candidate)
}

/// `; did you mean `x`?` for [`closest`], or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATEGORIES: [&str; 10] = [
        "network",
        "telemetry",
        "env",
        "filesystem",
        "process",
        "conditional",
        "identifiers",
        "output-marking",
        "obfuscation",
        "update",
    ];

    #[test]
    fn typos_find_their_word_and_strangers_find_nothing() {
        assert_eq!(closest("netwrok", CATEGORIES), Some("network"));
        assert_eq!(closest("telemtry", CATEGORIES), Some("telemetry"));
        assert_eq!(
            closest("output_marking", CATEGORIES),
            Some("output-marking")
        );
        assert_eq!(closest("envv", CATEGORIES), Some("env"));
        assert_eq!(closest("Network", CATEGORIES), Some("network"));
        assert_eq!(
            closest("purpsoe", ["id", "endpoint", "purpose"]),
            Some("purpose")
        );
        assert_eq!(
            closest("data-sent", ["data_sent", "condition"]),
            Some("data_sent")
        );
        // Not typos of anything offered.
        assert_eq!(closest("vnedor", ["name", "version", "purl"]), None);
        assert_eq!(closest("banana", CATEGORIES), None);
        assert_eq!(closest("x", CATEGORIES), None);
        // The word itself is no suggestion; nothing to choose from, none either.
        assert_eq!(closest("env", ["env"]), None);
        assert_eq!(closest("env", []), None);
    }

    #[test]
    fn the_nearest_wins_and_ties_go_to_the_shared_beginning() {
        assert_eq!(
            closest("network.apj", ["network.api", "network.apps"]),
            Some("network.api")
        );
        // Both one edit away: `env.hom` shares more of its beginning with `env.home`.
        assert_eq!(
            closest("env.hom", ["env.dom", "env.home"]),
            Some("env.home")
        );
        assert_eq!(
            did_you_mean("netwrk", CATEGORIES),
            "; did you mean `network`?"
        );
        assert_eq!(did_you_mean("banana", CATEGORIES), "");
    }
}
