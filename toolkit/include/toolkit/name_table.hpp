#pragma once
// Private toolkit: an enum's names kept in one constant table of (enumerator, name) pairs, read both
// ways; the one way hookline names its enumerators.

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace hookline::toolkit {

/// Every enumerator of `Enum` worth naming, with its name.
template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

/// A NameTable of `entries`, its size counted: `name_table<Color>({{Color::red, "red"}, ...})`.
template <class Enum, std::size_t N>
[[nodiscard]] constexpr NameTable<Enum, N> name_table(std::pair<Enum, std::string_view> (&&entries)[N]) {
  return std::to_array(std::move(entries));
}

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

}  // namespace hookline::toolkit
