#pragma once
// Each `hookline` subcommand registers itself on the application through one of these.

#include <CLI/CLI.hpp>

namespace hookline::cli {

/// Exit codes shared by every subcommand.
enum ExitCode : int { exit_ok = 0, exit_failed = 1, exit_usage = 2 };

/// `hookline inspect`: prints a webhook body as typed JSON; stores its exit code in exit_code.
void add_inspect_command(CLI::App& app, int& exit_code);

/// `hookline verify` and `hookline sign`: check or produce signature headers; the one run stores its exit code in exit_code.
void add_verify_commands(CLI::App& app, int& exit_code);

/// `hookline bench`: times verify + parse of a body in-process; stores its exit code in exit_code.
void add_bench_command(CLI::App& app, int& exit_code);

/// `hookline trigger`: sends one signed event of a type, built from the samples; stores its exit code in exit_code.
void add_trigger_command(CLI::App& app, int& exit_code);

/// `hookline simulate`: the platform simulator; stores its exit code in exit_code.
void add_simulate_command(CLI::App& app, int& exit_code);

/// `hookline replay`: sends saved payloads to an endpoint; stores its exit code in exit_code.
void add_replay_command(CLI::App& app, int& exit_code);

}  // namespace hookline::cli
