#include "fulfillment.hpp"

#include "toolkit/name_table.hpp"

namespace fulfillment {
namespace {

constexpr auto state_names = hookline::toolkit::name_table<State>({
    {State::waiting, "waiting"},
    {State::picking, "picking"},
    {State::packing, "packing"},
    {State::shipped, "shipped"},
    {State::cancelled, "cancelled"},
    {State::skipped, "skipped"},
    {State::error, "error"},
    {State::returned, "returned"},
});

constexpr auto kind_names = hookline::toolkit::name_table<HistoryKind>({
    {HistoryKind::event, "event"},
    {HistoryKind::transition, "transition"},
    {HistoryKind::conflict, "conflict"},
    {HistoryKind::tracking, "tracking"},
    {HistoryKind::note, "note"},
    {HistoryKind::check, "check"},
});

}  // namespace

std::string_view to_string(State state) noexcept { return hookline::toolkit::name_of(state_names, state, "waiting"); }

std::optional<State> state_from_string(std::string_view name) noexcept {
  return hookline::toolkit::value_of(state_names, name, std::optional<State>{});
}

const std::vector<State>& all_states() {
  static const std::vector<State> states = hookline::toolkit::values_of(state_names);
  return states;
}

bool is_open(State state) noexcept {
  return state == State::waiting || state == State::picking || state == State::packing || state == State::error;
}

std::string_view to_string(HistoryKind kind) noexcept { return hookline::toolkit::name_of(kind_names, kind, "note"); }

std::optional<HistoryKind> history_kind_from_string(std::string_view name) noexcept {
  return hookline::toolkit::value_of(kind_names, name, std::optional<HistoryKind>{});
}

}  // namespace fulfillment
