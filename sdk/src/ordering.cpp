#include "hookline/ordering.hpp"

#include <algorithm>

#include "toolkit/dates.hpp"
#include "toolkit/name_table.hpp"

namespace hookline {
namespace {

bool is_decimal(std::string_view id) noexcept {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view without_leading_zeros(std::string_view digits) noexcept {
  const auto first = digits.find_first_not_of('0');
  return first == std::string_view::npos ? digits.substr(digits.size() - 1) : digits.substr(first);
}

std::strong_ordering as_text(std::string_view a, std::string_view b) noexcept {
  const int compared = a.compare(b);
  return compared < 0 ? std::strong_ordering::less
                      : (compared > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

}  // namespace

std::strong_ordering compare_event_ids(std::string_view a, std::string_view b) noexcept {
  const bool a_number = is_decimal(a);
  const bool b_number = is_decimal(b);
  if (a_number != b_number) {
    return a_number ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  if (a_number) {
    const auto a_digits = without_leading_zeros(a);
    const auto b_digits = without_leading_zeros(b);
    if (a_digits.size() != b_digits.size()) {
      return a_digits.size() <=> b_digits.size();
    }
    if (const auto by_value = as_text(a_digits, b_digits); by_value != 0) {
      return by_value;
    }
  }
  return as_text(a, b);  // "007" and "7" are the same number but different ids
}

OrderKey OrderKey::of(const EventMeta& meta) { return OrderKey{meta.occurred_at, meta.id}; }

std::strong_ordering OrderKey::operator<=>(const OrderKey& other) const noexcept {
  if (const auto by_date = date <=> other.date; by_date != 0) {
    return by_date;
  }
  return compare_event_ids(event_id, other.event_id);
}

std::string OrderKey::describe() const { return "event " + event_id + " at " + toolkit::format_iso8601_utc(date); }

namespace {
constexpr auto decision_names = toolkit::name_table<Decision>({
    {Decision::apply, "apply"},
    {Decision::stale, "stale"},
    {Decision::hold, "hold"},
    {Decision::duplicate, "duplicate"},
    {Decision::ignore, "ignore"},
});
}  // namespace

std::string_view to_string(Decision decision) noexcept { return toolkit::name_of(decision_names, decision, "unknown"); }

}  // namespace hookline
