#include "fulfillment.hpp"

#include <array>
#include <utility>

namespace fulfillment {
namespace {

constexpr std::array<std::pair<State, std::string_view>, 8> state_names{{
    {State::waiting, "waiting"},
    {State::picking, "picking"},
    {State::packing, "packing"},
    {State::shipped, "shipped"},
    {State::cancelled, "cancelled"},
    {State::skipped, "skipped"},
    {State::error, "error"},
    {State::returned, "returned"},
}};

constexpr std::array<std::pair<HistoryKind, std::string_view>, 6> kind_names{{
    {HistoryKind::event, "event"},
    {HistoryKind::transition, "transition"},
    {HistoryKind::conflict, "conflict"},
    {HistoryKind::tracking, "tracking"},
    {HistoryKind::note, "note"},
    {HistoryKind::check, "check"},
}};

}  // namespace

std::string_view to_string(State state) noexcept {
  for (const auto& [value, name] : state_names) {
    if (value == state) return name;
  }
  return "waiting";
}

std::optional<State> state_from_string(std::string_view name) noexcept {
  for (const auto& [value, text] : state_names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

const std::vector<State>& all_states() {
  static const std::vector<State> states = [] {
    std::vector<State> all;
    for (const auto& entry : state_names) all.push_back(entry.first);
    return all;
  }();
  return states;
}

bool is_open(State state) noexcept {
  return state == State::waiting || state == State::picking || state == State::packing || state == State::error;
}

std::string_view to_string(HistoryKind kind) noexcept {
  for (const auto& [value, name] : kind_names) {
    if (value == kind) return name;
  }
  return "note";
}

std::optional<HistoryKind> history_kind_from_string(std::string_view name) noexcept {
  for (const auto& [value, text] : kind_names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace fulfillment
