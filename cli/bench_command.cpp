// `hookline bench [--scheme S] [--platform P] [--rounds N] FILE`: verifies and parses a webhook body
// in-process many times and prints the median cost of one event (verify + parse), to size a receiver.
// The body is signed once, in-process, with a throwaway secret; each round times a batch of
// verify + parse calls sized to last about 20 ms, and the median over the rounds is reported.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "range_check.hpp"
#include "hookline/secret.hpp"
#include "hookline/ordergroove.hpp"
#include "hookline/sign.hpp"
#include "hookline/store_admin.hpp"
#include "hookline/verify.hpp"
#include "hookline/vero.hpp"
#include "hookline/vrio.hpp"

namespace hookline::cli {

namespace {

using SteadyClock = std::chrono::steady_clock;

struct BenchArguments {
  std::string scheme = "standard";
  std::string platform = "vrio";
  int rounds = 21;
  std::string input;
};

/// The whole file, or standard input for "-".
std::optional<std::string> read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
}

/// A secret in the scheme's format; generated for the run, never shown.
Secret bench_secret(Scheme scheme) {
  // "whsec_" + base64("hookline bench secret 32 bytes!!"): Standard Webhooks secrets are base64.
  if (scheme == Scheme::standard) return Secret{"whsec_aG9va2xpbmUgYmVuY2ggc2VjcmV0IDMyIGJ5dGVzISE="};
  return Secret{"hookline bench secret 32 bytes!!"};
}

/// Parses a body into the platform's typed event; the error when it does not parse.
using Parser = std::optional<ParseError> (*)(std::string_view body);

/// vrio::parse with its default options (dates in UTC).
Result<vrio::Event, ParseError> parse_vrio(std::string_view body) { return vrio::parse(body); }

template <auto parse>
std::optional<ParseError> parse_with(std::string_view body) {
  auto event = parse(body);
  if (!event) return event.error();
  return std::nullopt;
}

/// The parser of the platform with this name, or null.
Parser parser_for(std::string_view platform) {
  if (platform == "vrio") return parse_with<parse_vrio>;
  if (platform == "ordergroove") return parse_with<ordergroove::parse>;
  if (platform == "vero") return parse_with<vero::parse>;
  if (platform == "store_admin") return parse_with<store_admin::parse>;
  return nullptr;
}

/// What one timed event does: verify the signature on the raw bytes, then parse them.
struct Workload {
  const Verifier& verifier;
  Parser parse;
  const std::string& body;
  const Headers& headers;
  std::chrono::sys_seconds now;

  /// Verifies and parses once; true when both succeed.
  [[nodiscard]] bool run_once() const {
    const auto verified = verifier.verify(body, headers, now);
    return verified.has_value() && !parse(body);
  }

  /// Nanoseconds per event over `iterations` events; nullopt when any event failed.
  [[nodiscard]] std::optional<double> time_batch(std::int64_t iterations) const {
    std::int64_t failures = 0;
    const auto start = SteadyClock::now();
    for (std::int64_t i = 0; i < iterations; ++i) failures += run_once() ? 0 : 1;
    const auto elapsed = std::chrono::duration<double, std::nano>(SteadyClock::now() - start).count();
    if (failures != 0) return std::nullopt;
    return elapsed / static_cast<double>(iterations);
  }
};

int run_bench(const BenchArguments& arguments) {
  const auto scheme = scheme_from_string(arguments.scheme);
  if (!scheme) {
    std::cerr << "hookline bench: unknown scheme \"" << arguments.scheme << "\"\n";
    return exit_usage;
  }
  const Parser parse = parser_for(arguments.platform);
  if (parse == nullptr) {
    std::cerr << "hookline bench: unknown platform \"" << arguments.platform << "\"\n";
    return exit_usage;
  }
  const auto body = read_input(arguments.input);
  if (!body) {
    std::cerr << "hookline bench: cannot read " << arguments.input << "\n";
    return exit_usage;
  }
  const std::vector<Secret> secrets{bench_secret(*scheme)};
  const auto verifier = Verifier::create(*scheme, secrets);
  const auto signer = Signer::create(*scheme, secrets);
  if (!verifier || !signer) {
    std::cerr << "hookline bench: cannot key the " << arguments.scheme << " scheme\n";
    return exit_failed;
  }
  const std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};
  const Headers headers = signer->sign(*body, "msg_hookline_bench", now);
  const Workload workload{*verifier, parse, *body, headers, now};

  if (!workload.verifier.verify(*body, headers, now)) {
    std::cerr << "hookline bench: the signed body does not verify\n";
    return exit_failed;
  }
  if (const auto error = parse(*body)) {
    std::cerr << "hookline bench: " << arguments.input << " does not parse: " << error->to_string() << "\n";
    return exit_failed;
  }

  // Calibrate: double the batch until it lasts 20 ms, so clock overhead is negligible.
  std::int64_t iterations = 1;
  while (true) {
    const auto start = SteadyClock::now();
    (void)workload.time_batch(iterations);
    if (SteadyClock::now() - start >= std::chrono::milliseconds(20) || iterations >= (std::int64_t{1} << 30)) break;
    iterations *= 2;
  }

  std::vector<double> per_event;
  per_event.reserve(static_cast<std::size_t>(arguments.rounds));
  for (int round = 0; round < arguments.rounds; ++round) {
    const auto nanoseconds = workload.time_batch(iterations);
    if (!nanoseconds) {
      std::cerr << "hookline bench: an event failed during the run\n";
      return exit_failed;
    }
    per_event.push_back(*nanoseconds);
  }
  std::sort(per_event.begin(), per_event.end());
  const auto median = per_event[per_event.size() / 2];

  std::cout << "scheme: " << to_string(*scheme) << "\n"
            << "platform: " << arguments.platform << "\n"
            << "bytes: " << body->size() << "\n"
            << "events_per_round: " << iterations << "\n"
            << "rounds: " << arguments.rounds << "\n"
            << "min_ns_per_event: " << static_cast<std::int64_t>(per_event.front()) << "\n"
            << "max_ns_per_event: " << static_cast<std::int64_t>(per_event.back()) << "\n"
            << "median_ns_per_event: " << static_cast<std::int64_t>(median) << "\n";
  return exit_ok;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<BenchArguments>();
  CLI::App* bench = app.add_subcommand(
      "bench", "Time verify + parse of a body in-process; the last line is 'median_ns_per_event: N'");
  bench->add_option("--scheme", arguments->scheme, "Signature scheme to verify with (default: standard)");
  bench->add_option("--platform", arguments->platform,
                    "Platform whose parser reads the body: vrio, ordergroove, vero, store_admin (default: vrio)");
  bench->add_option("--rounds", arguments->rounds, "Timed rounds; the median is reported (default: 21)")
      ->check(in_range(1, 1000));
  bench->add_option("input", arguments->input, "Body file, or - for standard input")->required();
  bench->callback([arguments, &exit_code] { exit_code = run_bench(*arguments); });
}

}  // namespace hookline::cli
