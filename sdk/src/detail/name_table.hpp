#pragma once
// Lookups over a constant table of (enumerator, name) pairs, shared by the platforms' event types.

#include <string_view>
#include <utility>
#include <vector>

namespace hookline::detail {

/// The name of `value` in `table`, or `fallback` when it has none.
template <class Table, class Enum>
[[nodiscard]] constexpr std::string_view name_of(const Table& table, Enum value, std::string_view fallback) noexcept {
  for (const auto& [known, name] : table) {
    if (known == value) return name;
  }
  return fallback;
}

/// The enumerator named `name` in `table`, or `fallback` when none is.
template <class Table, class Enum>
[[nodiscard]] constexpr Enum value_of(const Table& table, std::string_view name, Enum fallback) noexcept {
  for (const auto& [value, known] : table) {
    if (known == name) return value;
  }
  return fallback;
}

/// Every enumerator of `table`, in table order.
template <class Table>
[[nodiscard]] auto values_of(const Table& table) {
  std::vector<typename Table::value_type::first_type> values;
  values.reserve(table.size());
  for (const auto& entry : table) values.push_back(entry.first);
  return values;
}

/// The names of `table` in "<family>.<action>" form whose family is `family`, in table order.
template <class Table>
[[nodiscard]] std::vector<std::string_view> names_of_family(const Table& table, std::string_view family) {
  std::vector<std::string_view> names;
  for (const auto& entry : table) {
    const std::string_view name = entry.second;
    if (name.size() > family.size() && name.substr(0, family.size()) == family && name[family.size()] == '.') {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace hookline::detail
