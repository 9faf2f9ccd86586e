// `hookline inspect [--platform P] [--zone IANA] FILE|-`: prints a webhook body as typed JSON.

#include <array>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "hookline/event.hpp"
#include "hookline/parse.hpp"
#include "hookline/time_zone.hpp"
#include "hookline/vrio.hpp"

namespace hookline::cli {

namespace {

/// What every platform's inspector is given.
struct InspectOptions {
  TimeZone zone;
};

/// One platform `inspect` understands: how to recognise its bodies and how to print them.
struct Inspector {
  Platform platform;
  /// True when the body looks like this platform's (a cheap guess, not a parse).
  bool (*detect)(std::string_view body);
  /// The typed event as JSON, or why the body was refused.
  Result<std::string, ParseError> (*inspect)(std::string_view body, const InspectOptions& options);
};

bool looks_like_vrio(std::string_view body) { return body.find("\"webhook_event\"") != std::string_view::npos; }

Result<std::string, ParseError> inspect_vrio(std::string_view body, const InspectOptions& options) {
  auto event = vrio::parse(body, vrio::ParseOptions{options.zone});
  if (!event) return fail(event.error());
  return vrio::to_json(*event);
}

/// True when hookline::detect_platform recognises the body as `platform`'s.
template <Platform platform>
bool detected_as(std::string_view body) {
  const auto detected = detect_platform(body);
  return detected && *detected == platform;
}

/// Any platform but VRIO, through hookline/parse.hpp.
template <Platform platform>
Result<std::string, ParseError> inspect_platform(std::string_view body, const InspectOptions& options) {
  auto event = parse_any(platform, body, AnyParseOptions{options.zone});
  if (!event) return fail(event.error());
  return to_json(*event);
}

/// Tried in order by --platform auto; the last one is used when none recognises the body.
constexpr std::array inspectors{
    Inspector{Platform::ordergroove, &detected_as<Platform::ordergroove>, &inspect_platform<Platform::ordergroove>},
    Inspector{Platform::vero, &detected_as<Platform::vero>, &inspect_platform<Platform::vero>},
    Inspector{Platform::store, &detected_as<Platform::store>, &inspect_platform<Platform::store>},
    Inspector{Platform::vrio, &looks_like_vrio, &inspect_vrio},
};

const Inspector* find_inspector(std::string_view platform_name, std::string_view body) {
  if (platform_name == "auto") {
    for (const Inspector& inspector : inspectors) {
      if (inspector.detect(body)) return &inspector;
    }
    return &inspectors.back();
  }
  for (const Inspector& inspector : inspectors) {
    if (to_string(inspector.platform) == platform_name) return &inspector;
  }
  return nullptr;
}

/// The whole file, or standard input for "-".
std::optional<std::string> read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
}

struct InspectArguments {
  std::string platform = "auto";
  std::string zone = "UTC";
  std::string input;
};

int run_inspect(const InspectArguments& arguments) {
  auto zone = TimeZone::named(arguments.zone);
  if (!zone) {
    std::cerr << "hookline inspect: " << zone.error() << "\n";
    return exit_usage;
  }
  const auto body = read_input(arguments.input);
  if (!body) {
    std::cerr << "hookline inspect: cannot read " << arguments.input << "\n";
    return exit_failed;
  }
  const Inspector* inspector = find_inspector(arguments.platform, *body);
  if (inspector == nullptr) {
    std::cerr << "hookline inspect: unknown platform \"" << arguments.platform << "\"\n";
    return exit_usage;
  }
  auto json = inspector->inspect(*body, InspectOptions{*zone});
  if (!json) {
    std::cerr << "hookline inspect: " << json.error().to_string() << "\n";
    return exit_failed;
  }
  std::cout << *json << "\n";
  return exit_ok;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<InspectArguments>();
  CLI::App* command = app.add_subcommand("inspect", "Print a webhook body as typed JSON (exit 1 when it is refused)");
  command->add_option("--platform", arguments->platform, "Platform of the body: auto (detected from the body), vrio, ordergroove, vero or store")
      ->capture_default_str();
  command->add_option("--zone", arguments->zone, "IANA time zone of VRIO's zone-less dates")->capture_default_str();
  command->add_option("input", arguments->input, "JSON file, or - for standard input")->required();
  command->callback([arguments, &exit_code] { exit_code = run_inspect(*arguments); });
}

}  // namespace hookline::cli
