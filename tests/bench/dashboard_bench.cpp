// The dashboard's admin API over a fulfillment database of 100,000 fulfillments (and as many events
// in the log, with history): the median time of each page's request through AdminApi (the JSON
// included, the network not), over ROUNDS rounds.
//
// usage: hookline_bench_dashboard DIR [FULFILLMENTS] [ROUNDS]   (DIR: where the database is built)
// prints one line per request, tab-separated: name, median ms, max ms, bytes of the answer
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "admin_api.hpp"
#include "storage/fulfillment_store.hpp"
#include "hookline/parse.hpp"
#include "hookline/inbox.hpp"
#include "hookline/verify.hpp"
#include "hookline/vrio.hpp"
#include "metrics.hpp"

namespace {

using namespace std::chrono_literals;
using fulfillment::State;

hookline::HttpRequest get(std::string path, std::vector<std::pair<std::string, std::string>> query = {}) {
  hookline::HttpRequest request;
  request.method = "GET";
  request.path = std::move(path);
  request.query = std::move(query);
  return request;
}

/// Fills the store: `count` fulfillments over the last day in the states a busy server has, each with
/// its shipment_scheduled event in the log (which is also its history line); every 500th has a conflict.
void fill(fulfillment::FulfillmentStore& store, std::int64_t count, std::chrono::sys_seconds now) {
  constexpr std::array<State, 6> states{State::shipped, State::shipped, State::shipped, State::waiting,
                                        State::cancelled, State::error};
  constexpr std::int64_t batch = 1000;
  for (std::int64_t first = 1; first <= count; first += batch) {
    const auto written = store.write_batch([&] {
      for (std::int64_t id = first; id < std::min(first + batch, count + 1); ++id) {
        const auto at = now - std::chrono::seconds((count - id) * 86400 / count);
        static_cast<void>(store.write([&](fulfillment::StoreTx& tx) {
          fulfillment::Fulfillment f;
          f.shipment_id = 1000000 + id;
          f.state = states[static_cast<std::size_t>(id) % states.size()];
          hookline::vrio::Address address;
          address.fname = "Customer" + std::to_string(id % 5000);
          address.lname = "Doe";
          address.address1 = std::to_string(id) + " Main St";
          address.city = "Denver";
          address.country = "US";
          f.address = address;
          f.items = {hookline::vrio::ShipmentItem{id, 1, 1282, "Monthly Supplement Box", "SUP-" + std::to_string(id % 300)}};
          f.customer_id = 70000 + id % 20000;
          f.order_id = 130000 + id;
          if (f.state == State::shipped) f.tracking = fulfillment::Tracking{"1Z" + std::to_string(id), 2, at, "warehouse"};
          if (f.state == State::error) f.attention = "label printer jammed";
          f.created_at = at;
          f.updated_at = at;
          tx.save(f);
          fulfillment::EventLogEntry event;
          event.event_id = "evt-" + std::to_string(id);
          event.event_type = "shipment_scheduled";
          event.shipment_id = f.shipment_id;
          event.event_date = at;
          event.handled_at = at;
          event.decision = id % 500 == 0 ? "conflict" : "apply";
          event.explanation = "scheduled";
          event.body = R"({"webhook_event":"shipment_scheduled","webhook_event_id":"evt-)" + std::to_string(id) + R"("})";
          tx.record_event(event);  // also the shipment's history line of the event
          if (id % 500 == 0) {
            fulfillment::HistoryEntry line;
            line.shipment_id = f.shipment_id;
            line.at = at;
            line.kind = fulfillment::HistoryKind::conflict;
            line.event_id = event.event_id;
            line.event_type = event.event_type;
            line.decision = event.decision;
            line.detail = "scheduled";
            tx.add_history(line);
          }
        }));
      }
    });
    if (!written) {
      std::fprintf(stderr, "fill failed: %s\n", written.error().message.c_str());
      std::exit(1);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: hookline_bench_dashboard DIR [FULFILLMENTS] [ROUNDS]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const std::int64_t count = argc > 2 ? std::atoll(argv[2]) : 100000;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 21;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = fulfillment::open_fulfillment_store((dir / "fulfillment.db").string(), fulfillment::StoreOptions{});
  if (!store) {
    std::fprintf(stderr, "open failed: %s\n", store.error().message.c_str());
    return 1;
  }
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  fill(**store, count, now);
  hookline::MemoryInbox inbox;
  const std::vector<hookline::Secret> secrets{hookline::Secret("whsec-dashboard-bench")};
  const hookline::Receiver receiver(*hookline::Verifier::create(hookline::Scheme::vrio, secrets),
                                    hookline::meta_parser(hookline::Platform::vrio), inbox);
  fulfillment::Metrics metrics;
  fulfillment::AdminApi admin(**store, inbox, receiver, [&] { return now; }, {}, fulfillment::AdminViews{&metrics, 1h});

  // A cursor deep in the list (newest first): where its 50th page of 50 starts.
  const std::string deep_cursor = std::to_string(1000000 + count - 49 * 50);
  const std::vector<std::pair<std::string, std::function<hookline::HttpResponse()>>> requests{
      {"overview (last hour)", [&] { return admin.overview(get("/api/overview")); }},
      {"overview (last day)", [&] { return admin.overview(get("/api/overview", {{"window", "day"}})); }},
      {"attention counts", [&] { return admin.attention(get("/api/attention")); }},
      {"fulfillments, first page of 50", [&] { return admin.list(get("/api/fulfillments", {{"limit", "50"}})); }},
      {"fulfillments, 50th page of 50", [&] { return admin.list(get("/api/fulfillments", {{"limit", "50"}, {"cursor", deep_cursor}})); }},
      {"fulfillments in error, page of 50", [&] { return admin.list(get("/api/fulfillments", {{"state", "error"}, {"limit", "50"}})); }},
      {"fulfillments needing attention", [&] { return admin.list(get("/api/fulfillments", {{"needs_attention", "true"}, {"limit", "50"}})); }},
      {"search by shipment id", [&] { return admin.list(get("/api/fulfillments", {{"q", std::to_string(1000000 + count / 2)}, {"limit", "50"}})); }},
      {"search by SKU", [&] { return admin.list(get("/api/fulfillments", {{"q", "SUP-17"}, {"limit", "50"}})); }},
      {"search by customer name", [&] { return admin.list(get("/api/fulfillments", {{"q", "customer4999"}, {"limit", "50"}})); }},
      {"events, first page of 50", [&] { return admin.events(get("/api/events", {{"limit", "50"}})); }},
      {"events by decision=conflict", [&] { return admin.events(get("/api/events", {{"decision", "conflict"}, {"limit", "50"}})); }},
      {"event by id, with payload", [&] { return admin.events(get("/api/events", {{"event_id", "evt-777"}, {"payload", "true"}})); }},
      {"conflicts, page of 50", [&] { return admin.conflicts(get("/api/conflicts", {{"limit", "50"}})); }},
  };
  for (const auto& [name, run] : requests) {
    std::vector<double> times;
    std::size_t bytes = 0;
    for (int round = 0; round < rounds; ++round) {
      const auto start = std::chrono::steady_clock::now();
      const auto response = run();
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      if (response.status != 200) {
        std::fprintf(stderr, "%s: HTTP %d %s\n", name.c_str(), response.status, response.body.c_str());
        return 1;
      }
      bytes = response.body.size();
    }
    std::ranges::sort(times);
    std::printf("%s\t%.2f\t%.2f\t%zu\n", name.c_str(), times[times.size() / 2], times.back(), bytes);
  }
  return 0;
}
