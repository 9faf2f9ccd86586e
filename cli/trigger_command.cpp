// `hookline trigger PLATFORM EVENT --to URL [--set path=value]...`: sends one realistic event of that
// type, built from the platform's sample, with a fresh event id and the current time, signed the
// way the platform signs. `hookline trigger --list [PLATFORM]` lists the events each platform has.
// Exit 0 on a 2xx answer, 1 on any other answer or none, 2 on bad usage.

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
#include "header_lines.hpp"
#include "hookline/clock.hpp"
#include "hookline/event.hpp"
#include "hookline/parse.hpp"
#include "hookline/sender.hpp"
#include "hookline/sign.hpp"
#include "hookline/time_zone.hpp"
#include "hookline/verify.hpp"
#include "json_edit.hpp"
#include "range_check.hpp"
#include "secret_options.hpp"
#include "toolkit/dates.hpp"
#include "trigger_samples.hpp"

namespace hookline::cli {

namespace {

struct TriggerArguments {
  bool list = false;
  std::string platform;
  std::string event;
  std::string to;
  std::vector<std::string> sets;
  std::vector<std::string> headers;
  std::string scheme;
  SecretOptions secrets;
  std::string ca_file;
  double timeout = 10;
};

int usage(const std::string& message) {
  std::cerr << "hookline trigger: " << message << "\n";
  return exit_usage;
}

/// The scheme a platform signs with; Vero signs nothing.
std::optional<Scheme> platform_scheme(Platform platform) {
  switch (platform) {
    case Platform::vrio: return Scheme::vrio;
    case Platform::ordergroove: return Scheme::ordergroove;
    case Platform::store_admin: return Scheme::store_admin;
    case Platform::vero: return std::nullopt;
  }
  return std::nullopt;
}

/// `count` random characters of `alphabet`.
std::string random_text(std::string_view alphabet, int count, std::mt19937_64& random) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (int i = 0; i < count; ++i) out += alphabet[pick(random)];
  return out;
}

/// One replacement that makes an event fresh: the pointer of the field and its new value.
struct Fresh {
  std::string pointer;
  std::string value;
};

/// The event id and the dates a fresh event of `platform` gets at `now`; paths the sample lacks are skipped.
std::vector<Fresh> fresh_values(Platform platform, std::string_view event, std::chrono::sys_seconds now,
                                std::mt19937_64& random) {
  const auto unix_seconds = std::to_string(now.time_since_epoch().count());
  switch (platform) {
    case Platform::vrio: {
      const auto id = std::uniform_int_distribution<std::int64_t>(100000000, 2147483647)(random);
      const auto date = toolkit::format_date_time_utc(now);
      // A shipment's date_scheduled becomes now too, so the shipment is due.
      return {{"/webhook_event_id", std::to_string(id)},
              {"/webhook_event_date", date},
              {"/webhook_data/shipment/date_scheduled", date}};
    }
    case Platform::ordergroove:
      return {{"/id", random_text("0123456789abcdef", 20, random)}, {"/created", unix_seconds}};
    case Platform::store_admin:
      return {{"/event_id", "evt_" + random_text("0123456789abcdefghijklmnopqrstuvwxyz", 16, random)},
              {"/created_at", toolkit::format_iso8601_utc(now)}};
    case Platform::vero: return {{"/" + std::string(event) + "_at", unix_seconds}};
  }
  return {};
}

void list_events(std::string_view only_platform) {
  std::string_view current;
  for (const auto& sample : trigger_samples()) {
    if (!only_platform.empty() && sample.platform != only_platform) continue;
    if (sample.platform != current) {
      std::cout << (current.empty() ? "" : "\n") << sample.platform << ":";
      current = sample.platform;
    }
    std::cout << " " << sample.event;
  }
  std::cout << "\n";
}

std::string platform_names() {
  std::string names;
  std::string_view last;
  for (const auto& sample : trigger_samples()) {
    if (sample.platform == last) continue;
    names += (names.empty() ? "" : ", ") + std::string(sample.platform);
    last = sample.platform;
  }
  return names;
}

int run_trigger(const TriggerArguments& arguments, std::chrono::sys_seconds now) {
  const auto platform = platform_from_string(arguments.platform);
  if (arguments.list) {
    if (!arguments.platform.empty() && !platform) {
      return usage("unknown platform \"" + arguments.platform + "\" (one of " + platform_names() + ")");
    }
    list_events(arguments.platform);
    return exit_ok;
  }
  if (arguments.platform.empty() || arguments.event.empty()) {
    return usage("give PLATFORM and EVENT (hookline trigger --list shows them), e.g. hookline trigger vrio "
                 "shipment_scheduled --to URL");
  }
  if (!platform) return usage("unknown platform \"" + arguments.platform + "\" (one of " + platform_names() + ")");
  const TriggerSample* sample = nullptr;
  for (const auto& candidate : trigger_samples()) {
    if (candidate.platform == arguments.platform && candidate.event == arguments.event) sample = &candidate;
  }
  if (sample == nullptr) {
    return usage("no " + arguments.platform + " event \"" + arguments.event + "\" (hookline trigger --list " +
                 arguments.platform + " shows them)");
  }
  if (arguments.to.empty()) return usage("give --to URL, the endpoint to send the event to");
  if (const auto problem = destination_problem(arguments.to)) return usage("--to: " + *problem);
  const auto headers = parse_header_lines(arguments.headers);
  if (!headers) return usage(headers.error());

  // The event: the sample with fresh values, then every --set in order.
  std::random_device seed;
  std::mt19937_64 random(seed());
  std::string body(sample->body);
  for (const auto& fresh : fresh_values(*platform, sample->event, now, random)) {
    if (auto replaced = replace_value(body, fresh.pointer, fresh.value)) body = std::move(*replaced);
  }
  for (const auto& set : arguments.sets) {
    const auto equals = set.find('=');
    if (equals == std::string::npos || equals == 0) return usage("--set wants path=value, not '" + set + "'");
    auto replaced = replace_value(body, pointer_of(set.substr(0, equals)), set.substr(equals + 1));
    if (!replaced) return usage("--set " + set + ": " + replaced.error());
    body = std::move(*replaced);
  }
  const auto parsed = parse_any(*platform, body, ParseOptions{});
  if (!parsed) return usage("the event built is not a valid " + arguments.platform + " " + arguments.event + ": " +
                            parsed.error().to_string());
  const auto meta = meta_of(*parsed);

  SenderOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(arguments.timeout * 1000));
  options.user_agent = "hookline-trigger/0.1";
  if (!arguments.ca_file.empty()) options.ca_file = arguments.ca_file;
  const auto scheme_name = arguments.scheme.empty() ? std::optional<Scheme>() : scheme_from_string(arguments.scheme);
  if (!arguments.scheme.empty() && !scheme_name) return usage("unknown scheme \"" + arguments.scheme + "\"");
  const auto scheme = arguments.scheme.empty() ? platform_scheme(*platform) : scheme_name;
  std::optional<Sender> sender;
  if (scheme) {
    if (!arguments.secrets.given()) {
      const auto who = arguments.scheme.empty() ? arguments.platform + " signs its webhooks (" +
                                                      std::string(to_string(*scheme)) + " scheme)"
                                                : "--scheme " + arguments.scheme + " signs";
      return usage(who + ": give --secret-env VAR or --secret-file FILE");
    }
    const auto secrets = arguments.secrets.load();
    if (!secrets) return usage(secrets.error());
    auto signer = Signer::create(*scheme, *secrets);
    if (!signer) return usage(unusable_secret_message(*scheme, signer.error().to_string()));
    sender.emplace(std::move(*signer), options);
  } else {
    if (arguments.secrets.given()) return usage("Vero signs nothing: give --scheme too to sign the event");
    sender.emplace(options);
  }

  Outgoing outgoing{arguments.to, body, meta.id, *headers};
  const auto attempt = sender->send(outgoing, now);
  std::cout << "sent " << arguments.platform << " " << arguments.event << " (event id " << meta.id << ") to "
            << arguments.to << ": ";
  if (attempt.error) {
    std::cout << "no answer: " << attempt.error_detail << "\n";
    return exit_failed;
  }
  constexpr std::size_t shown = 200;
  std::cout << attempt.status << " " << attempt.response_body.substr(0, shown)
            << (attempt.response_body.size() > shown ? "..." : "") << "\n";
  return attempt.succeeded() ? exit_ok : exit_failed;
}

}  // namespace

void add_trigger_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<TriggerArguments>();
  auto& a = *arguments;
  CLI::App* command = app.add_subcommand(
      "trigger",
      "Send one realistic event of a type, built from the platform's sample with a fresh event id and the current "
      "time, signed as the platform signs (vero: unsigned); exits 1 when the answer is not a 2xx");
  command->add_flag("--list", a.list, "List the events of every platform (or of PLATFORM) and exit");
  command->add_option("platform", a.platform, "vrio, ordergroove, vero or store_admin");
  command->add_option("event", a.event, "The event type, e.g. shipment_scheduled or order.create");
  command->add_option("--to", a.to, "Destination URL, e.g. http://127.0.0.1:8080/webhooks/vrio");
  command->add_option("--set", a.sets,
                      "path=value: change a field of the event, path dotted with array indexes "
                      "(webhook_data.shipment.shipment_items.0.quantity=2); a string field takes value as text, any "
                      "other a JSON value (repeatable)");
  command->add_option("-H,--header", a.headers, "An extra request header, 'Name: value' (repeatable)");
  command->add_option("--scheme", a.scheme, "Signature scheme, when not the platform's own (vero: none)");
  add_secret_options(*command, a.secrets, "signing secret");
  command->add_option("--ca-file", a.ca_file, "https: trust only the CA certificates in this PEM file");
  command->add_option("--timeout", a.timeout, "Seconds to wait for the response")
      ->check(in_range(0.001, 3600))
      ->capture_default_str();
  command->callback([arguments, &exit_code] {
    exit_code = run_trigger(*arguments, hookline::system_now());
  });
}

}  // namespace hookline::cli
