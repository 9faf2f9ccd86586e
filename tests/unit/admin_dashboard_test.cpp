// The admin API under the operator's dashboard, without a browser: cursor pages with totals, a 400
// for every bad parameter, search and filters, conflicts needing attention until dismissed, the
// session login with its cookie and CSRF token, and the dashboard's files (served on loopback with
// their Content-Security-Policy, next to the route table's 404 and 405).
#include <boost/test/unit_test.hpp>

#include <httplib.h>
#include <simdjson.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "admin_api.hpp"
#include "admin_session.hpp"
#include "dashboard.hpp"
#include "fulfillment_domain.hpp"
#include "fulfillment_events.hpp"
#include "hookline/parse.hpp"
#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"
#include "hookline/verify.hpp"
#include "hookline/vrio.hpp"

using namespace std::chrono_literals;
using fulfillment_test::Domain;
using fulfillment_test::scheduled;
using fulfillment_test::shipment_event;

namespace {

hookline::Receiver vrio_receiver(hookline::ReceiverStore& inbox) {
  const std::vector<hookline::Secret> secrets{hookline::Secret("whsec-admin-dashboard-test")};
  return hookline::Receiver(*hookline::Verifier::create(hookline::Scheme::vrio, secrets), hookline::meta_parser(hookline::Platform::vrio),
                            inbox);
}

/// A GET of `path` with its query parsed as the adapter would (no percent-decoding needed here).
hookline::HttpRequest get(std::string path_and_query) {
  hookline::HttpRequest request;
  request.method = "GET";
  const auto mark = path_and_query.find('?');
  request.path = path_and_query.substr(0, mark);
  if (mark != std::string::npos) {
    std::string rest = path_and_query.substr(mark + 1);
    std::size_t start = 0;
    while (start <= rest.size()) {
      auto end = rest.find('&', start);
      if (end == std::string::npos) end = rest.size();
      const auto pair = rest.substr(start, end - start);
      const auto equals = pair.find('=');
      request.query.emplace_back(pair.substr(0, equals), equals == std::string::npos ? "" : pair.substr(equals + 1));
      start = end + 1;
    }
  }
  return request;
}

hookline::HttpRequest post(std::string path, std::string capture, std::string body = "") {
  hookline::HttpRequest request;
  request.method = "POST";
  request.path = path;
  request.matches = {path, std::move(capture)};
  request.body = std::move(body);
  return request;
}

/// The server's domain with the admin API over it, and a clock both share.
struct Console {
  Domain domain;
  hookline::MemoryInbox inbox;
  hookline::Receiver receiver = vrio_receiver(inbox);
  fulfillment::AdminApi admin{*domain.store, inbox, receiver, [this] { return domain.now; }};

  /// A fulfillment scheduled (due in a month) one minute after the previous one.
  void schedule(std::int64_t shipment_id, std::string_view street = "123 Main St") {
    domain.now += 1min;
    domain.deliver(scheduled("s" + std::to_string(shipment_id), "2026-03-22 14:30:00", shipment_id,
                             "2026-04-22 14:30:00", street));
  }
};

simdjson::dom::element parsed(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element document;
  BOOST_TEST_REQUIRE(parser.parse(body).get(document) == simdjson::SUCCESS, body);
  return document;
}

std::vector<std::int64_t> shipment_ids(simdjson::dom::element page) {
  std::vector<std::int64_t> ids;
  for (const auto f : page["fulfillments"].get_array()) ids.push_back(f["shipment_id"].get_int64().value());
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_dashboard)

BOOST_AUTO_TEST_CASE(fulfillments_page_newest_first_by_cursor_with_a_total) {
  Console console;
  for (std::int64_t id = 1; id <= 5; ++id) console.schedule(100 + id);
  std::vector<std::int64_t> seen;
  std::string cursor;
  int pages = 0;
  simdjson::dom::parser parser;
  do {
    const auto answer = console.admin.list(get("/api/fulfillments?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    BOOST_TEST_REQUIRE(answer.status == 200, answer.body);
    const auto page = parsed(parser, answer.body);
    BOOST_TEST(page["total"].get_int64().value() == 5);
    for (const auto id : shipment_ids(page)) seen.push_back(id);
    cursor = page["next_cursor"].is_null() ? "" : std::to_string(page["next_cursor"].get_int64().value());
    ++pages;
  } while (!cursor.empty());
  BOOST_TEST(pages == 3);
  BOOST_TEST(seen == (std::vector<std::int64_t>{105, 104, 103, 102, 101}));
}

BOOST_AUTO_TEST_CASE(a_bad_parameter_is_a_400_that_names_it) {
  Console console;
  const std::vector<std::pair<std::string, std::string>> bad{
      {"/api/fulfillments?limit=-1", "limit"},        {"/api/fulfillments?limit=abc", "limit"},
      {"/api/fulfillments?limit=0", "limit"},         {"/api/fulfillments?limit=1001", "limit"},
      {"/api/fulfillments?cursor=abc", "cursor"},     {"/api/fulfillments?state=bogus", "state"},
      {"/api/fulfillments?status=error", "status"},   {"/api/fulfillments?needs_attention=yes", "needs_attention"},
      {"/api/fulfillments?q=", "q"},                  {"/api/fulfillments?limit=1&limit=2", "limit"},
      {"/api/events?decision=bogus", "decision"},     {"/api/events?cursor=-4", "cursor"},
      {"/api/events?payload=1", "payload"},           {"/api/events?shipment_id=x", "shipment_id"},
  };
  for (const auto& [target, parameter] : bad) {
    const auto request = get(target);
    const auto answer = request.path == "/api/events" ? console.admin.events(request) : console.admin.list(request);
    BOOST_TEST(answer.status == 400, target);
    BOOST_TEST(answer.body.find(R"("code":"bad_request")") != std::string::npos, target);
    BOOST_TEST(answer.body.find(parameter) != std::string::npos, target << ": " << answer.body);
  }
  for (const auto* target : {"/api/dead-letters/inbox?limit=x", "/api/dead-letters/outbox?cursor=x",
                             "/api/quarantine?limit=0", "/api/refused?limit=-1", "/api/conflicts?limit=5000",
                             "/api/held?cursor=z", "/api/overview?window=week", "/api/attention?x=1"}) {
    const auto request = get(target);
    const auto& path = request.path;
    const auto answer = path == "/api/dead-letters/inbox"    ? console.admin.inbox_dead_letters(request)
                        : path == "/api/dead-letters/outbox" ? console.admin.outbox_dead_letters(request)
                        : path == "/api/quarantine"          ? console.admin.quarantine(request)
                        : path == "/api/refused"             ? console.admin.refused(request)
                        : path == "/api/conflicts"           ? console.admin.conflicts(request)
                        : path == "/api/held"                ? console.admin.held(request)
                        : path == "/api/overview"            ? console.admin.overview(request)
                                                             : console.admin.attention(request);
    BOOST_TEST(answer.status == 400, target << ": " << answer.body);
  }
}

BOOST_AUTO_TEST_CASE(search_finds_a_fulfillment_by_id_order_customer_sku_or_name) {
  Console console;
  console.schedule(251606, "1 Elm St");
  console.schedule(251607);
  simdjson::dom::parser parser;
  const auto found = [&](const std::string& q) {
    const auto answer = console.admin.list(get("/api/fulfillments?q=" + q));
    BOOST_TEST_REQUIRE(answer.status == 200, answer.body);
    const auto page = parsed(parser, answer.body);
    BOOST_TEST(page["total"].is_null());  // a search is not counted
    return shipment_ids(page);
  };
  BOOST_TEST(found("251606") == std::vector<std::int64_t>{251606});
  BOOST_TEST(found("135123") == (std::vector<std::int64_t>{251607, 251606}));  // the order id
  BOOST_TEST(found("71135") == (std::vector<std::int64_t>{251607, 251606}));   // the customer id
  BOOST_TEST(found("SUP-001") == (std::vector<std::int64_t>{251607, 251606}));
  BOOST_TEST(found("elm") == std::vector<std::int64_t>{251606});               // the address, any case
  BOOST_TEST(found("nobody").empty());
}

BOOST_AUTO_TEST_CASE(a_cancel_after_shipping_needs_attention_until_dismissed_with_a_note) {
  Console console;
  console.domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-03-22 14:30:00"));
  console.schedule(251607);
  BOOST_TEST(console.domain.run_due() == std::vector<std::int64_t>{251606});
  console.domain.deliver(shipment_event("shipment_cancelled", "10009", "2026-03-23 12:00:00", 251606));
  BOOST_TEST(console.domain.get(251606).state == fulfillment::State::shipped);

  simdjson::dom::parser parser;
  const auto attention_ids = [&] {
    const auto answer = console.admin.list(get("/api/fulfillments?needs_attention=true"));
    BOOST_TEST_REQUIRE(answer.status == 200, answer.body);
    return shipment_ids(parsed(parser, answer.body));
  };
  BOOST_TEST(attention_ids() == std::vector<std::int64_t>{251606});
  hookline::HttpRequest detail = get("/api/fulfillments/251606");
  detail.matches = {detail.path, "251606"};
  BOOST_TEST(console.admin.detail(detail).body.find(R"("needs_attention":true)") != std::string::npos);
  const auto counts = parsed(parser, console.admin.attention(get("/api/attention")).body);
  BOOST_TEST(counts["conflicts"].get_int64().value() == 1);

  // The event log's decision filter returns the conflict and nothing else.
  const auto conflicts = parsed(parser, console.admin.events(get("/api/events?decision=conflict")).body);
  BOOST_TEST(conflicts["total"].get_int64().value() == 1);
  BOOST_TEST(std::string(conflicts["events"].at(0)["event_id"].get_string().value()) == "10009");

  const auto path = std::string("/api/conflicts/251606/dismiss");
  BOOST_TEST(console.admin.dismiss_conflicts(post(path, "251606", "{}")).status == 400);  // a note is required
  BOOST_TEST(console.admin.dismiss_conflicts(post(path, "251607", R"({"note":"x"})")).status == 404);
  BOOST_TEST(console.admin.dismiss_conflicts(post(path, "251606", R"({"note":"refund issued by support"})")).status == 200);
  BOOST_TEST(attention_ids().empty());
  BOOST_TEST(parsed(parser, console.admin.conflicts(get("/api/conflicts")).body)["total"].get_int64().value() == 0);
  const auto history = console.domain.history(251606);
  BOOST_TEST(history.back().detail.find("refund issued by support") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(events_held_too_long_for_a_shipment_never_scheduled_need_attention_until_dismissed) {
  Console console;
  console.domain.deliver(shipment_event("shipment_cancelled", "held-1", "2026-03-22 14:00:00", 777));
  simdjson::dom::parser parser;
  const auto held_total = [&] {
    const auto answer = console.admin.held(get("/api/held"));
    BOOST_TEST_REQUIRE(answer.status == 200, answer.body);
    return parsed(parser, answer.body)["total"].get_int64().value();
  };
  BOOST_TEST(held_total() == 0);  // held for less than an hour: the platform may still send its schedule
  console.domain.now += 2h;
  BOOST_TEST(held_total() == 1);
  BOOST_TEST(parsed(parser, console.admin.attention(get("/api/attention")).body)["held"].get_int64().value() == 1);
  const std::string path = "/api/held/777/dismiss";
  BOOST_TEST(console.admin.dismiss_held(post(path, "778", R"({"note":"x"})")).status == 404);
  BOOST_TEST(console.admin.dismiss_held(post(path, "777", R"({"note":"never sold"})")).status == 200);
  BOOST_TEST(held_total() == 0);
  BOOST_TEST(console.admin.dismiss_held(post(path, "777", R"({"note":"again"})")).status == 404);
}

BOOST_AUTO_TEST_CASE(events_are_found_by_id_type_and_decision_with_their_payload) {
  Console console;
  for (std::int64_t id = 1; id <= 3; ++id) console.schedule(300 + id);
  console.domain.deliver(shipment_event("shipment_cancelled", "c1", "2026-03-22 15:00:00", 302));
  simdjson::dom::parser parser;
  const auto one = parsed(parser, console.admin.events(get("/api/events?event_id=s302&payload=true")).body);
  BOOST_TEST(one["total"].get_int64().value() == 1);
  BOOST_TEST(std::string(one["events"].at(0)["payload"].get_string().value()).find("\"shipment_id\":302") != std::string::npos);
  const auto by_type = parsed(parser, console.admin.events(get("/api/events?type=shipment_scheduled&limit=2")).body);
  BOOST_TEST(by_type["total"].get_int64().value() == 3);
  BOOST_TEST(by_type["events"].get_array().size() == 2);
  BOOST_TEST(by_type["events"].at(0)["payload"].error() == simdjson::NO_SUCH_FIELD);  // payloads only when asked
  const std::string next = std::to_string(by_type["next_cursor"].get_int64().value());
  const auto rest = parsed(parser, console.admin.events(get("/api/events?type=shipment_scheduled&limit=2&cursor=" + next)).body);
  BOOST_TEST(rest["events"].get_array().size() == 1);
  BOOST_TEST(rest["next_cursor"].is_null());
  const auto applied = parsed(parser, console.admin.events(get("/api/events?decision=apply")).body);
  BOOST_TEST(applied["total"].get_int64().value() == 4);
}

BOOST_AUTO_TEST_CASE(a_session_cookie_needs_its_csrf_token_to_change_state) {
  auto now = fulfillment_test::march_22;
  const std::string token(40, 'k');
  fulfillment::AdminSessions sessions(hookline::Secret(token), [&] { return now; });
  const auto check = sessions.access_check();

  hookline::HttpRequest login;
  login.method = "POST";
  login.body = R"({"token":")" + token + R"("})";
  BOOST_TEST(sessions.login(login).status == 415);  // JSON only
  login.headers.add("Content-Type", "application/json");
  hookline::HttpRequest wrong = login;
  wrong.body = R"({"token":"not-the-token-not-the-token-not-the-token"})";
  BOOST_TEST(sessions.login(wrong).status == 401);
  const auto signed_in = sessions.login(login);
  BOOST_TEST_REQUIRE(signed_in.status == 200, signed_in.body);
  const std::string set_cookie(*signed_in.headers.get("Set-Cookie"));
  BOOST_TEST(set_cookie.find("HttpOnly") != std::string::npos);
  BOOST_TEST(set_cookie.find("SameSite=Strict") != std::string::npos);
  BOOST_TEST(set_cookie.find("Secure") == std::string::npos);  // a plain listener
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  simdjson::dom::parser parser;
  const std::string csrf(parsed(parser, signed_in.body)["csrf_token"].get_string().value());

  hookline::HttpRequest read;
  read.method = "GET";
  read.headers.add("Cookie", "theme=dark; " + cookie);
  BOOST_TEST(!check(read).has_value());
  hookline::HttpRequest change = read;
  change.method = "POST";
  const auto refused = check(change);
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST(refused->status == 403);
  BOOST_TEST(refused->body.find("csrf_token_invalid") != std::string::npos);
  change.headers.add("X-CSRF-Token", std::string(csrf.size(), '0'));
  BOOST_TEST(check(change)->status == 403);
  change.headers.set("X-CSRF-Token", csrf);
  BOOST_TEST(!check(change).has_value());

  // The bearer header needs no CSRF token; a wrong one is a 401 whatever the cookie.
  hookline::HttpRequest bearer;
  bearer.method = "POST";
  bearer.headers.add("Authorization", "Bearer " + token);
  BOOST_TEST(!check(bearer).has_value());
  bearer.headers.set("Authorization", "Bearer nope");
  bearer.headers.add("Cookie", cookie);
  BOOST_TEST(check(bearer)->status == 401);

  now += 8h;  // the session's lifetime
  BOOST_TEST(check(read)->status == 401);

  fulfillment::SessionOptions secure;
  secure.secure_cookie = true;
  fulfillment::AdminSessions tls_sessions(hookline::Secret(token), [&] { return now; }, secure);
  const auto over_tls = tls_sessions.login(login);
  BOOST_TEST(std::string(*over_tls.headers.get("Set-Cookie")).find("; Secure") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_dashboard_loads_nothing_from_elsewhere_and_writes_no_html_from_data) {
  std::set<std::string_view> paths;
  for (const auto& asset : fulfillment::dashboard_assets()) {
    paths.insert(asset.path);
    if (asset.path == "/assets/chart.js") continue;  // Debian's Chart.js, whose comments name its site
    // No address elsewhere (an SVG's xmlns is a name, never loaded).
    std::string text(asset.body);
    if (const auto xmlns = text.find("xmlns=\"http://www.w3.org/2000/svg\""); xmlns != std::string::npos) text.erase(xmlns, 34);
    BOOST_TEST(text.find("http://") == std::string::npos, asset.path);
    BOOST_TEST(text.find("https://") == std::string::npos, asset.path);
    BOOST_TEST(asset.body.find("innerHTML") == std::string_view::npos, asset.path);
    BOOST_TEST(asset.body.find("insertAdjacentHTML") == std::string_view::npos, asset.path);
    BOOST_TEST(asset.body.find("document.write") == std::string_view::npos, asset.path);
  }
  BOOST_TEST(paths == (std::set<std::string_view>{"/", "/assets/app.js", "/assets/app.css", "/assets/icon.svg",
                                                  "/assets/chart.js"}));
}

BOOST_AUTO_TEST_CASE(the_admin_listener_serves_the_pages_and_answers_404_and_405_in_the_error_shape) {
  Console console;
  console.schedule(4545);  // before the server's threads read the clock
  const std::string token(40, 't');
  fulfillment::AdminSessions sessions(hookline::Secret(token), [&] { return console.domain.now; });
  hookline::ServerOptions options;
  options.threads = 4;
  options.access_check = sessions.access_check();
  hookline::WebhookServer server(options);
  sessions.mount(server);
  console.admin.mount(server);
  fulfillment::mount_dashboard(server);
  BOOST_TEST_REQUIRE(server.start().has_value());
  httplib::Client client("127.0.0.1", server.port());

  const auto page = client.Get("/");  // open: the page holds no data
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST(page->status == 200);
  BOOST_TEST(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(page->get_header_value("Content-Security-Policy") == std::string(fulfillment::dashboard_content_security_policy));
  BOOST_TEST(page->get_header_value("X-Content-Type-Options") == "nosniff");
  BOOST_TEST(client.Get("/api/fulfillments")->status == 401);

  const httplib::Headers bearer{{"Authorization", "Bearer " + token}};
  const auto unknown = client.Get("/api/nothing-here", bearer);
  BOOST_TEST(unknown->status == 404);
  BOOST_TEST(unknown->body.find(R"({"error":{"code":)") == 0);
  const auto wrong_method = client.Delete("/api/fulfillments", bearer);
  BOOST_TEST(wrong_method->status == 405);
  BOOST_TEST(wrong_method->get_header_value("Allow").find("GET") != std::string::npos);
  BOOST_TEST(wrong_method->body.find(R"({"error":{"code":)") == 0);
  BOOST_TEST(client.Get("/api/fulfillments?limit=abc", bearer)->status == 400);

  // A cookie session: reads work, a POST without the CSRF token is refused before it runs.
  const auto login = client.Post("/api/session", R"({"token":")" + token + R"("})", "application/json");
  BOOST_TEST_REQUIRE(login->status == 200);
  const auto set_cookie = login->get_header_value("Set-Cookie");
  const httplib::Headers session{{"Cookie", set_cookie.substr(0, set_cookie.find(';'))}};
  BOOST_TEST(client.Get("/api/overview", session)->status == 200);
  const auto forged = client.Post("/api/fulfillments/4545/ship", session, R"({"tracking":"X1","carrier_id":1})",
                                  "application/json");
  BOOST_TEST(forged->status == 403);
  BOOST_TEST(console.domain.get(4545).state == fulfillment::State::waiting);
  server.stop();
}

BOOST_AUTO_TEST_SUITE_END()
