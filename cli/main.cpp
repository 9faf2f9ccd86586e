// hookline: inspect, verify, sign and send commerce webhooks from the command line.

#include <iostream>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "hookline/version.hpp"

namespace {

/// "inspect, verify, sign, ..." in the order the commands were added.
std::string command_names(CLI::App& app) {
  std::string names;
  for (const auto* command : app.get_subcommands([](CLI::App*) { return true; })) {
    if (!names.empty()) names += ", ";
    names += command->get_name();
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hookline: verify, inspect and send commerce webhooks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("hookline ") + hookline::version);
  int exit_code = hookline::cli::exit_ok;
  hookline::cli::add_inspect_command(app, exit_code);
  hookline::cli::add_verify_commands(app, exit_code);
  hookline::cli::add_trigger_command(app, exit_code);
  hookline::cli::add_simulate_command(app, exit_code);
  hookline::cli::add_replay_command(app, exit_code);
  hookline::cli::add_bench_command(app, exit_code);

  // The first word names the command; CLI11 would call an unknown one an unexpected argument.
  if (argc >= 2 && argv[1][0] != '-') {
    const std::string_view word = argv[1];
    bool known = false;
    for (const auto* command : app.get_subcommands([](CLI::App*) { return true; })) known = known || command->check_name(std::string(word));
    if (!known) {
      std::cerr << "hookline: unknown command " << word << " (the commands: " << command_names(app)
                << "; hookline COMMAND --help says more)\n";
      return hookline::cli::exit_usage;
    }
  }
  if (argc < 2) {
    std::cerr << "hookline: give a command: " << command_names(app) << " (hookline --help says more)\n";
    return hookline::cli::exit_usage;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? hookline::cli::exit_ok : hookline::cli::exit_usage;
  }
  return exit_code;
}
