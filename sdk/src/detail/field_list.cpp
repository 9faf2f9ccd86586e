#include "detail/field_list.hpp"

#include <charconv>
#include <stdexcept>

namespace hookline::detail {
namespace {

template <class Pairs, class NameOf, class ValueOf>
std::string encode_pairs(const Pairs& pairs, NameOf name_of, ValueOf value_of) {
  std::string out;
  const auto add = [&out](std::string_view text) {
    out += std::to_string(text.size());
    out += ':';
    out += text;
  };
  for (const auto& pair : pairs) {
    add(name_of(pair));
    add(value_of(pair));
  }
  return out;
}

}  // namespace

std::string encode_headers(const Headers& headers) {
  return encode_pairs(
      headers.fields(), [](const Headers::Field& field) -> std::string_view { return field.name; },
      [](const Headers::Field& field) -> std::string_view { return field.value; });
}

std::string encode_query(const FieldPairs& query) {
  return encode_pairs(
      query, [](const auto& pair) -> std::string_view { return pair.first; },
      [](const auto& pair) -> std::string_view { return pair.second; });
}

FieldPairs decode_pairs(std::string_view encoded) {
  const auto next = [&encoded]() -> std::string {
    const auto colon = encoded.find(':');
    std::size_t size = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(encoded.data(), encoded.data() + colon, size).ptr != encoded.data() + colon ||
        encoded.size() - colon - 1 < size) {
      throw std::runtime_error("a stored list of fields is corrupt");
    }
    std::string text(encoded.substr(colon + 1, size));
    encoded.remove_prefix(colon + 1 + size);
    return text;
  };
  FieldPairs pairs;
  while (!encoded.empty()) {
    auto name = next();
    pairs.emplace_back(std::move(name), next());
  }
  return pairs;
}

Headers decode_headers(std::string_view encoded) {
  Headers headers;
  for (auto& [name, value] : decode_pairs(encoded)) {
    headers.add(std::move(name), std::move(value));
  }
  return headers;
}

}  // namespace hookline::detail
