#!/usr/bin/env bash
# Installs what is missing, then builds hookline and runs every test suite with ctest under
# AddressSanitizer + UndefinedBehaviorSanitizer (preset asan) and ThreadSanitizer (preset tsan),
# runs each fuzz harness briefly (preset fuzz), and finally builds the optimised `ci` preset and runs
# every suite there. The first failure stops the script with a non-zero exit; the last line printed
# is the `ci` run's ctest summary. This is what CI runs (.ci/run).
#
# HOOKLINE_TEST_PHASES (default "asan tsan fuzz ci") chooses phases, e.g. "ci" for a quick local run.
# HOOKLINE_FUZZ_SECONDS (default 20) is how long each fuzz harness runs.
# Tests labelled `no_sanitizer` are left out of both sanitizer runs, `no_asan` / `no_tsan` out of one
# (they still run in `ci`); each such label is set, with its reason, at the end of tests/CMakeLists.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

phases="${HOOKLINE_TEST_PHASES:-asan tsan fuzz ci}"
jobs="$(nproc)"

# phase NAME: prints a banner and the seconds the previous phase took.
phase_started=$SECONDS
phase() {
  echo "=== test.sh: $1 (previous phase took $((SECONDS - phase_started)) s) ===" >&2
  phase_started=$SECONDS
}

# sanitizer_suite PRESET: builds and runs every suite under that sanitizer preset.
sanitizer_suite() {
  phase "$1: build"
  cmake --preset "$1" -DHOOKLINE_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build --preset "$1" -j "$jobs"
  phase "$1: ctest"
  if [[ "$1" == tsan ]]; then
    # The tsan test preset's settings plus the suppressions for uninstrumented Debian libraries
    # (tests/sanitizers/tsan.supp says why); a preset's environment would replace TSAN_OPTIONS.
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp" \
      ctest --test-dir build/tsan --output-on-failure --no-tests=error --timeout 600 \
      --label-exclude "^no_(sanitizer|tsan)\$"
  else
    ctest --preset "$1" --label-exclude "^no_(sanitizer|$1)\$"
  fi
}

bash scripts/install-deps.sh

for name in $phases; do
  case "$name" in
    asan | tsan) sanitizer_suite "$name" ;;
    fuzz)
      phase "fuzz: ${HOOKLINE_FUZZ_SECONDS:-20} s per harness"
      bash scripts/fuzz.sh "${HOOKLINE_FUZZ_SECONDS:-20}"
      ;;
    ci) ;;
    *) echo "test.sh: unknown phase $name (asan, tsan, fuzz, ci)" >&2; exit 2 ;;
  esac
done

if [[ " $phases " == *" ci "* ]]; then
  phase "ci: build"
  cmake --preset ci >/dev/null
  cmake --build --preset ci -j "$jobs"
  phase "ci: ctest"
  ctest --preset ci
fi
