#!/usr/bin/env bash
# Builds the libFuzzer harnesses (the `fuzz` preset: clang, address + undefined) and runs each for
# SECONDS (default 600). CI runs `scripts/fuzz.sh 20`. New interesting inputs go to a working corpus
# in the build folder (the seed corpora under samples/ and tests/fuzz/corpus/ are only read); a
# crash stops the run with the reproducer under build/<preset>/fuzz-artifacts/<harness>/.
# Every crash found becomes a regression test: copy the reproducer into
# tests/fuzz/regressions/<harness>/ and `ctest -R fuzz.replay_<harness>` replays it in every build.
#
# usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
# environment: HOOKLINE_FUZZ_BUILD_DIR (default build/fuzz), HOOKLINE_FUZZ_JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
shift $(($# > 0 ? 1 : 0))
build_dir="${HOOKLINE_FUZZ_BUILD_DIR:-build/fuzz}"
jobs="${HOOKLINE_FUZZ_JOBS:-$(nproc)}"

cmake --preset fuzz -B "$build_dir" >/dev/null
cmake --build "$build_dir" --target hookline_fuzzers -j "$jobs"

manifest="$build_dir/tests/fuzz/fuzzers.txt"
failed=()
ran=0
while read -r name inputs; do
  [[ -n "$name" ]] || continue
  if (($# > 0)) && [[ " $* " != *" $name "* ]]; then continue; fi
  corpus="$build_dir/fuzz-corpus/$name"
  artifacts="$build_dir/fuzz-artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $name for ${seconds}s"
  # shellcheck disable=SC2086 # the seed folders are a space-separated list by design
  if ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$build_dir/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" $inputs >"$build_dir/fuzz-$name.log" 2>&1; then
    grep -E '^stat::number_executed_units|^stat::peak_rss_mb|^Done [0-9]+ runs' "$build_dir/fuzz-$name.log" | sed "s/^/fuzz: $name: /"
  else
    echo "fuzz: $name FAILED; log: $build_dir/fuzz-$name.log; reproducer(s):"
    ls -1 "$artifacts" | sed "s|^|  $artifacts/|"
    tail -n 60 "$build_dir/fuzz-$name.log"
    failed+=("$name")
  fi
  ran=$((ran + 1))
done <"$manifest"

if ((ran == 0)); then
  echo "fuzz: no harness ran (names: $(cut -d' ' -f1 "$manifest" | tr '\n' ' '))" >&2
  exit 2
fi
if ((${#failed[@]})); then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: $ran harnesses ran ${seconds}s each without a crash"
