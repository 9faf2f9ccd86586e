#pragma once
/// @file
/// Signing secrets: bytes that are used for keying and never printed.

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/result.hpp"

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

/// The secrets of a secret file's text, one per line: every byte of a line is kept but the line
/// end (LF, or the CRLF of a file written on Windows); empty lines are skipped. Several lines are how
/// a rotation is configured (the first one signs).
[[nodiscard]] std::vector<Secret> secrets_from_lines(std::string_view text);

/// Reads a secret file with secrets_from_lines(); the error names the file (never what it holds)
/// when it cannot be read or holds no secret.
[[nodiscard]] Result<std::vector<Secret>, std::string> read_secret_file(const std::filesystem::path& path);

/// Where secrets come from, in order: the first secret loaded is the one a Signer signs with.
struct SecretSources {
  /// Environment variables, each holding exactly one secret, its whole value (spaces included);
  /// each must be set and not empty.
  std::vector<std::string> variables;
  /// Secret files, one secret per line (secrets_from_lines()).
  std::vector<std::filesystem::path> files;
};

/// Loads the secrets of every source, variables then files. The error names the variable or file
/// that is unset, empty or unreadable (never what it holds), or says that no source was given.
[[nodiscard]] Result<std::vector<Secret>, std::string> load_secrets(const SecretSources& sources);

/// The variables of a rotation under `name`: `name` (the current secret) when it is set, and
/// `name` + "_PREVIOUS" (the one being retired) when it is set and not empty, e.g. HOOKLINE_SECRET
/// and HOOKLINE_SECRET_PREVIOUS; give them to SecretSources::variables.
[[nodiscard]] std::vector<std::string> rotation_variables(std::string_view name);

}  // namespace hookline
