#include "secret_options.hpp"

namespace hookline::cli {

Result<std::vector<Secret>, std::string> SecretOptions::load() const {
  SecretSources sources;
  sources.variables = variables;
  if (!file.empty()) sources.files.emplace_back(file);
  return load_secrets(sources);
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
