#pragma once
// Test helpers of the fulfillment server's domain suites: a store, the shipment handlers and a
// scheduler (optionally checking with the platform through a scripted reader) over a warehouse that
// takes no time, with a clock the test sets.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fulfillment_events.hpp"
#include "fulfillment_store_location.hpp"
#include "storage/fulfillment_store.hpp"
#include "hookline/inbox.hpp"
#include "hookline/vrio.hpp"
#include "platform_checks.hpp"
#include "scheduler.hpp"
#include "shipment_check.hpp"
#include "shipment_handlers.hpp"
#include "warehouse.hpp"

namespace fulfillment {
inline std::ostream& operator<<(std::ostream& out, State state) { return out << to_string(state); }
inline std::ostream& operator<<(std::ostream& out, OutboxState state) { return out << to_string(state); }
inline std::ostream& operator<<(std::ostream& out, CheckOutcome outcome) { return out << to_string(outcome); }
inline std::ostream& operator<<(std::ostream& out, ReadOutcome outcome) { return out << to_string(outcome); }
}  // namespace fulfillment

namespace fulfillment_test {

using namespace std::chrono_literals;

/// A time of day on a UTC date.
inline std::chrono::sys_seconds utc(std::chrono::year_month_day day, std::chrono::seconds time = 0s) {
  return std::chrono::sys_days{day} + time;
}

inline const auto march_22 = utc(std::chrono::year{2026} / 3 / 22, 15h);  // "2026-03-22 15:00:00"

/// A platform record under VRIO's field names, with one item and an address, as GET /shipments/{id} answers.
inline std::string platform_record(std::int64_t shipment_id, std::string_view status, std::string_view date_scheduled,
                                   std::string_view street = "123 Main St", std::string_view sku = "SUP-001",
                                   std::string_view extra = "") {
  std::string body = R"({"shipment_id":)" + std::to_string(shipment_id) +
                     R"(,"customer_id":71135,"order_id":135123,"shipment_status_id":")" + std::string(status) +
                     R"(","date_scheduled":")" + std::string(date_scheduled) + "\"," + item_fields(sku) + "," +
                     address_fields(street);
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}";
}

/// The platform as the checks see it in unit tests: answers from a per-shipment script, then from the
/// record held for the shipment; records every read. Thread-safe (a release pass reads concurrently).
class ScriptedReader final : public fulfillment::ShipmentReader {
 public:
  /// Answers reads of `shipment_id` with `record` (a body as GET /shipments/{id} returns it) from now on.
  void hold(std::int64_t shipment_id, std::string record) {
    const std::lock_guard lock(mutex_);
    records_[shipment_id] = std::move(record);
  }
  /// Answers the next reads of `shipment_id` with these, before its record.
  void script(std::int64_t shipment_id, std::vector<fulfillment::ShipmentRead> reads) {
    const std::lock_guard lock(mutex_);
    auto& queued = scripts_[shipment_id];
    queued.insert(queued.end(), reads.begin(), reads.end());
  }
  fulfillment::ShipmentRead read(std::int64_t shipment_id) override {
    const std::lock_guard lock(mutex_);
    reads_.push_back(shipment_id);
    if (auto own = scripts_.find(shipment_id); own != scripts_.end() && !own->second.empty()) {
      auto next = own->second.front();
      own->second.pop_front();
      return next;
    }
    const auto record = records_.find(shipment_id);
    if (record == records_.end()) return not_found();
    return fulfillment::classify_read(shipment_id, 200, std::nullopt, record->second, march_22, {});
  }
  /// The shipments read so far, in order.
  [[nodiscard]] std::vector<std::int64_t> reads() const {
    const std::lock_guard lock(mutex_);
    return reads_;
  }
  /// A read that got no answer (or a 503 with Retry-After when `retry_after` is given).
  static fulfillment::ShipmentRead unavailable(std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
    fulfillment::ShipmentRead read;
    read.http_status = retry_after ? 503 : 0;
    read.retry_after = retry_after;
    read.detail = retry_after ? "HTTP 503: busy" : "no answer: Read";
    return read;
  }
  /// A 404.
  static fulfillment::ShipmentRead not_found() {
    fulfillment::ShipmentRead read;
    read.outcome = fulfillment::ReadOutcome::not_found;
    read.http_status = 404;
    read.detail = "HTTP 404";
    return read;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::string> records_;
  std::map<std::int64_t, std::deque<fulfillment::ShipmentRead>> scripts_;
  std::vector<std::int64_t> reads_;
};

/// A store, the handlers and a scheduler over a warehouse that takes no time, with a clock the test
/// sets; with `checks`, the scheduler checks each release with the platform through `reader`.
struct Domain {
  StoreLocation location;
  std::chrono::sys_seconds now = march_22;
  std::unique_ptr<fulfillment::FulfillmentStore> store = open();
  fulfillment::SimulatedWarehouse warehouse{0ms};
  ScriptedReader reader;
  std::unique_ptr<fulfillment::PlatformChecks> checks;
  std::unique_ptr<fulfillment::ShipmentHandlers> handlers = make_handlers();
  std::unique_ptr<fulfillment::Scheduler> scheduler = make_scheduler();

  Domain() = default;
  /// A domain whose releases are checked with `reader` under `options` (jitter 0.5 when none is given).
  explicit Domain(fulfillment::CheckOptions options) {
    if (!options.random) options.random = [] { return 0.5; };
    checks = std::make_unique<fulfillment::PlatformChecks>(*store, reader, [this] { return now; }, std::move(options));
    scheduler = make_scheduler();
  }

  std::unique_ptr<fulfillment::FulfillmentStore> open() { return location.open(); }
  std::unique_ptr<fulfillment::ShipmentHandlers> make_handlers() {
    return std::make_unique<fulfillment::ShipmentHandlers>(*store, [this] { return now; }, std::function<void()>{});
  }
  std::unique_ptr<fulfillment::Scheduler> make_scheduler() {
    fulfillment::SchedulerOptions options;
    options.checks = checks.get();
    return std::make_unique<fulfillment::Scheduler>(*store, warehouse, [this] { return now; }, options);
  }
  /// Closes and reopens the database, as a restart does.
  void restart() {
    scheduler.reset();
    handlers.reset();
    store.reset();
    store = open();
    handlers = make_handlers();
    scheduler = make_scheduler();
  }

  void deliver(const std::string& body) {
    auto event = hookline::vrio::parse(body);
    BOOST_TEST_REQUIRE(event.has_value());
    hookline::InboxEntry entry;
    entry.meta = event->meta();
    entry.body = body;
    const auto handled = handlers->handle_shipment(*event, entry);
    BOOST_TEST_REQUIRE(handled.has_value());
  }
  /// Releases what is due and runs the warehouse for it; returns the released ids.
  std::vector<std::int64_t> run_due() {
    auto released = scheduler->release_due(now);
    BOOST_TEST_REQUIRE(released.has_value());
    for (const auto id : *released) BOOST_TEST_REQUIRE(scheduler->fulfill(id).has_value());
    return *released;
  }
  fulfillment::Fulfillment get(std::int64_t id) {
    auto found = store->get(id);
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST_REQUIRE(found->has_value());
    return **found;
  }
  bool exists(std::int64_t id) {
    auto found = store->get(id);
    BOOST_TEST_REQUIRE(found.has_value());
    return found->has_value();
  }
  std::vector<fulfillment::HistoryEntry> history(std::int64_t id) {
    auto lines = store->history(id);
    BOOST_TEST_REQUIRE(lines.has_value());
    return *lines;
  }
  std::optional<fulfillment::OutboxEntry> outbox(std::int64_t id) {
    auto entry = store->outbox_entry(id);
    BOOST_TEST_REQUIRE(entry.has_value());
    return *entry;
  }
  /// The decision recorded for an event in the shipment's history.
  std::string decision_of(std::int64_t id, const std::string& event_id) {
    std::string found;
    for (const auto& line : history(id)) {
      if (line.kind == fulfillment::HistoryKind::event && line.event_id == event_id) found = line.decision;
    }
    return found;
  }
};

}  // namespace fulfillment_test
