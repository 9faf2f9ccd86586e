#include "metrics.hpp"

#include <cstdio>

namespace fulfillment {
namespace {

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
  out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  char number[40];
  std::snprintf(number, sizeof number, "%.9g", value);
  out += std::string(name);
  if (!labels.empty()) out += "{" + std::string(labels) + "}";
  out += " " + std::string(number) + "\n";
}

std::string label(std::string_view name, std::string_view value) {
  std::string text = std::string(name) + "=\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') text += '\\';
    text += c == '\n' ? ' ' : c;
  }
  return text + "\"";
}

}  // namespace

void Metrics::record_receive(hookline::ReceiveOutcome outcome) {
  const std::lock_guard lock(mutex_);
  ++received_[std::string(hookline::to_string(outcome))];
}

void Metrics::record_handled(std::string_view type, std::string_view decision, std::chrono::duration<double> took) {
  const std::lock_guard lock(mutex_);
  ++handled_[std::string(type) + "\n" + std::string(decision)];
  for (std::size_t i = 0; i < latency_buckets.size(); ++i) {
    if (took.count() <= latency_buckets[i]) ++latency_counts_[i];
  }
  ++latency_count_;
  latency_sum_ += took.count();
}

void Metrics::record_tracking_attempt(const PostResult& result) {
  const std::lock_guard lock(mutex_);
  ++attempts_[std::string(to_string(result.outcome))];
}

std::string Metrics::render(const MetricsSnapshot& snapshot) const {
  const std::lock_guard lock(mutex_);
  std::string out;
  header(out, "hookline_webhooks_received_total", "counter", "Webhook requests by receiver outcome.");
  for (const auto& [outcome, count] : received_) {
    sample(out, "hookline_webhooks_received_total", label("outcome", outcome), static_cast<double>(count));
  }
  std::uint64_t duplicates = 0;
  if (const auto found = received_.find("duplicate"); found != received_.end()) duplicates = found->second;
  header(out, "hookline_webhooks_duplicates_total", "counter", "Webhooks already received (same event id).");
  sample(out, "hookline_webhooks_duplicates_total", "", static_cast<double>(duplicates));
  header(out, "hookline_webhooks_rejected_total", "counter", "Webhooks refused, by reason.");
  for (const auto& [outcome, count] : received_) {
    if (outcome == "accepted" || outcome == "duplicate") continue;
    sample(out, "hookline_webhooks_rejected_total", label("reason", outcome), static_cast<double>(count));
  }
  header(out, "hookline_events_handled_total", "counter", "Events handled, by type and decision.");
  for (const auto& [key, count] : handled_) {
    const auto split = key.find('\n');
    sample(out, "hookline_events_handled_total",
           label("type", key.substr(0, split)) + "," + label("decision", key.substr(split + 1)),
           static_cast<double>(count));
  }
  header(out, "hookline_handler_latency_seconds", "histogram", "Time to handle one event.");
  for (std::size_t i = 0; i < latency_buckets.size(); ++i) {
    char bound[32];
    std::snprintf(bound, sizeof bound, "%g", latency_buckets[i]);
    sample(out, "hookline_handler_latency_seconds_bucket", label("le", bound),
           static_cast<double>(latency_counts_[i]));
  }
  sample(out, "hookline_handler_latency_seconds_bucket", label("le", "+Inf"), static_cast<double>(latency_count_));
  sample(out, "hookline_handler_latency_seconds_sum", "", latency_sum_);
  sample(out, "hookline_handler_latency_seconds_count", "", static_cast<double>(latency_count_));
  header(out, "hookline_tracking_attempts_total", "counter", "Tracking posts to the platform, by outcome.");
  for (const auto& [outcome, count] : attempts_) {
    sample(out, "hookline_tracking_attempts_total", label("outcome", outcome), static_cast<double>(count));
  }
  header(out, "hookline_tracking_outbox_depth", "gauge", "Tracking posts waiting to be sent.");
  sample(out, "hookline_tracking_outbox_depth", "", static_cast<double>(snapshot.outbox.pending));
  header(out, "hookline_tracking_outbox_entries", "gauge", "Tracking outbox entries by state.");
  sample(out, "hookline_tracking_outbox_entries", label("state", "pending"), static_cast<double>(snapshot.outbox.pending));
  sample(out, "hookline_tracking_outbox_entries", label("state", "sent"), static_cast<double>(snapshot.outbox.sent));
  sample(out, "hookline_tracking_outbox_entries", label("state", "dead"), static_cast<double>(snapshot.outbox.dead));
  header(out, "hookline_tracking_outbox_attempts", "gauge", "Attempts recorded in the tracking outbox.");
  sample(out, "hookline_tracking_outbox_attempts", "", static_cast<double>(snapshot.outbox.attempts));
  header(out, "hookline_fulfillments", "gauge", "Fulfillments by state.");
  for (const auto& [state, count] : snapshot.fulfillments) {
    sample(out, "hookline_fulfillments", label("state", to_string(state)), static_cast<double>(count));
  }
  header(out, "hookline_inbox_entries", "gauge", "Inbox entries by state.");
  sample(out, "hookline_inbox_entries", label("state", "pending"), static_cast<double>(snapshot.inbox.pending));
  sample(out, "hookline_inbox_entries", label("state", "in_flight"), static_cast<double>(snapshot.inbox.in_flight));
  sample(out, "hookline_inbox_entries", label("state", "handled"), static_cast<double>(snapshot.inbox.handled));
  sample(out, "hookline_inbox_entries", label("state", "dead"), static_cast<double>(snapshot.inbox.dead));
  header(out, "hookline_dispatch_outcomes_total", "counter", "Handling attempts recorded, by outcome.");
  sample(out, "hookline_dispatch_outcomes_total", label("outcome", "handled"),
         static_cast<double>(snapshot.dispatch.handled));
  sample(out, "hookline_dispatch_outcomes_total", label("outcome", "retried"),
         static_cast<double>(snapshot.dispatch.retried));
  sample(out, "hookline_dispatch_outcomes_total", label("outcome", "dead"), static_cast<double>(snapshot.dispatch.dead));
  header(out, "hookline_dispatch_store_errors_total", "counter",
         "Inbox operations of the dispatcher that failed and were tried again (a full disk, say).");
  sample(out, "hookline_dispatch_store_errors_total", "", static_cast<double>(snapshot.dispatch.store_errors));
  return out;
}

}  // namespace fulfillment
