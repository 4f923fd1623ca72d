#!/usr/bin/env bash
# Builds every cargo-fuzz target once and runs each for a short fixed time (CI runs this
# after the tests: .ci/run). Any crash, panic, failed invariant, hang (-timeout) or memory
# blow-up (-rss_limit_mb) fails the run; the input is kept in fuzz/artifacts/<target>/.
#
#   bash fuzz/run.sh                    every target, CANDOR_FUZZ_SECONDS each
#   bash fuzz/run.sh statement policy   only these
#
# Environment:
#   CANDOR_FUZZ_SECONDS    seconds per target (default 5). The whole step, cold build
#                          included, must stay under 8 minutes on the 2-core CI machine;
#                          there, cold and otherwise idle, ten targets at 5 s took 6 min
#                          33 s, the build 5 min 27 s of it (busy with other builds, the
#                          build alone has taken 6.5 minutes).
#                          Longer runs: CANDOR_FUZZ_SECONDS=600.
#   CANDOR_FUZZ_SANITIZER  none (default) or address; see below
#   CANDOR_FUZZ_ARGS       extra libFuzzer arguments for every target (-use_value_profile=1 …)
#
# Targets are discovered with `cargo fuzz list`: adding one is `cargo fuzz add <name>`
# (its file under fuzz_targets/ and its [[bin]] entry in fuzz/Cargo.toml). A target
# that needs other libFuzzer options says so in its source, one per line, e.g.
#   // libfuzzer: -max_len=1048576
# Seeds: fuzz/corpus/<target>/ is generated from the repository's fixtures by
# seed_corpora.py (and keeps what libFuzzer adds; not committed); fuzz/seeds/<target>/
# is committed (signed seeds, every crash found) and read only.
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
seconds="${CANDOR_FUZZ_SECONDS:-5}"
sanitizer="${CANDOR_FUZZ_SANITIZER:-none}"
read -r -a extra_args <<<"${CANDOR_FUZZ_ARGS:-}"

started=$SECONDS
fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
cd "$fuzz_dir/.."

# cargo-fuzz drives rustc with nightly-only flags (-Zsanitizer, -Cpasses=sancov-module
# with its -Cllvm-args, --cfg fuzzing); RUSTC_BOOTSTRAP=1 makes the stable compiler
# accept them (only for these builds: it is set here, not in CI's environment).
# --release --debug-assertions: optimised like a release build (speed is coverage) but
#   with debug assertions and overflow checks, so arithmetic overflow is a crash.
# --sanitizer none: candor's crates forbid `unsafe`, std is not instrumented (that needs
#   -Zbuild-std and the rust-src component, which the stable toolchain here lacks), and
#   the C crypto (aws-lc) is built by cc, not rustc, so AddressSanitizer would only see
#   the few unsafe blocks of dependencies, at ~5x fewer executions per second and 10x the
#   memory (measured on `statement`: 17,000 exec/s without, 3,200 with).
#   CANDOR_FUZZ_SANITIZER=address works too (its runtime ships with stable rustc).
export RUSTC_BOOTSTRAP=1
# The fuzz workspace's own target directory, whatever the caller's environment says.
export CARGO_TARGET_DIR="$fuzz_dir/target"
build_flags=(--fuzz-dir "$fuzz_dir" --release --debug-assertions --sanitizer "$sanitizer")

# -max_len: JSON and TOML documents are kilobytes; 64 KiB leaves room for nesting and
#   repetition without wasting executions (archives will want 1 MiB: see above).
# -rss_limit_mb: a target whose memory grows past this is a crash (a blow-up from a small
#   input); the targets start around 40 MB.
# -timeout: one input taking this many seconds is a crash (a hang, or quadratic work).
# -print_final_stats: the stat:: lines the summary below is read from.
libfuzzer_args=(-max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 -timeout=10
  -print_final_stats=1)
if [[ "$sanitizer" == address ]]; then
  libfuzzer_args+=(-rss_limit_mb=2560) # ASan's shadow memory; the last flag wins
fi

echo "== cargo-fuzz $CARGO_FUZZ_VERSION"
if [[ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# cargo-fuzz has no --locked: fetch with it first, which fails on a stale fuzz/Cargo.lock.
if ! cargo fetch --locked --target "$(rustc -vV | sed -n 's/^host: //p')" --manifest-path fuzz/Cargo.toml; then
  echo "error: fuzz/Cargo.lock is out of date" >&2
  echo "hint: run \`cargo update --manifest-path fuzz/Cargo.toml --workspace\` and commit fuzz/Cargo.lock" >&2
  exit 1
fi

mapfile -t all_targets < <(cargo fuzz list --fuzz-dir "$fuzz_dir")
for source in "$fuzz_dir"/fuzz_targets/*.rs; do
  name="$(basename "$source" .rs)"
  if [[ " ${all_targets[*]} " != *" $name "* ]]; then
    echo "error: fuzz/fuzz_targets/$name.rs has no [[bin]] entry in fuzz/Cargo.toml" >&2
    echo "hint: \`cargo fuzz add $name\` writes both; or copy an existing entry" >&2
    exit 1
  fi
done
if (($# > 0)); then
  targets=("$@")
  for target in "${targets[@]}"; do
    if [[ " ${all_targets[*]} " != *" $target "* ]]; then
      echo "error: no fuzz target \`$target\`; the targets are: ${all_targets[*]}" >&2
      exit 2
    fi
  done
else
  targets=("${all_targets[@]}")
fi

echo "== seed corpora"
python3 "$fuzz_dir/seed_corpora.py" "${targets[@]}"

echo "== build (${build_flags[*]:2})"
start=$SECONDS
cargo fuzz build "${build_flags[@]}"
echo "built in $((SECONDS - start)) s"

echo "== run, ${seconds} s per target"
logs="$CARGO_TARGET_DIR/logs"
mkdir -p "$logs"
failed=()
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n1; }
for target in "${targets[@]}"; do
  corpus=("$fuzz_dir/corpus/$target")
  mkdir -p "${corpus[0]}"
  if [[ -d "$fuzz_dir/seeds/$target" ]]; then
    corpus+=("$fuzz_dir/seeds/$target")
  fi
  # Per-target options from `// libfuzzer: …` lines in its source (later flags win).
  mapfile -t own_args < <(sed -n 's|^// libfuzzer: *||p' "$fuzz_dir/fuzz_targets/$target.rs" | tr ' ' '\n' | sed '/^$/d')
  log="$logs/$target.log"
  status=0
  cargo fuzz run "${build_flags[@]}" "$target" "${corpus[@]}" -- \
    "${libfuzzer_args[@]}" "${own_args[@]}" "${extra_args[@]}" >"$log" 2>&1 || status=$?
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")"
  corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")"
  printf '%-18s runs %10s  exec/s %7s  cov %6s  corpus %5s  peak RSS %5s MB\n' "$target" \
    "$(final_stat number_of_executed_units "$log")" "$(final_stat average_exec_per_sec "$log")" \
    "${cov:-?}" "${corp:-?}" "$(final_stat peak_rss_mb "$log")"
  if ((status != 0)); then
    failed+=("$target")
    echo "---- $target failed (exit $status); the end of its log ($log):"
    tail -n 80 "$log"
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)"
    if [[ -n "$artifact" ]]; then
      echo "reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run ${build_flags[*]:2} $target $artifact"
    fi
    echo "----"
  fi
done

if ((${#failed[@]} > 0)); then
  echo "error: fuzz targets failed: ${failed[*]}" >&2
  echo "hint: fix the bug, add a regression test named after it, and keep the input in fuzz/seeds/<target>/" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash ($((SECONDS - started)) s in all)"
