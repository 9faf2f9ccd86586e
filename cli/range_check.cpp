#include "range_check.hpp"

#include <charconv>
#include <iomanip>
#include <sstream>
#include <string>

namespace hookline::cli {

namespace {

/// A bound as people write it: 1, 0.5, 86400.
std::string shown(double value) {
  std::ostringstream text;
  text << std::setprecision(15) << value;
  return text.str();
}

}  // namespace

CLI::Validator in_range(double min, double max) {
  const auto range = shown(min) + " to " + shown(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        double value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
          return "must be a number from " + range + ", not " + text;
        }
        return {};
      },
      "from " + range);
}

}  // namespace hookline::cli
