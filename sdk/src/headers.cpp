#include "hookline/headers.hpp"

#include <algorithm>

namespace hookline {

namespace {
constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool header_name_equals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  fields_.reserve(fields.size());
  for (const auto& [name, value] : fields) add(std::string(name), std::string(value));
}

void Headers::add(std::string name, std::string value) { fields_.push_back({std::move(name), std::move(value)}); }

void Headers::set(std::string_view name, std::string value) {
  std::erase_if(fields_, [name](const Field& field) { return header_name_equals(field.name, name); });
  fields_.push_back({std::string(name), std::move(value)});
}

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
  for (const auto& field : fields_) {
    if (header_name_equals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& field : fields_) {
    if (header_name_equals(field.name, name)) values.emplace_back(field.value);
  }
  return values;
}

}  // namespace hookline
