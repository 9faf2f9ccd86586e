# Sourced by the tests of the sample receivers: installs the SDK from a build tree to a prefix in a
# fresh work directory and builds one sample against it with find_package(hookline), as a merchant
# would. build_sample BUILD_DIR SOURCE_DIR SAMPLE sets $work (removed on exit, after the process
# in $receiver_pid, if any, is stopped); the sample's binary is in $work/build.
receiver_pid=
cleanup() {
  if [[ -n $receiver_pid ]]; then kill "$receiver_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}

build_sample() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/hookline-$3-XXXXXX")
  trap cleanup EXIT
  cmake --install "$1" --prefix "$work/prefix" >"$work/install.log"
  cmake -S "$2/samples/$3" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
    >"$work/configure.log"
  cmake --build "$work/build" -j2 >"$work/build.log"
}
