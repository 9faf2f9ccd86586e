#pragma once
/// @file
/// Signing secrets: bytes that are used for keying and never printed.

#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookline {

/// A signing secret or token; its printed form is always "Secret(redacted)" and its memory is wiped on destruction.
class Secret {
 public:
  /// Takes ownership of the secret's text, exactly as configured (e.g. "whsec_…" or a plain string).
  explicit Secret(std::string value) noexcept : value_(std::move(value)) {}
  Secret(const Secret& other) = default;
  Secret(Secret&& other) noexcept = default;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  /// The secret's bytes, for keying a MAC or comparing a token; never log or print them.
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  /// True when the secret holds no bytes.
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

 private:
  std::string value_;
};

/// Prints "Secret(redacted)", whatever the secret holds.
std::ostream& operator<<(std::ostream& out, const Secret& secret);

/// Splits a configured text (an environment variable, a file) into secrets separated by spaces, tabs or
/// newlines: several secrets at once are how a rotation is configured. Blank text yields none.
[[nodiscard]] std::vector<Secret> split_secrets(std::string_view text);

}  // namespace hookline
