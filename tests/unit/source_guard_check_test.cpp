// SourceGuard: tokens from the query or a header (match, mismatch, missing, rotation), CIDR
// allow-lists for IPv4 and IPv6, address and network parsing, query parameter decoding.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "hookline/source_guard.hpp"
#include "printing.hpp"

namespace hookline {
inline std::ostream& operator<<(std::ostream& out, SourceGuardErrorKind kind) { return out << to_string(kind); }
}  // namespace hookline

using hookline::Headers;
using hookline::IpAddress;
using hookline::IpNetwork;
using hookline::Secret;
using hookline::SourceGuard;
using hookline::SourceGuardConfig;
using hookline::SourceGuardErrorKind;
namespace bdata = boost::unit_test::data;

namespace {

std::vector<IpNetwork> networks(std::initializer_list<std::string_view> cidrs) {
  std::vector<IpNetwork> out;
  for (std::string_view cidr : cidrs) {
    auto network = IpNetwork::parse(cidr);
    BOOST_TEST_REQUIRE(network.has_value(), cidr);
    out.push_back(*network);
  }
  return out;
}

SourceGuard token_guard() {
  SourceGuardConfig config;
  config.tokens.emplace_back("s3cret-token");
  config.tokens.emplace_back("next-token");
  return SourceGuard(std::move(config));
}

SourceGuard network_guard() {
  SourceGuardConfig config;
  config.allowed_networks = networks({"192.0.2.0/24", "198.51.100.7", "2001:db8:1::/48"});
  return SourceGuard(std::move(config));
}

struct AddressCase {
  std::string address;
  bool allowed;
};
std::ostream& operator<<(std::ostream& out, const AddressCase& c) { return out << c.address; }

const std::vector<AddressCase> address_cases{
    {"192.0.2.0", true},          {"192.0.2.255", true},         {"192.0.3.0", false},
    {"192.0.1.255", false},       {"198.51.100.7", true},        {"198.51.100.8", false},
    {"::ffff:192.0.2.9", true},   {"::ffff:c000:0209", true},    {"2001:db8:1::1", true},
    {"2001:db8:1:ffff:ffff:ffff:ffff:ffff", true},               {"2001:db8:2::1", false},
    {"2001:DB8:1:0:0:0:0:5", true}, {"fe80::1%eth0", false},      {"::1", false},
};

struct BadNetwork {
  std::string cidr;
  std::string error;
};
std::ostream& operator<<(std::ostream& out, const BadNetwork& c) { return out << c.cidr; }

const std::vector<BadNetwork> bad_networks{
    {"", R"("" is not an IPv4 or IPv6 address or network)"},
    {"192.0.2.0/33", R"("192.0.2.0/33" has a prefix length outside 0..32)"},
    {"2001:db8::/129", R"("2001:db8::/129" has a prefix length outside 0..128)"},
    {"192.0.2.0/", R"("192.0.2.0/" has a prefix length outside 0..32)"},
    {"192.0.2.0/2x", R"("192.0.2.0/2x" has a prefix length outside 0..32)"},
    {"192.0.2.1/24", R"("192.0.2.1/24" has host bits set below its prefix)"},
    {"2001:db8::1/64", R"("2001:db8::1/64" has host bits set below its prefix)"},
    {"256.0.0.0/8", R"("256.0.0.0/8" is not an IPv4 or IPv6 address or network)"},
    {"example.com", R"("example.com" is not an IPv4 or IPv6 address or network)"},
};

const std::vector<std::string> bad_addresses{
    "", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1..2.3", " 1.2.3.4", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
    "1::2::3", "12345::", "g::1", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8", "::ffff:1.2.3", "fe80::1%",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(source_guard_check)

BOOST_AUTO_TEST_CASE(a_matching_token_passes_from_the_query_or_the_header) {
  const SourceGuard guard = token_guard();
  BOOST_TEST(guard.check("203.0.113.5", std::string_view("s3cret-token"), Headers{}).has_value());
  BOOST_TEST(guard.check("203.0.113.5", std::nullopt, Headers{{"x-webhook-token", "s3cret-token"}}).has_value());
  // Either token of a rotation is accepted.
  BOOST_TEST(guard.check("203.0.113.5", std::string_view("next-token"), Headers{}).has_value());
}

BOOST_AUTO_TEST_CASE(a_wrong_token_is_refused_without_echoing_it) {
  const SourceGuard guard = token_guard();
  for (std::string_view wrong : {"s3cret-tokem", "s3cret-token2", "s3cret", "", "S3CRET-TOKEN"}) {
    const auto status = guard.check("203.0.113.5", wrong, Headers{});
    BOOST_TEST_REQUIRE(!status.has_value(), wrong);
    BOOST_TEST(status.error().kind == SourceGuardErrorKind::token_mismatch);
    BOOST_TEST(status.error().reason == "the token matches no configured token");
  }
  const auto header = guard.check("203.0.113.5", std::nullopt, Headers{{"X-Webhook-Token", "guess"}});
  BOOST_TEST_REQUIRE(!header.has_value());
  BOOST_TEST(header.error().kind == SourceGuardErrorKind::token_mismatch);
}

BOOST_AUTO_TEST_CASE(the_query_token_is_checked_before_the_header) {
  const auto status = token_guard().check("203.0.113.5", std::string_view("wrong"), Headers{{"X-Webhook-Token", "s3cret-token"}});
  BOOST_TEST_REQUIRE(!status.has_value());
  BOOST_TEST(status.error().kind == SourceGuardErrorKind::token_mismatch);
}

BOOST_AUTO_TEST_CASE(a_missing_token_is_refused) {
  const auto status = token_guard().check("203.0.113.5", std::nullopt, Headers{{"X-Other", "s3cret-token"}});
  BOOST_TEST_REQUIRE(!status.has_value());
  BOOST_TEST(status.error().kind == SourceGuardErrorKind::token_missing);
  BOOST_TEST(status.error().reason == R"(no token in the query parameter "token" or the header X-Webhook-Token)");
}

BOOST_AUTO_TEST_CASE(the_header_and_parameter_names_are_configurable) {
  SourceGuardConfig config;
  config.tokens.emplace_back("t");
  config.header = "X-Vero-Token";
  config.query_parameter = "key";
  const SourceGuard guard(std::move(config));
  BOOST_TEST(guard.query_parameter() == "key");
  BOOST_TEST(guard.check("::1", std::nullopt, Headers{{"x-vero-token", "t"}}).has_value());
  BOOST_TEST(!guard.check("::1", std::nullopt, Headers{{"X-Webhook-Token", "t"}}).has_value());
}

BOOST_AUTO_TEST_CASE(with_nothing_configured_everything_passes) {
  const SourceGuard guard{SourceGuardConfig{}};
  BOOST_TEST(guard.check("not an address", std::nullopt, Headers{}).has_value());
}

BOOST_DATA_TEST_CASE(the_allow_list_admits_exactly_its_networks, bdata::make(address_cases), c) {
  const auto status = network_guard().check(c.address, std::nullopt, Headers{});
  BOOST_TEST(status.has_value() == c.allowed);
  if (!c.allowed) {
    BOOST_TEST(status.error().kind == SourceGuardErrorKind::address_not_allowed);
    BOOST_TEST(status.error().reason == "peer " + c.address + " is not in an allowed network");
  }
}

BOOST_AUTO_TEST_CASE(an_unparsable_peer_is_refused_when_networks_are_configured) {
  const auto status = network_guard().check("localhost", std::nullopt, Headers{});
  BOOST_TEST_REQUIRE(!status.has_value());
  BOOST_TEST(status.error().kind == SourceGuardErrorKind::address_invalid);
  BOOST_TEST(status.error().reason == R"(peer "localhost" is not an IP address)");
}

BOOST_AUTO_TEST_CASE(address_and_token_are_both_required_when_both_are_configured) {
  SourceGuardConfig config;
  config.tokens.emplace_back("t");
  config.allowed_networks = networks({"10.0.0.0/8"});
  const SourceGuard guard(std::move(config));
  BOOST_TEST(guard.check("10.1.2.3", std::string_view("t"), Headers{}).has_value());
  BOOST_TEST(guard.check("11.1.2.3", std::string_view("t"), Headers{}).error().kind == SourceGuardErrorKind::address_not_allowed);
  BOOST_TEST(guard.check("10.1.2.3", std::string_view("u"), Headers{}).error().kind == SourceGuardErrorKind::token_mismatch);
}

BOOST_AUTO_TEST_CASE(whole_internet_networks) {
  const auto any_v4 = networks({"0.0.0.0/0"});
  BOOST_TEST(any_v4[0].contains(*IpAddress::parse("203.0.113.1")));
  BOOST_TEST(!any_v4[0].contains(*IpAddress::parse("2001:db8::1")));
  const auto any_v6 = networks({"::/0"});
  BOOST_TEST(any_v6[0].contains(*IpAddress::parse("2001:db8::1")));
}

BOOST_AUTO_TEST_CASE(addresses_parse_to_their_bytes) {
  const auto v4 = IpAddress::parse("192.0.2.33");
  BOOST_TEST_REQUIRE(v4.has_value());
  BOOST_TEST(v4->is_v4());
  BOOST_TEST(v4->bytes()[15] == 33);
  BOOST_TEST((*v4 == *IpAddress::parse("::ffff:192.0.2.33")));
  const auto v6 = IpAddress::parse("2001:db8::8a2e:370:7334");
  BOOST_TEST_REQUIRE(v6.has_value());
  BOOST_TEST(!v6->is_v4());
  BOOST_TEST(v6->bytes()[0] == 0x20);
  BOOST_TEST(v6->bytes()[15] == 0x34);
  BOOST_TEST((*IpAddress::parse("::") == *IpAddress::parse("0:0:0:0:0:0:0:0")));
}

BOOST_DATA_TEST_CASE(malformed_addresses_are_refused, bdata::make(bad_addresses), text) {
  BOOST_TEST(!IpAddress::parse(text).has_value());
}

BOOST_DATA_TEST_CASE(malformed_networks_are_refused_with_a_reason, bdata::make(bad_networks), c) {
  const auto network = IpNetwork::parse(c.cidr);
  BOOST_TEST_REQUIRE(!network.has_value());
  BOOST_TEST(network.error() == c.error);
}

BOOST_AUTO_TEST_CASE(query_parameters_are_found_and_decoded) {
  using hookline::query_parameter;
  BOOST_TEST(query_parameter("token=abc", "token") == std::optional<std::string>("abc"));
  BOOST_TEST(query_parameter("?a=1&token=x%2By+z&token=second", "token") == std::optional<std::string>("x+y z"));
  BOOST_TEST(!query_parameter("a=1&tokens=x", "token").has_value());
  BOOST_TEST(query_parameter("token", "token") == std::optional<std::string>(""));
  BOOST_TEST(!query_parameter("token=%2", "token").has_value());
  BOOST_TEST(!query_parameter("token=%zz", "token").has_value());
  BOOST_TEST(!query_parameter("", "token").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
