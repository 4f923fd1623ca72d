#!/usr/bin/env bash
# Fetch the corpus of real packages (packages.txt) into $CANDOR_CORPUS (default
# ~/.cache/candor-corpus), outside the repository: `<name>-<version>.tgz` each, as
# `npm pack` names them (a scope's `@` and `/` become `-`). Each tarball is checked
# against the registry integrity pinned in packages.txt; one that does not match is
# deleted and the script fails. Offline, it says so and exits 0: the tests that read the
# corpus skip with a message.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
corpus="${CANDOR_CORPUS:-$HOME/.cache/candor-corpus}"
mkdir -p "$corpus"

integrity_of() { # sha512-<base64> of a file
  printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | openssl base64 -A)"
}

status=0
while read -r spec integrity; do
  case "$spec" in ''|'#'*) continue ;; esac
  name="${spec%@*}"; version="${spec##*@}"
  file="$corpus/$(printf '%s' "$name" | sed 's/^@//; s#/#-#')-$version.tgz"
  if [ -f "$file" ] && [ "$(integrity_of "$file")" = "$integrity" ]; then
    continue
  fi
  if ! npm pack --silent --pack-destination "$corpus" "$spec" >/dev/null 2>"$corpus/.npm-error"; then
    echo "corpus: cannot fetch $spec (offline?): $(tail -n1 "$corpus/.npm-error")" >&2
    echo "corpus: the tests that read it will skip" >&2
    exit 0
  fi
  actual="$(integrity_of "$file")"
  if [ "$actual" != "$integrity" ]; then
    echo "corpus: $spec does not match its pinned integrity ($actual); deleted" >&2
    rm -f "$file"
    status=1
  fi
done < "$here/packages.txt"
rm -f "$corpus/.npm-error"
echo "corpus: $(ls "$corpus"/*.tgz 2>/dev/null | wc -l) package(s) in $corpus"
exit "$status"
