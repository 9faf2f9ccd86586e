// `hookline inspect [--platform P] [--zone IANA] FILE|-`: prints a webhook body as typed JSON.

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "input_file.hpp"
#include "hookline/event.hpp"
#include "hookline/parse.hpp"
#include "hookline/time_zone.hpp"

namespace hookline::cli {

namespace {

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
  std::optional<Platform> forced;
  if (arguments.platform != "auto") {
    forced = platform_from_string(arguments.platform);
    if (!forced) {
      std::cerr << "hookline inspect: unknown platform \"" << arguments.platform << "\"\n";
      return exit_usage;
    }
  }
  const auto body = read_input(arguments.input);
  if (!body) {
    std::cerr << "hookline inspect: " << body.error() << "\n";
    return exit_failed;
  }
  const auto platform = forced ? Result<Platform, ParseError>(*forced) : detect_platform(*body);
  if (!platform) {
    std::cerr << "hookline inspect: " << platform.error().to_string() << "\n";
    return exit_failed;
  }
  const auto event = parse_any(*platform, *body, ParseOptions{*zone});
  if (!event) {
    std::cerr << "hookline inspect: " << event.error().to_string() << "\n";
    return exit_failed;
  }
  std::cout << to_json(*event) << "\n";
  return exit_ok;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<InspectArguments>();
  CLI::App* command = app.add_subcommand("inspect", "Print a webhook body as typed JSON (exit 1 when it is refused)");
  command->add_option("--platform", arguments->platform,
                      "Platform of the body: auto (detected from the body), vrio, ordergroove, vero or store_admin")
      ->capture_default_str();
  command->add_option("--zone", arguments->zone, "IANA time zone of VRIO's zone-less dates")->capture_default_str();
  command->add_option("input", arguments->input, "JSON file, or - for standard input")->required();
  command->callback([arguments, &exit_code] { exit_code = run_inspect(*arguments); });
}

}  // namespace hookline::cli
