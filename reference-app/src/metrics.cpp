#include "metrics.hpp"

#include <algorithm>
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

/// Appends one sample per "first\nsecond" key of `counts`, labelled `first` and `second`.
void two_label_samples(std::string& out, std::string_view name, std::string_view first, std::string_view second,
                       const std::map<std::string, std::uint64_t, std::less<>>& counts) {
  for (const auto& [key, count] : counts) {
    const auto split = key.find('\n');
    sample(out, name, label(first, key.substr(0, split)) + "," + label(second, key.substr(split + 1)),
           static_cast<double>(count));
  }
}

}  // namespace

void LatencyHistogram::observe(std::chrono::duration<double> took) {
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (took.count() <= buckets[i]) ++counts_[i];
  }
  ++count_;
  sum_ += took.count();
}

void LatencyHistogram::render(std::string& out, std::string_view name, std::string_view help) const {
  header(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    char bound[32];
    std::snprintf(bound, sizeof bound, "%g", buckets[i]);
    sample(out, bucket, label("le", bound), static_cast<double>(counts_[i]));
  }
  sample(out, bucket, label("le", "+Inf"), static_cast<double>(count_));
  sample(out, std::string(name) + "_sum", "", sum_);
  sample(out, std::string(name) + "_count", "", static_cast<double>(count_));
}

void Metrics::record_receive(hookline::ReceiveOutcome outcome) {
  const std::lock_guard lock(mutex_);
  ++received_[std::string(hookline::to_string(outcome))];
}

void Metrics::record_delivery(std::string_view platform, std::chrono::sys_seconds at) {
  const std::lock_guard lock(mutex_);
  auto& last = last_delivery_[std::string(platform)];
  last = std::max(last, at);
}

LiveFigures Metrics::live() const {
  const std::lock_guard lock(mutex_);
  LiveFigures figures;
  figures.received = received_;
  for (const auto& [key, count] : handled_) figures.handled += count;
  figures.handler_latency = handler_latency_;
  figures.last_delivery = last_delivery_;
  return figures;
}

void Metrics::record_handled(std::string_view type, std::string_view decision, std::chrono::duration<double> took) {
  const std::lock_guard lock(mutex_);
  ++handled_[std::string(type) + "\n" + std::string(decision)];
  handler_latency_.observe(took);
}

void Metrics::record_tracking_attempt(const PostResult& result) {
  const std::lock_guard lock(mutex_);
  ++attempts_[std::string(to_string(result.outcome))];
}

void Metrics::record_check(std::string_view purpose, std::string_view outcome, std::chrono::duration<double> took) {
  const std::lock_guard lock(mutex_);
  ++checks_[std::string(purpose) + "\n" + std::string(outcome)];
  check_latency_.observe(took);
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
  two_label_samples(out, "hookline_events_handled_total", "type", "decision", handled_);
  handler_latency_.render(out, "hookline_handler_latency_seconds", "Time to handle one event.");
  header(out, "hookline_tracking_attempts_total", "counter", "Tracking posts to the platform, by outcome.");
  for (const auto& [outcome, count] : attempts_) {
    sample(out, "hookline_tracking_attempts_total", label("outcome", outcome), static_cast<double>(count));
  }
  header(out, "hookline_platform_checks_total", "counter",
         "Shipments read from the platform (before release, by reconciliation, for held events), by purpose and outcome.");
  two_label_samples(out, "hookline_platform_checks_total", "purpose", "outcome", checks_);
  check_latency_.render(out, "hookline_platform_check_latency_seconds", "Time of one GET /shipments/{id}.");
  header(out, "hookline_platform_checks_releases_held", "gauge",
         "Waiting fulfillments whose release is held because the platform could not be read.");
  sample(out, "hookline_platform_checks_releases_held", "", static_cast<double>(snapshot.releases_held));
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
  header(out, "hookline_quarantine_depth", "gauge",
         "Deliveries that authenticated but did not parse, kept (never handled) until replayed or deleted.");
  sample(out, "hookline_quarantine_depth", "", static_cast<double>(snapshot.quarantine_depth));
  header(out, "hookline_refused_record_entries", "gauge", "Deliveries refused for authentication kept for a retry.");
  sample(out, "hookline_refused_record_entries", "", static_cast<double>(snapshot.refused.entries));
  header(out, "hookline_refused_record_bytes", "gauge", "Bytes of the deliveries kept in the refused record.");
  sample(out, "hookline_refused_record_bytes", "", static_cast<double>(snapshot.refused.bytes));
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
