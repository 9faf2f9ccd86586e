// The adapter's own routing and access rules through real sockets on 127.0.0.1: one 404 body for
// every unknown path, 405 with Allow, the bearer-token access check and open routes, bodyless
// POSTs to application routes, an observer that hears only about webhook paths, and the client
// address behind trusted proxies (X-Forwarded-For) and never otherwise.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/source_guard.hpp"
#include "http_server_support.hpp"
#include "printing.hpp"

namespace {

using namespace hookline;
using namespace hookline::test;

/// The admin token of these tests (a test value, not a real secret).
constexpr std::string_view admin_token = "admin-token-0123456789-abcdefghijklmnop";

/// The `Authorization` line that carries `token`.
std::string bearer(std::string_view token) { return "Authorization: Bearer " + std::string(token) + "\r\n"; }

/// Networks from CIDR texts that must parse.
std::vector<IpNetwork> networks(std::initializer_list<const char*> cidrs) {
  std::vector<IpNetwork> parsed;
  for (const char* cidr : cidrs) {
    auto network = IpNetwork::parse(cidr);
    if (!network) {
      throw std::runtime_error(network.error());
    }
    parsed.push_back(*network);
  }
  return parsed;
}

/// A server shaped like an admin listener: the bearer-token check on everything but the open
/// health route and the mounted receiver, routes that echo what they got, and an observer that
/// records the paths it hears about.
struct AccessServer {
  explicit AccessServer(ServerOptions options = {}) {
    options.access_check = require_bearer_token(Secret(std::string(admin_token)));
    options.observer = [this](const HttpRequest& request, const ReceiveResult&) {
      const std::lock_guard lock(mutex);
      observed.push_back(request.path);
    };
    server = std::make_unique<WebhookServer>(std::move(options));
    server->mount("/webhooks/vrio", receiver);
    server->route("GET", "/healthz", [](const HttpRequest&) { return text("ok"); }, RouteAccess::open);
    server->route("GET", "/items", [](const HttpRequest&) { return text("items"); });
    server->route("POST", "/items", [](const HttpRequest& request) { return text("created:" + request.body); });
    server->route("DELETE", R"(/items/(\d+))", [](const HttpRequest& request) { return text("deleted:" + request.matches.at(1)); });
    server->route("POST", R"(/items/(\d+)/retry)", [](const HttpRequest& request) {
      return text("retried:" + request.matches.at(1) + ":" + std::to_string(request.body.size()));
    });
    server->route("POST", "/echo", [](const HttpRequest& request) { return text(request.body); });
    server->route("GET", "/peer", [](const HttpRequest& request) { return text(request.peer + "|" + request.socket_peer); });
    const auto started = server->start();
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
  }

  static HttpResponse text(std::string body) {
    HttpResponse response;
    response.content_type = "text/plain";
    response.body = std::move(body);
    return response;
  }

  [[nodiscard]] std::vector<std::string> paths_observed() {
    const std::lock_guard lock(mutex);
    return observed;
  }

  MemoryInbox inbox;
  Receiver receiver{vrio_verifier(), meta_parser(Platform::vrio), inbox};
  std::mutex mutex;
  std::vector<std::string> observed;
  std::unique_ptr<WebhookServer> server;
};

/// The status `connection` gets for `request`; fails the test when no answer comes.
int status_of(RawConnection& connection, std::string_view request) {
  const auto response = connection.exchange(request, 2s);
  BOOST_REQUIRE(response);
  return response->status;
}

constexpr std::string_view not_found_body = R"({"error":{"code":"not_found","message":"nothing is served at this path"}})";

/// One X-Forwarded-For situation and the client address it must give.
struct ForwardedCase {
  const char* name;
  std::vector<const char*> trusted;
  std::string header_lines;
  const char* client;
};

std::ostream& operator<<(std::ostream& out, const ForwardedCase& c) { return out << c.name; }

const ForwardedCase forwarded_cases[] = {
    {"no_trusted_proxies_ignore_the_header", {}, "X-Forwarded-For: 203.0.113.7\r\n", "127.0.0.1"},
    {"an_untrusted_peer_is_ignored", {"10.0.0.0/8"}, "X-Forwarded-For: 203.0.113.7\r\n", "127.0.0.1"},
    {"a_trusted_peer_names_the_client", {"127.0.0.0/8"}, "X-Forwarded-For: 203.0.113.7\r\n", "203.0.113.7"},
    {"trusted_hops_are_skipped_from_the_right", {"127.0.0.1/32", "10.0.0.0/8"},
     "X-Forwarded-For: 198.51.100.1, 203.0.113.7, 10.1.2.3\r\n", "203.0.113.7"},
    {"hops_continue_across_fields", {"127.0.0.0/8", "10.0.0.0/8"},
     "X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 203.0.113.7,10.0.0.2\r\n", "203.0.113.7"},
    {"garbage_next_to_the_proxy_gives_the_socket_peer", {"127.0.0.0/8"}, "X-Forwarded-For: 203.0.113.7, not-an-ip\r\n",
     "127.0.0.1"},
    {"an_empty_hop_gives_the_socket_peer", {"127.0.0.0/8", "10.0.0.0/8"}, "X-Forwarded-For: 203.0.113.7, , 10.0.0.2\r\n",
     "127.0.0.1"},
    {"an_address_with_a_port_is_garbage", {"127.0.0.0/8"}, "X-Forwarded-For: 203.0.113.7:4711\r\n", "127.0.0.1"},
    {"garbage_beyond_the_client_does_not_matter", {"127.0.0.0/8"}, "X-Forwarded-For: garbage, 203.0.113.7\r\n",
     "203.0.113.7"},
    {"every_hop_trusted_gives_the_leftmost", {"127.0.0.0/8", "10.0.0.0/8"}, "X-Forwarded-For: 10.0.0.5, 10.0.0.2\r\n",
     "10.0.0.5"},
    {"an_ipv6_client", {"127.0.0.0/8"}, "X-Forwarded-For: 2001:db8::1\r\n", "2001:db8::1"},
    {"no_header_from_a_trusted_peer", {"127.0.0.0/8"}, "", "127.0.0.1"},
    {"x_real_ip_is_never_read", {"127.0.0.0/8"}, "X-Real-IP: 203.0.113.7\r\n", "127.0.0.1"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_access)

BOOST_AUTO_TEST_CASE(every_unknown_path_gets_the_same_404_body) {
  AccessServer running;
  RawConnection connection(running.server->port());
  for (const auto* path : {"/nothing", "/api/fulfillments", "/webhooks/vrio/", "/ITEMS", "/items/x"}) {
    const auto response = connection.exchange(head_only("GET", path, bearer(admin_token)));
    BOOST_REQUIRE(response);
    BOOST_TEST(response->status == 404, path);
    BOOST_TEST(response->body == not_found_body, path);
    BOOST_TEST(response->headers.get("Content-Type") == std::optional<std::string_view>("application/json"));
  }
  // A body sent to nowhere is never read: answered from the head, and the connection closes.
  const auto response = connection.exchange(head_only("POST", "/nothing", bearer(admin_token) + "Content-Length: 100\r\n"), 2s);
  BOOST_REQUIRE(response);
  BOOST_TEST(response->status == 404);
  BOOST_TEST(response->body == not_found_body);
  BOOST_TEST(connection.closed_by_peer());
}

BOOST_AUTO_TEST_CASE(a_known_path_with_another_method_gets_405_with_allow) {
  AccessServer running;
  RawConnection connection(running.server->port());
  const auto put = connection.exchange(head_only("PUT", "/items", bearer(admin_token) + "Content-Length: 0\r\n"));
  BOOST_REQUIRE(put);
  BOOST_TEST(put->status == 405);
  BOOST_TEST(put->headers.get("Allow") == std::optional<std::string_view>("GET, HEAD, POST"));
  BOOST_TEST(put->body ==
             R"({"error":{"code":"method_not_allowed","message":"this path is not served with this method","allow":"GET, HEAD, POST"}})");
  const auto get = connection.exchange(head_only("GET", "/items/5", bearer(admin_token)));
  BOOST_REQUIRE(get);
  BOOST_TEST(get->status == 405);
  BOOST_TEST(get->headers.get("Allow") == std::optional<std::string_view>("DELETE"));
  BOOST_TEST(status_of(connection, head_only("OPTIONS", "/items", bearer(admin_token))) == 405);
  const auto deleted = connection.exchange(head_only("DELETE", "/items/5", bearer(admin_token)));
  BOOST_REQUIRE(deleted);
  BOOST_TEST(deleted->body == "deleted:5");
  // HEAD is served by the GET route, without a body.
  RawConnection head(running.server->port());
  BOOST_REQUIRE(head.send(head_only("HEAD", "/items", bearer(admin_token) + "Connection: close\r\n")));
  BOOST_TEST(head.received("HTTP/1.1 200 OK\r\n", 2s));
  BOOST_TEST(head.closed_by_peer());
}

BOOST_AUTO_TEST_CASE(the_bearer_check_answers_one_401_whatever_was_sent) {
  AccessServer running;
  RawConnection connection(running.server->port());
  const std::string wrong_same_length(admin_token.size(), 'x');
  const std::vector<std::string> refused{
      "",                                                     // no Authorization
      bearer(wrong_same_length),                              // wrong, same length
      bearer(std::string(admin_token) + "x"),                 // the token and one more byte
      bearer(admin_token.substr(0, admin_token.size() - 1)),  // one byte short
      "Authorization: Bearer\r\n",                            // no token
      "Authorization: Basic " + std::string(admin_token) + "\r\n",
      "Authorization: Bearer" + std::string(admin_token) + "\r\n",
      bearer(admin_token) + bearer(admin_token),  // two fields
  };
  std::optional<RawResponse> first;
  for (const auto& lines : refused) {
    const auto response = connection.exchange(head_only("GET", "/items", lines));
    BOOST_REQUIRE(response);
    BOOST_TEST(response->status == 401, lines);
    BOOST_TEST(response->headers.get("WWW-Authenticate") == std::optional<std::string_view>("Bearer"));
    BOOST_TEST(response->body == R"({"error":{"code":"unauthorized","message":"a valid bearer token is required"}})");
    if (first) {
      BOOST_TEST(response->body == first->body);
      BOOST_TEST(response->headers.fields().size() == first->headers.fields().size());
    }
    first = response;
  }
  const auto right = connection.exchange(head_only("GET", "/items", bearer(admin_token)));
  BOOST_REQUIRE(right);
  BOOST_TEST(right->status == 200);
  BOOST_TEST(right->body == "items");
  BOOST_TEST(status_of(connection, head_only("GET", "/items", "Authorization: bEARER   " + std::string(admin_token) + "\r\n")) == 200);
}

BOOST_AUTO_TEST_CASE(without_the_token_unknown_paths_are_401_not_404) {
  AccessServer running;
  RawConnection connection(running.server->port());
  BOOST_TEST(status_of(connection, head_only("GET", "/api/secret-thing", "")) == 401);
  BOOST_TEST(status_of(connection, head_only("GET", "/api/secret-thing", bearer(admin_token))) == 404);
}

BOOST_AUTO_TEST_CASE(open_routes_and_mounted_receivers_need_no_token) {
  AccessServer running;
  RawConnection connection(running.server->port());
  const auto health = connection.exchange(head_only("GET", "/healthz", ""));
  BOOST_REQUIRE(health);
  BOOST_TEST(health->status == 200);
  BOOST_TEST(health->body == "ok");
  BOOST_TEST(status_of(connection, head_only("POST", "/healthz", "")) == 405);
  // A receiver authenticates its deliveries itself (by their signature), not by the bearer token.
  const auto delivery = connection.exchange(signed_post("/webhooks/vrio", vrio_body("open-1")));
  BOOST_REQUIRE(delivery);
  BOOST_TEST(delivery->status == 200);
  BOOST_TEST(delivery->body == R"({"status":"accepted"})");
}

BOOST_AUTO_TEST_CASE(a_refused_body_is_never_read) {
  AccessServer running;
  RawConnection connection(running.server->port());
  // Only the head of a large POST: the 401 comes without the body, and the connection closes.
  const auto response = connection.exchange(head_only("POST", "/echo", "Content-Length: 500000\r\n"), 2s);
  BOOST_REQUIRE(response);
  BOOST_TEST(response->status == 401);
  BOOST_TEST(response->headers.get("Connection") == std::optional<std::string_view>("close"));
  BOOST_TEST(connection.closed_by_peer());
}

BOOST_AUTO_TEST_CASE(a_post_without_a_body_to_a_route_is_an_empty_body) {
  AccessServer running;
  RawConnection connection(running.server->port());
  // cpp-httplib 0.11.4 answered 411 (screened as a webhook delivery), or read to the end of the connection.
  const auto retried = connection.exchange(head_only("POST", "/items/7/retry", bearer(admin_token)), 2s);
  BOOST_REQUIRE(retried);
  BOOST_TEST(retried->status == 200);
  BOOST_TEST(retried->body == "retried:7:0");
  BOOST_TEST(!retried->headers.get("Connection").has_value());
  const auto next = connection.exchange(head_only("GET", "/items", bearer(admin_token)));
  BOOST_REQUIRE(next);
  BOOST_TEST(next->body == "items");
  // A webhook delivery still needs its Content-Length.
  BOOST_TEST(status_of(connection, head_only("POST", "/webhooks/vrio", "")) == 411);
}

BOOST_AUTO_TEST_CASE(the_observer_hears_only_about_receiver_paths) {
  AccessServer running;
  RawConnection connection(running.server->port());
  BOOST_REQUIRE(connection.exchange(head_only("GET", "/items", bearer(admin_token))));
  BOOST_REQUIRE(connection.exchange(head_only("GET", "/items", "")));
  BOOST_REQUIRE(connection.exchange(head_only("GET", "/nothing", bearer(admin_token))));
  BOOST_REQUIRE(connection.exchange(head_only("POST", "/items/1/retry", bearer(admin_token))));
  BOOST_REQUIRE(connection.exchange(head_only("GET", "/healthz", "")));
  RawConnection refused_route(running.server->port());
  BOOST_REQUIRE(refused_route.exchange(head_only("POST", "/echo", bearer(admin_token) + "Transfer-Encoding: chunked\r\n")));
  BOOST_TEST(running.paths_observed().empty());

  RawConnection webhook(running.server->port());
  BOOST_TEST(status_of(webhook, unsigned_post("/webhooks/vrio", vrio_body("obs-1"))) == 401);
  BOOST_TEST(status_of(webhook, head_only("GET", "/webhooks/vrio", "")) == 405);
  BOOST_TEST(running.paths_observed() == (std::vector<std::string>{"/webhooks/vrio", "/webhooks/vrio"}));
}

BOOST_DATA_TEST_CASE(x_forwarded_for_names_the_client_only_behind_a_trusted_proxy, boost::unit_test::data::make(forwarded_cases),
                     forwarded) {
  ServerOptions options;
  for (const char* cidr : forwarded.trusted) {
    options.trusted_proxies.push_back(networks({cidr}).front());
  }
  AccessServer running(options);
  RawConnection connection(running.server->port());
  const auto response = connection.exchange(head_only("GET", "/peer", bearer(admin_token) + forwarded.header_lines));
  BOOST_REQUIRE(response);
  BOOST_TEST(response->body == std::string(forwarded.client) + "|127.0.0.1");
}

BOOST_AUTO_TEST_CASE(a_source_guard_allow_list_works_behind_a_trusted_proxy_and_only_there) {
  // Vero sends from 203.0.113.0/24 (a documentation network here); nginx on 127.0.0.1 forwards.
  SourceGuardConfig config;
  config.tokens.emplace_back(std::string("vero-token"));
  config.allowed_networks = networks({"203.0.113.0/24"});
  MemoryInbox inbox;
  const Receiver vero{SourceGuard(std::move(config)), meta_parser(Platform::vero), inbox};
  const std::string body = sample_body("vero/delivered.json");
  const auto deliver = [&](const std::vector<IpNetwork>& trusted) {
    ServerOptions options;
    options.trusted_proxies = trusted;
    WebhookServer server(options);
    server.mount("/webhooks/vero", vero);
    BOOST_REQUIRE(server.start());
    RawConnection connection(server.port());
    const auto response =
        connection.exchange(unsigned_post("/webhooks/vero?token=vero-token", body, "X-Forwarded-For: 203.0.113.9\r\n"));
    BOOST_REQUIRE(response);
    return response->status;
  };
  BOOST_TEST(deliver({}) == 403);
  BOOST_TEST(deliver(networks({"127.0.0.1/32"})) == 200);
}

BOOST_AUTO_TEST_CASE(an_empty_bearer_token_is_refused_at_once) {
  BOOST_CHECK_THROW((void)require_bearer_token(Secret(std::string())), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
