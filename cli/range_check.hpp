#pragma once
// The range check of every numeric `hookline` option, with a message that says the range.

#include <CLI/CLI.hpp>

namespace hookline::cli {

/// Accepts a number from `min` to `max` (both included); refuses anything else with "must be a
/// number from <min> to <max>, not <value>".
[[nodiscard]] CLI::Validator in_range(double min, double max);

}  // namespace hookline::cli
