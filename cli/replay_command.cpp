// `hookline replay`: sends saved payloads (files, folders searched recursively, JSON-lines captures)
// to an endpoint, signed, with bounded concurrency and an optional rate, then prints a line per
// payload that failed and a summary: 2xx answers by the status a hookline receiver gives (accepted,
// duplicate, quarantined), failures by HTTP status or by the transport's cause.
// Exit 0 when every delivery got a 2xx, 1 when any did not, 2 on bad usage.

#include <fnmatch.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "header_lines.hpp"
#include "range_check.hpp"
#include "hookline/clock.hpp"
#include "hookline/secret.hpp"
#include "secret_options.hpp"
#include "hookline/sender.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace hookline::cli {

namespace {

namespace fs = std::filesystem;

struct ReplayArguments {
  std::vector<std::string> inputs;
  std::vector<std::string> excludes;
  std::vector<std::string> headers;
  std::string ca_file;
  std::string to;
  std::string scheme;
  SecretOptions secrets;
  std::size_t concurrency = 4;
  double rate = 0;
  std::size_t repeat = 1;
  bool fresh_ids = false;
  double timeout = 10;
};

/// One payload to send, and where its event id sits in it.
struct Payload {
  std::string body;
  std::string origin;  // "file" or "file:line", for messages
  std::optional<std::string> event_id;
  std::size_t id_offset = 0;  // the id's JSON token in body, when found
  std::size_t id_length = 0;
};

/// What happened to one send.
struct Outcome {
  int status = 0;
  std::optional<SendError> error;
  std::string error_detail;
  std::string answer_start;  // the first bytes of the answer
  std::string receiver_status;  // the "status" of a 2xx JSON answer: accepted, duplicate, quarantined
  std::chrono::microseconds duration{};
};

/// The top-level "status" string of a JSON answer, or empty.
std::string status_of_answer(const std::string& body) {
  simdjson::dom::parser parser;
  std::string_view status;
  if (parser.parse(simdjson::padded_string(body))["status"].get(status) != simdjson::SUCCESS) return {};
  return std::string(status);
}

/// The first bytes of an answer, on one line.
std::string answer_start(const std::string& body) {
  constexpr std::size_t shown = 120;
  std::string start = body.substr(0, shown);
  for (auto& c : start) c = c == '\n' || c == '\r' || c == '\t' ? ' ' : c;
  if (body.size() > shown) return start + "...";
  while (!start.empty() && start.back() == ' ') start.pop_back();
  return start;
}

/// True when a --exclude glob matches the file's path under the folder searched, one of the folders
/// on that path, or its name.
bool excluded(const fs::path& relative, const std::vector<std::string>& excludes) {
  for (const auto& glob : excludes) {
    if (::fnmatch(glob.c_str(), relative.generic_string().c_str(), 0) == 0) return true;
    for (const auto& part : relative) {
      if (::fnmatch(glob.c_str(), part.string().c_str(), 0) == 0) return true;
    }
  }
  return false;
}

bool is_lines_file(const fs::path& path) {
  const auto extension = path.extension();
  return extension == ".jsonl" || extension == ".ndjson";
}

/// Finds the top-level webhook_event_id (VRIO) or id (Ordergroove, Standard Webhooks bodies).
void locate_event_id(Payload& payload) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(payload.body);
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS) return;
  simdjson::ondemand::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return;
  bool found_vrio_id = false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return;
    const bool vrio_id = key == "webhook_event_id";
    if (!vrio_id && (key != "id" || found_vrio_id)) continue;
    std::string_view token;
    if (field.value().raw_json_token().get(token) != simdjson::SUCCESS) return;
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t')) {
      token.remove_suffix(1);
    }
    if (token.empty() || (token.front() != '"' && (token.front() < '0' || token.front() > '9'))) continue;
    payload.id_offset = static_cast<std::size_t>(token.data() - padded.data());
    payload.id_length = token.size();
    payload.event_id = token.front() == '"' ? std::string(token.substr(1, token.size() - 2)) : std::string(token);
    found_vrio_id = found_vrio_id || vrio_id;
  }
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
}

/// Adds the payloads of one file; false when it cannot be read.
bool load_file(const fs::path& path, std::vector<Payload>& out) {
  auto text = read_file(path);
  if (!text) return false;
  if (!is_lines_file(path)) {
    out.push_back(Payload{std::move(*text), path.string(), std::nullopt, 0, 0});
    return true;
  }
  std::istringstream lines(*text);
  std::size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    out.push_back(Payload{std::move(line), path.string() + ":" + std::to_string(number), std::nullopt, 0, 0});
  }
  return true;
}

/// Loads every input; folders are searched recursively for .json, .jsonl and .ndjson files not
/// excluded, in name order.
std::optional<std::string> load_inputs(const std::vector<std::string>& inputs, const std::vector<std::string>& excludes,
                                       std::vector<Payload>& out) {
  for (const auto& input : inputs) {
    std::error_code error;
    if (fs::is_directory(input, error)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(input, error)) {
        const auto extension = entry.path().extension();
        if (!entry.is_regular_file() || (extension != ".json" && !is_lines_file(entry.path()))) continue;
        if (!excluded(entry.path().lexically_relative(input), excludes)) files.push_back(entry.path());
      }
      if (error) return "cannot read folder " + input;
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        if (!load_file(file, out)) return "cannot read " + file.string();
      }
    } else if (!fs::exists(input, error)) {
      return "no file or folder " + input;
    } else if (!load_file(input, out)) {
      return "cannot read " + input;
    }
  }
  for (auto& payload : out) locate_event_id(payload);
  return std::nullopt;
}

/// The body to send for the n-th send of a payload: with --fresh-ids, its id becomes "<id>-r<n>".
std::string body_for(const Payload& payload, std::size_t send_index, bool fresh_ids, std::string& event_id) {
  event_id = payload.event_id.value_or("replay-" + std::to_string(send_index));
  if (!fresh_ids || !payload.event_id) return payload.body;
  event_id = *payload.event_id + "-r" + std::to_string(send_index);
  std::string body = payload.body;
  body.replace(payload.id_offset, payload.id_length, "\"" + event_id + "\"");
  return body;
}

double percentile_ms(std::vector<std::chrono::microseconds>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)].count()) / 1000.0;
}

int usage(const std::string& message) {
  std::cerr << "hookline replay: " << message << "\n";
  return exit_usage;
}

int run_replay(const ReplayArguments& arguments) {
  if (const auto problem = destination_problem(arguments.to)) return usage("--to: " + *problem);
  const auto headers = parse_header_lines(arguments.headers);
  if (!headers) return usage(headers.error());
  if (arguments.scheme.empty() == arguments.secrets.given()) {
    return usage("give --scheme with --secret-env or --secret-file (or none of them, to send unsigned)");
  }

  SenderOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(arguments.timeout * 1000));
  options.user_agent = "hookline-replay/0.1";
  if (!arguments.ca_file.empty()) options.ca_file = arguments.ca_file;
  std::optional<Sender> sender;
  if (!arguments.scheme.empty()) {
    const auto scheme = scheme_from_string(arguments.scheme);
    if (!scheme) return usage("unknown scheme \"" + arguments.scheme + "\"");
    const auto secrets = arguments.secrets.load();
    if (!secrets) return usage(secrets.error());
    auto signer = Signer::create(*scheme, *secrets);
    if (!signer) return usage(unusable_secret_message(*scheme, signer.error().to_string()));
    sender.emplace(std::move(*signer), options);
  } else {
    sender.emplace(options);
  }

  std::vector<Payload> payloads;
  if (const auto error = load_inputs(arguments.inputs, arguments.excludes, payloads)) return usage(*error);
  if (payloads.empty()) return usage("no payloads found in the inputs");

  const std::size_t total = payloads.size() * arguments.repeat;
  std::vector<Outcome> outcomes(total);
  std::atomic<std::size_t> next{0}, done{0}, succeeded{0};
  std::mutex pace_mutex;
  std::mutex progress_mutex;
  constexpr std::size_t progress_threshold = 100;
  auto next_slot = std::chrono::steady_clock::now();
  const auto interval = arguments.rate > 0 ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                 std::chrono::duration<double>(1.0 / arguments.rate))
                                           : std::chrono::steady_clock::duration::zero();

  const auto work = [&] {
    for (auto index = next++; index < total; index = next++) {
      if (interval.count() > 0) {
        std::chrono::steady_clock::time_point slot;
        {
          const std::lock_guard lock(pace_mutex);
          slot = std::max(next_slot, std::chrono::steady_clock::now());
          next_slot = slot + interval;
        }
        std::this_thread::sleep_until(slot);
      }
      const auto& payload = payloads[index % payloads.size()];
      Outgoing outgoing;
      outgoing.url = arguments.to;
      outgoing.headers = *headers;
      outgoing.body = body_for(payload, index, arguments.fresh_ids, outgoing.event_id);
      const auto now = hookline::system_now();
      const auto attempt = sender->send(outgoing, now);
      auto& outcome = outcomes[index];
      outcome.status = attempt.status;
      outcome.error = attempt.error;
      outcome.error_detail = attempt.error_detail;
      outcome.duration = attempt.duration;
      if (attempt.succeeded()) {
        outcome.receiver_status = status_of_answer(attempt.response_body);
        ++succeeded;
      } else {
        outcome.answer_start = answer_start(attempt.response_body);
      }
      // Long runs (many payloads) say how far they got at every tenth, on stderr.
      const auto finished = ++done;
      if (total >= progress_threshold && finished % (total / 10) == 0 && finished < total) {
        const std::lock_guard lock(progress_mutex);
        std::cerr << "progress: sent " << finished << "/" << total << ", 2xx " << succeeded.load() << "\n";
      }
    }
  };

  {
    std::vector<std::jthread> workers;
    for (std::size_t i = 0; i < std::min(arguments.concurrency, total); ++i) workers.emplace_back(work);
  }

  // One line per payload that failed: its first failure, and how many of its sends failed.
  std::map<std::string, std::size_t> failures;
  std::map<std::string, std::size_t> receiver_statuses;
  std::vector<std::chrono::microseconds> latencies;
  std::vector<std::size_t> failed_sends(payloads.size(), 0);
  std::vector<const Outcome*> first_failure(payloads.size(), nullptr);
  for (std::size_t index = 0; index < total; ++index) {
    const auto& outcome = outcomes[index];
    const bool failed = outcome.error || outcome.status < 200 || outcome.status > 299;
    if (!outcome.error) latencies.push_back(outcome.duration);
    if (!failed) {
      ++receiver_statuses[outcome.receiver_status];
      continue;
    }
    ++failures[outcome.error ? outcome.error_detail : "HTTP " + std::to_string(outcome.status)];
    const auto payload = index % payloads.size();
    if (failed_sends[payload]++ == 0) first_failure[payload] = &outcome;
  }
  for (std::size_t payload = 0; payload < payloads.size(); ++payload) {
    const auto* outcome = first_failure[payload];
    if (outcome == nullptr) continue;
    std::cout << "failed " << payloads[payload].origin << ": ";
    if (outcome->error) {
      std::cout << "no answer: " << outcome->error_detail;
    } else {
      std::cout << "HTTP " << outcome->status << (outcome->answer_start.empty() ? "" : " " + outcome->answer_start);
    }
    if (failed_sends[payload] > 1) std::cout << " (" << failed_sends[payload] << " of its sends)";
    std::cout << "\n";
  }
  std::sort(latencies.begin(), latencies.end());
  const auto ok = succeeded.load();
  std::cout << "sent " << total << ", 2xx " << ok << " (accepted " << receiver_statuses["accepted"] << ", duplicate "
            << receiver_statuses["duplicate"] << ", quarantined " << receiver_statuses["quarantined"];
  const auto unlabelled = ok - receiver_statuses["accepted"] - receiver_statuses["duplicate"] - receiver_statuses["quarantined"];
  if (unlabelled > 0) std::cout << ", no status " << unlabelled;
  std::cout << "), failed " << (total - ok) << "\n";
  if (!failures.empty()) {
    std::cout << "failures:";
    const char* separator = " ";
    for (const auto& [reason, count] : failures) {
      std::cout << separator << reason << " x" << count;
      separator = "; ";
    }
    std::cout << "\n";
  }
  std::cout << std::fixed << std::setprecision(2) << "latency ms: p50 " << percentile_ms(latencies, 0.50) << ", p99 "
            << percentile_ms(latencies, 0.99) << ", max " << percentile_ms(latencies, 1.0) << "\n";
  return ok == total ? exit_ok : exit_failed;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<ReplayArguments>();
  auto& a = *arguments;
  CLI::App* command = app.add_subcommand(
      "replay",
      "Send saved payloads (files, folders searched recursively for .json/.jsonl/.ndjson, JSON-lines captures) to "
      "an endpoint, signed; prints a summary and exits 1 when any delivery did not get a 2xx");
  command->add_option("inputs", a.inputs, "Files and folders to send")->required();
  command->add_option("--exclude", a.excludes,
                      "Skip the files under a folder whose path below it, one of its folders or its name matches this "
                      "glob, e.g. malformed or '*.jsonl' (repeatable)");
  command->add_option("-H,--header", a.headers,
                      "An extra request header, 'Name: value', e.g. 'X-GitHub-Event: push' (repeatable)");
  command->add_option("--ca-file", a.ca_file, "https: trust only the CA certificates in this PEM file");
  command->add_option("--to", a.to, "Destination URL, e.g. http://127.0.0.1:8080/webhooks/vrio")->required();
  command->add_option("--scheme", a.scheme, "Signature scheme (vrio, standard, ordergroove, ...); unsigned without it");
  add_secret_options(*command, a.secrets, "signing secret");
  command->add_option("--concurrency", a.concurrency, "Deliveries in flight at once")
      ->check(in_range(1, 1024))
      ->capture_default_str();
  command->add_option("--rate", a.rate, "At most this many deliveries per second (0: no limit)")
      ->check(in_range(0, 1000000))
      ->capture_default_str();
  command->add_option("--repeat", a.repeat, "Send every payload this many times")
      ->check(in_range(1, 1000000))
      ->capture_default_str();
  command->add_flag("--fresh-ids", a.fresh_ids,
                    "Give each send a new event id (webhook_event_id or id becomes \"<id>-r<n>\"), so repeats are "
                    "not duplicates");
  command->add_option("--timeout", a.timeout, "Seconds to wait for each response")
      ->check(in_range(0.001, 3600))
      ->capture_default_str();
  command->callback([arguments, &exit_code] { exit_code = run_replay(*arguments); });
}

}  // namespace hookline::cli
