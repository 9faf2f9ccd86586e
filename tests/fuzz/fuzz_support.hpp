#pragma once
// Helpers shared by the fuzz harnesses: invariant checks that abort (libFuzzer and the replay
// runner both report an abort as a failure) and a splitter for inputs that carry several fields.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace hookline::fuzz {

/// Aborts with `message` when `condition` is false: a broken invariant is a finding.
inline void require(bool condition, const char* message) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", message);
    std::abort();
  }
}

/// The fuzzer's bytes as text (possibly empty, possibly not UTF-8).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
  return size == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(data), size);
}

/// Splits `text` at the first `separator`: the part before, and the rest after it (empty when absent).
struct Split {
  std::string_view head;  ///< Everything before the separator, or the whole text when there is none.
  std::string_view tail;  ///< Everything after the separator.
};
inline Split split_once(std::string_view text, std::string_view separator) noexcept {
  const auto at = text.find(separator);
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + separator.size())};
}

}  // namespace hookline::fuzz
