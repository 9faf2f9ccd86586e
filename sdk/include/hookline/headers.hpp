#pragma once
/// @file
/// HTTP request headers as received, looked up case-insensitively.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookline {

/// True when two header names are equal ignoring ASCII case.
[[nodiscard]] bool header_name_equals(std::string_view a, std::string_view b) noexcept;

/// An ordered list of header fields; names compare case-insensitively, repeated names are kept.
class Headers {
 public:
  /// One header field as it arrived.
  struct Field {
    std::string name;
    std::string value;
  };

  Headers() = default;
  /// Builds headers from name/value pairs, in order.
  Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

  /// Appends a field; an existing field of the same name is kept.
  void add(std::string name, std::string value);
  /// Replaces every field of this name by one field.
  void set(std::string_view name, std::string value);
  /// The value of the first field with this name, if any.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;
  /// The values of every field with this name, in arrival order.
  [[nodiscard]] std::vector<std::string_view> get_all(std::string_view name) const;
  /// How many fields there are.
  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
  /// The fields in arrival order.
  [[nodiscard]] const std::vector<Field>& fields() const noexcept { return fields_; }

 private:
  std::vector<Field> fields_;
};

}  // namespace hookline
