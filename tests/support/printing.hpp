#pragma once
// Lets Boost.Test print hookline's values when an assertion about them fails.

#include <optional>
#include <ostream>

#include "hookline/event.hpp"
#include "hookline/inbox.hpp"
#include "hookline/receiver.hpp"
#include "hookline/verify.hpp"

namespace hookline {
inline std::ostream& operator<<(std::ostream& out, Platform platform) { return out << to_string(platform); }
inline std::ostream& operator<<(std::ostream& out, Scheme scheme) { return out << to_string(scheme); }
inline std::ostream& operator<<(std::ostream& out, VerifyErrorKind kind) { return out << to_string(kind); }
inline std::ostream& operator<<(std::ostream& out, ClaimOutcome outcome) { return out << to_string(outcome); }
inline std::ostream& operator<<(std::ostream& out, EntryState state) { return out << to_string(state); }
inline std::ostream& operator<<(std::ostream& out, ReceiveOutcome outcome) { return out << to_string(outcome); }
}  // namespace hookline

namespace boost::test_tools::tt_detail {
template <class T>
struct print_log_value<std::optional<T>> {
  void operator()(std::ostream& out, const std::optional<T>& value) {
    if (value) {
      out << *value;
    } else {
      out << "nullopt";
    }
  }
};
}  // namespace boost::test_tools::tt_detail
