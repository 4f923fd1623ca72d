#!/usr/bin/env python3
"""Fill fuzz/corpus/<target>/ with seeds from the repository's fixtures.

Nothing here is committed: the corpora are generated at every run (fuzz/run.sh calls
this) from what the repository already holds, so they follow the fixtures as they
change. Sources:

- files: examples/, attestations/, schemas/, the CLI's templates;
- test inputs written inline in crates/*/tests/ and tests/e2e/ (every raw string
  literal, r"…" / r#"…"#, that reads as JSON or TOML);
- the payloads of DSSE envelopes and bundles (Statements for the `statement` target);
- the Sigstore conformance vectors, read where they are (never copied into the
  repository): $CANDOR_CONFORMANCE_DIR, or ../shared/vectors/sigstore-conformance/
  beside the checkout, as tests/e2e/sigstore_conformance.rs finds them.

fuzz/seeds/<target>/ (committed: inputs signed with the fuzz key, and every crash the
fuzzer found, named after the bug) is not copied: run.sh hands it to libFuzzer as a
second, read-only corpus directory.

Each seed is written under the SHA-1 of its content, as libFuzzer names the inputs it
adds, so running this again adds nothing twice. A target this script does not know gets
no generated seeds (only fuzz/seeds/<target>/, if any): add it to SOURCES.

Usage: seed_corpora.py [TARGET...]   (default: every target in SOURCES)
"""

import base64
import binascii
import hashlib
import json
import os
import re
import sys
import tomllib
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
REPO = FUZZ_DIR.parent
CORPUS = FUZZ_DIR / "corpus"

# libFuzzer's -max_len for JSON and TOML targets (run.sh): longer seeds would only be
# cut short.
MAX_SEED_BYTES = 64 * 1024


def conformance_dir():
    given = os.environ.get("CANDOR_CONFORMANCE_DIR")
    path = Path(given) if given else REPO.parent / "shared/vectors/sigstore-conformance"
    return path if path.is_dir() else None


def repo_files(*patterns):
    for pattern in patterns:
        yield from sorted(REPO.glob(pattern))


def raw_string_literals():
    """Every raw string literal in the integration tests, unescaped as Rust reads it."""
    literal = re.compile(r'(?<![A-Za-z0-9_])b?r(#*)"(.*?)"\1', re.S)
    for path in repo_files("crates/*/tests/**/*.rs", "tests/e2e/**/*.rs"):
        for match in literal.finditer(path.read_text(encoding="utf-8")):
            yield match.group(2).encode()


def is_json(data):
    try:
        json.loads(data)
    except ValueError:
        return False
    return data.lstrip()[:1] in (b"{", b"[")


def is_toml(data):
    try:
        return bool(tomllib.loads(data.decode()))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def payload_of(envelope):
    """The decoded payload of a DSSE envelope (a dict), or None."""
    try:
        return base64.b64decode(envelope["payload"], validate=True)
    except (KeyError, TypeError, binascii.Error):
        return None


def json_documents(paths):
    for path in paths:
        try:
            yield path.read_bytes(), json.loads(path.read_bytes())
        except ValueError:
            continue


def conformance_bundles():
    root = conformance_dir()
    if root is None:
        return []
    return sorted(root.glob("**/*.sigstore.json"))


def envelope_files():
    return list(repo_files("attestations/**/*.dsse.json", "examples/**/*.dsse.json"))


def envelopes():
    """DSSE envelopes: the repository's, the ones inside conformance bundles, and the
    inline test inputs that have a payloadType."""
    for data, _ in json_documents(envelope_files()):
        yield data
    for _, bundle in json_documents(conformance_bundles()):
        if isinstance(bundle, dict) and isinstance(bundle.get("dsseEnvelope"), dict):
            yield json.dumps(bundle["dsseEnvelope"], indent=2).encode()
    for data in raw_string_literals():
        if b"payloadType" in data:
            yield data


def bundles():
    yield from (
        path.read_bytes()
        for path in repo_files(
            "examples/**/*.sigstore.json",
            "attestations/**/*.sigstore.json",
            "crates/*/tests/**/*.sigstore.json",
            "tests/**/*.sigstore.json",
        )
    )
    yield from (path.read_bytes() for path in conformance_bundles())


def statements():
    yield from (path.read_bytes() for path in repo_files("examples/*.statement.json"))
    for path in (envelope_files(), FUZZ_DIR.glob("seeds/dsse_envelope/*")):
        for _, envelope in json_documents(path):
            if isinstance(envelope, dict) and (payload := payload_of(envelope)):
                yield payload
    for _, bundle in json_documents(conformance_bundles()):
        envelope = bundle.get("dsseEnvelope") if isinstance(bundle, dict) else None
        if isinstance(envelope, dict) and (payload := payload_of(envelope)):
            yield payload
    root = conformance_dir()
    if root is not None:
        yield from (path.read_bytes() for path in sorted(root.glob("**/statement.json")))
    for data in raw_string_literals():
        if b"predicateType" in data or b"in-toto" in data:
            yield data


# Two `[[subject]]` tables (as `candor manifest statement` would add them): no fixture
# file has one, and the subject rules of a declaration are only reached through them.
SUBJECTS = (
    '\n[[subject]]\nname = "pkg:npm/%40acme/agent@1.4.0"\n'
    f'digest = {{ sha256 = "{"ab" * 32}", sha512 = "{"cd" * 64}" }}\n'
    '\n[[subject]]\nname = "pkg:generic/agent-linux-x64@1.4.0"\n'
    f'digest = {{ sha256 = "{"ef" * 32}" }}\n'
).encode()


def toml_documents():
    """Every TOML fixture: declarations and policies go to both targets, since a
    policy's tables are a declaration's unknown fields and the other way round. Each
    declaration comes also with subjects."""
    for path in repo_files("examples/**/*.toml", "crates/candor-cli/templates/*.toml"):
        yield path.read_bytes()
        if path.name == "candor.toml":
            yield path.read_bytes() + SUBJECTS
    yield from (data for data in raw_string_literals() if is_toml(data))


def any_json():
    yield from (path.read_bytes() for path in repo_files("examples/**/*.json"))
    yield from (path.read_bytes() for path in repo_files("schemas/*.json"))
    yield from envelopes()
    yield from bundles()
    yield from statements()
    yield from (data for data in raw_string_literals() if is_json(data))
    root = conformance_dir()
    if root is not None:
        yield from (path.read_bytes() for path in sorted(root.glob("**/trusted_root*.json")))


SOURCES = {
    "declaration": toml_documents,
    "dsse_envelope": envelopes,
    "policy": toml_documents,
    "sigstore_bundle": bundles,
    "statement": statements,
    "strict_json": any_json,
}


def seed(target):
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    added = 0
    for data in SOURCES[target]():
        if not data or len(data) > MAX_SEED_BYTES:
            continue
        path = out / hashlib.sha1(data).hexdigest()
        if not path.exists():
            path.write_bytes(data)
            added += 1
    return added, sum(1 for _ in out.iterdir())


def main(targets):
    if conformance_dir() is None:
        print("seeds: no Sigstore conformance vectors (set CANDOR_CONFORMANCE_DIR); "
              "bundle seeds are the repository's only")
    for target in targets or sorted(SOURCES):
        if target not in SOURCES:
            print(f"seeds: {target}: no generated seeds (not in seed_corpora.py SOURCES)")
            continue
        added, total = seed(target)
        print(f"seeds: {target}: {total} inputs in fuzz/corpus/{target} ({added} new)")


if __name__ == "__main__":
    main(sys.argv[1:])
