#include "hookline/secret.hpp"

#include <openssl/crypto.h>

#include <ostream>

namespace hookline {

namespace {
void wipe(std::string& value) noexcept {
  if (!value.empty()) OPENSSL_cleanse(value.data(), value.size());
  value.clear();
}

constexpr bool is_separator(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
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

std::vector<Secret> split_secrets(std::string_view text) {
  std::vector<Secret> secrets;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_separator(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_separator(text[i])) ++i;
    if (i > start) secrets.emplace_back(std::string(text.substr(start, i - start)));
  }
  return secrets;
}

}  // namespace hookline
