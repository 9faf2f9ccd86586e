#pragma once
// Helpers shared by the fuzz harnesses: invariant checks that abort (libFuzzer and the replay
// runner both report an abort as a failure) and splitters for inputs that carry several fields.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hookline/headers.hpp"

namespace hookline::fuzz {

/// Aborts with `message` when `condition` is false: a broken invariant is a finding.
inline void require(bool condition, const char* message) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", message);
    std::abort();
  }
}

/// The fuzzer's bytes as text (possibly empty, possibly not UTF-8). `data` is never null, even for an
/// empty input (libFuzzer and replay_main.cpp both guarantee it), as a received body's bytes never are.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
  return {reinterpret_cast<const char*>(data), size};
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

/// A request-like input: a head (header lines) and a body, separated by the first empty line ("\n\n").
/// Without an empty line the whole input is the body, so plain payload files seed these harnesses.
inline Split split_head_and_body(std::string_view text) noexcept {
  const auto at = text.find("\n\n");
  if (at == std::string_view::npos) return {{}, text};
  return {text.substr(0, at), text.substr(at + 2)};
}

/// "Name: value" lines of `text`; a line without a colon is a name with an empty value.
inline Headers parse_header_lines(std::string_view text) {
  Headers headers;
  while (!text.empty()) {
    const auto [line, rest] = split_once(text, "\n");
    text = rest;
    auto [name, value] = split_once(line, ":");
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.add(std::string(name), std::string(value));
  }
  return headers;
}

}  // namespace hookline::fuzz
