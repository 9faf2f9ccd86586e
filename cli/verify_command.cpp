// `hookline verify` and `hookline sign`: check or produce a webhook's signature headers for any scheme.
// Secrets come from environment variables or a file, never from a flag value (flags show in `ps`).

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "input_file.hpp"
#include "header_lines.hpp"
#include "hookline/clock.hpp"
#include "hookline/headers.hpp"
#include "hookline/secret.hpp"
#include "secret_options.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace hookline::cli {

namespace {

/// What both commands are given.
struct CommonArguments {
  std::string scheme;
  SecretOptions secrets;
  std::string input;
};

struct VerifyArguments {
  CommonArguments common;
  std::vector<std::string> headers;
  std::optional<std::int64_t> now;
};

struct SignArguments {
  CommonArguments common;
  std::optional<std::string> id;
  std::optional<std::int64_t> timestamp;
};

/// A usage problem: the message to print before exiting with exit_usage.
struct UsageError {
  std::string message;
};

std::string scheme_names(std::string_view separator) {
  std::string names;
  for (const auto scheme : all_schemes()) {
    if (!names.empty()) names += separator;
    names += to_string(scheme);
  }
  return names;
}

/// The scheme, the secrets and the body every command needs.
struct Prepared {
  Scheme scheme;
  std::vector<Secret> secrets;
  std::string body;
};

Result<Prepared, UsageError> prepare(const CommonArguments& arguments) {
  const auto scheme = scheme_from_string(arguments.scheme);
  if (!scheme) return fail(UsageError{"unknown scheme \"" + arguments.scheme + "\" (one of " + scheme_names(", ") + ")"});
  if (!arguments.secrets.given()) return fail(UsageError{"give --secret-env VAR or --secret-file FILE"});
  auto secrets = arguments.secrets.load();
  if (!secrets) return fail(UsageError{secrets.error()});
  auto body = read_input(arguments.input);
  if (!body) return fail(UsageError{body.error()});
  return Prepared{*scheme, std::move(*secrets), std::move(*body)};
}

std::chrono::sys_seconds seconds_or_clock(const std::optional<std::int64_t>& unix_seconds) {
  if (unix_seconds) return std::chrono::sys_seconds{std::chrono::seconds{*unix_seconds}};
  return hookline::system_now();
}

/// A fresh Standard Webhooks message id, "msg_" and 24 random letters and digits.
std::string random_message_id() {
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string id = "msg_";
  for (int i = 0; i < 24; ++i) id += alphabet[pick(device)];
  return id;
}

int usage_failure(std::string_view command, const UsageError& error) {
  std::cerr << "hookline " << command << ": " << error.message << "\n";
  return exit_usage;
}

int run_verify(const VerifyArguments& arguments) {
  auto prepared = prepare(arguments.common);
  if (!prepared) return usage_failure("verify", prepared.error());
  const auto headers = parse_header_lines(arguments.headers);
  if (!headers) return usage_failure("verify", UsageError{headers.error()});
  const auto verifier = Verifier::create(prepared->scheme, prepared->secrets);
  if (!verifier) {
    return usage_failure("verify", UsageError{unusable_secret_message(prepared->scheme, verifier.error().to_string())});
  }

  const auto result = verifier->verify(prepared->body, *headers, seconds_or_clock(arguments.now));
  if (!result) {
    std::cerr << "invalid: " << result.error().to_string() << "\n";
    return exit_failed;
  }
  std::cout << "valid\n";
  return exit_ok;
}

int run_sign(const SignArguments& arguments) {
  auto prepared = prepare(arguments.common);
  if (!prepared) return usage_failure("sign", prepared.error());
  const auto signer = Signer::create(prepared->scheme, prepared->secrets);
  if (!signer) {
    return usage_failure("sign", UsageError{unusable_secret_message(prepared->scheme, signer.error().to_string())});
  }

  std::string id = arguments.id.value_or("");
  if (!arguments.id && prepared->scheme == Scheme::standard) id = random_message_id();
  const auto headers = signer->sign(prepared->body, id, seconds_or_clock(arguments.timestamp));
  for (const auto& field : headers.fields()) std::cout << field.name << ": " << field.value << "\n";
  return exit_ok;
}

void add_common_options(CLI::App& command, CommonArguments& arguments) {
  command.add_option("--scheme", arguments.scheme, "Signature scheme: " + scheme_names(", "))->required();
  add_secret_options(command, arguments.secrets, "secret");
  command.add_option("input", arguments.input, "Body file as received, or - for standard input")->required();
}

}  // namespace

void add_verify_commands(CLI::App& app, int& exit_code) {
  auto verify_arguments = std::make_shared<VerifyArguments>();
  CLI::App* verify = app.add_subcommand(
      "verify", "Check a webhook's signature: prints \"valid\" (exit 0), or the reason on stderr (exit 1)");
  add_common_options(*verify, verify_arguments->common);
  verify->add_option("-H,--header", verify_arguments->headers, "A received header, 'Name: value' (repeatable)");
  verify->add_option("--now", verify_arguments->now, "Unix time to check timestamps against (default: the clock)");
  verify->callback([verify_arguments, &exit_code] { exit_code = run_verify(*verify_arguments); });

  auto sign_arguments = std::make_shared<SignArguments>();
  CLI::App* sign = app.add_subcommand(
      "sign", "Print the 'Name: value' headers that make a body verify (for store_admin: the token header itself)");
  add_common_options(*sign, sign_arguments->common);
  sign->add_option("--id", sign_arguments->id, "Standard Webhooks message id (default: a random msg_ id)");
  sign->add_option("--timestamp", sign_arguments->timestamp, "Unix time to sign with (default: the clock)");
  sign->callback([sign_arguments, &exit_code] { exit_code = run_sign(*sign_arguments); });
}

}  // namespace hookline::cli
