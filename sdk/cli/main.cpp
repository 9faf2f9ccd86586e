// hookline: inspect, verify, sign and send commerce webhooks from the command line.

#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hookline: verify, inspect and send commerce webhooks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hookline 0.1.0");
  int exit_code = hookline::cli::exit_ok;
  hookline::cli::add_inspect_command(app, exit_code);
  hookline::cli::add_verify_commands(app, exit_code);
  hookline::cli::add_simulate_command(app, exit_code);
  hookline::cli::add_replay_command(app, exit_code);
  hookline::cli::add_bench_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? hookline::cli::exit_ok : hookline::cli::exit_usage;
  }
  return exit_code;
}
