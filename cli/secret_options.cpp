#include "secret_options.hpp"

namespace hookline::cli {

Result<std::vector<Secret>, std::string> SecretOptions::load() const {
  SecretSources sources;
  sources.variables = variables;
  if (!file.empty()) sources.files.emplace_back(file);
  return load_secrets(sources);
}

std::string unusable_secret_message(Scheme scheme, std::string_view error) {
  std::string message(error);
  if (scheme == Scheme::standard) {
    message += " (the standard scheme wants each secret as whsec_<base64>, e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, "
               "as the platform shows it)";
  }
  return message;
}

void add_secret_options(CLI::App& command, SecretOptions& options, std::string_view what) {
  const std::string name(what);
  command.add_option("--secret-env", options.variables,
                     "Environment variable holding one " + name +
                         ", its whole value (spaces and all); repeat it for a rotation, the first one signs");
  command.add_option("--secret-file", options.file,
                     "File holding one " + name +
                         " per line (the line end, LF or CRLF, is not part of it; empty lines are skipped); "
                         "after any --secret-env");
}

}  // namespace hookline::cli
