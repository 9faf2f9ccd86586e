#pragma once
/// @file
/// Where hookline reads the time: a Clock passed in, so that tests and replays choose it.

#include <chrono>
#include <functional>

namespace hookline {

/// The current time in whole seconds; the dispatcher, the server and the simulator read it only here.
using Clock = std::function<std::chrono::sys_seconds()>;

/// The system clock, truncated to seconds: the default Clock.
[[nodiscard]] std::chrono::sys_seconds system_now();

}  // namespace hookline
