#include "hookline/secret.hpp"

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <ostream>

namespace hookline {

namespace {
void wipe(std::string& value) noexcept {
  if (!value.empty()) OPENSSL_cleanse(value.data(), value.size());
  value.clear();
}
}  // namespace

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe(value_);
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe(value_);
    value_ = std::move(other.value_);
  }
  return *this;
}

Secret::~Secret() { wipe(value_); }

std::ostream& operator<<(std::ostream& out, const Secret& /*secret*/) { return out << "Secret(redacted)"; }

std::vector<Secret> secrets_from_lines(std::string_view text) {
  std::vector<Secret> secrets;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) secrets.emplace_back(std::string(line));
  }
  return secrets;
}

Result<std::vector<Secret>, std::string> read_secret_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return fail("cannot read the secret file " + path.string() + ": " + std::strerror(errno));
  const Secret text{std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>())};
  if (file.bad()) return fail("cannot read the secret file " + path.string());
  auto secrets = secrets_from_lines(text.reveal());
  if (secrets.empty()) return fail("the secret file " + path.string() + " holds no secret");
  return secrets;
}

Result<std::vector<Secret>, std::string> load_secrets(const SecretSources& sources) {
  if (sources.variables.empty() && sources.files.empty()) return fail(std::string("no secret is configured"));
  std::vector<Secret> secrets;
  for (const auto& variable : sources.variables) {
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) return fail("the environment variable " + variable + " is not set");
    if (*value == '\0') return fail("the environment variable " + variable + " is empty");
    secrets.emplace_back(std::string(value));
  }
  for (const auto& path : sources.files) {
    auto read = read_secret_file(path);
    if (!read) return fail(read.error());
    for (auto& secret : *read) secrets.push_back(std::move(secret));
  }
  return secrets;
}

std::vector<std::string> rotation_variables(std::string_view name) {
  std::vector<std::string> variables;
  std::string current(name);
  if (std::getenv(current.c_str()) != nullptr) variables.push_back(std::move(current));
  std::string previous = std::string(name) + "_PREVIOUS";
  if (const char* value = std::getenv(previous.c_str()); value != nullptr && *value != '\0') {
    variables.push_back(std::move(previous));
  }
  return variables;
}

}  // namespace hookline
