#pragma once
// The secret options of every command that signs or verifies: --secret-env VAR (repeatable) and
// --secret-file FILE. A variable holds one whole secret, spaces included; a file holds one per line.

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "hookline/result.hpp"
#include "hookline/secret.hpp"
#include "hookline/verify.hpp"

namespace hookline::cli {

/// What --secret-env and --secret-file named.
struct SecretOptions {
  std::vector<std::string> variables;  ///< --secret-env, in order
  std::string file;                    ///< --secret-file, or empty

  /// True when either option was given.
  [[nodiscard]] bool given() const noexcept { return !variables.empty() || !file.empty(); }
  /// The secrets they name, variables first (the first one signs); the error names the variable or
  /// file at fault, never a secret.
  [[nodiscard]] Result<std::vector<Secret>, std::string> load() const;
};

/// The message for secrets that `scheme` cannot sign or verify with: `error` (the Signer's or
/// Verifier's), and for the standard scheme the form it wants, whsec_<base64>.
[[nodiscard]] std::string unusable_secret_message(Scheme scheme, std::string_view error);

/// Adds --secret-env and --secret-file to `command`; `what` says what the secrets are for, e.g.
/// "signing secret" (the help texts name it).
void add_secret_options(CLI::App& command, SecretOptions& options, std::string_view what);

}  // namespace hookline::cli
