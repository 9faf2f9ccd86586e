// TimeZone: UTC by default, IANA zones by name, and local times across daylight saving changes;
// VRIO dates are read in the zone ParseOptions gives.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "hookline/time_zone.hpp"
#include "hookline/vrio.hpp"
#include "printing.hpp"

namespace {

using std::chrono::sys_seconds;

std::chrono::local_seconds local(int y, unsigned mo, unsigned d, int h, int mi) {
  return std::chrono::local_days{std::chrono::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi};
}

sys_seconds utc(int y, unsigned mo, unsigned d, int h, int mi) {
  return std::chrono::sys_days{std::chrono::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi};
}

hookline::TimeZone zone(std::string_view name) {
  auto found = hookline::TimeZone::named(name);
  if (!found.has_value()) BOOST_FAIL(found.error());
  return *found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(time_zone)

BOOST_AUTO_TEST_CASE(default_is_utc) {
  const hookline::TimeZone utc_zone;
  BOOST_TEST(utc_zone.name() == "UTC");
  BOOST_TEST((utc_zone.to_sys(local(2026, 3, 22, 14, 30)) == utc(2026, 3, 22, 14, 30)));
  BOOST_TEST((hookline::TimeZone::utc() == utc_zone));
  BOOST_TEST((zone("UTC") == utc_zone));
}

BOOST_AUTO_TEST_CASE(unknown_zone_is_an_error_value) {
  const auto found = hookline::TimeZone::named("Mars/Olympus_Mons");
  BOOST_TEST_REQUIRE(!found.has_value());
  BOOST_TEST(found.error() == "unknown time zone \"Mars/Olympus_Mons\"");
  BOOST_TEST(!hookline::TimeZone::named("").has_value());
}

BOOST_AUTO_TEST_CASE(new_york_across_daylight_saving) {
  const auto new_york = zone("America/New_York");
  BOOST_TEST(new_york.name() == "America/New_York");
  // Winter: UTC-5.
  BOOST_TEST((new_york.to_sys(local(2026, 1, 15, 9, 0)) == utc(2026, 1, 15, 14, 0)));
  // Summer: UTC-4.
  BOOST_TEST((new_york.to_sys(local(2026, 7, 15, 9, 0)) == utc(2026, 7, 15, 13, 0)));
  // The last minute before the spring change (2026-03-08 02:00 local) is still EST.
  BOOST_TEST((new_york.to_sys(local(2026, 3, 8, 1, 59)) == utc(2026, 3, 8, 6, 59)));
  // 02:30 does not exist that day: it resolves to the instant of the change, 07:00 UTC.
  BOOST_TEST((new_york.to_sys(local(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 7, 0)));
  BOOST_TEST((new_york.to_sys(local(2026, 3, 8, 3, 0)) == utc(2026, 3, 8, 7, 0)));
  // 01:30 on 2026-11-01 happens twice: the earlier (EDT) instant is taken.
  BOOST_TEST((new_york.to_sys(local(2026, 11, 1, 1, 30)) == utc(2026, 11, 1, 5, 30)));
  BOOST_TEST((new_york.to_sys(local(2026, 11, 1, 2, 30)) == utc(2026, 11, 1, 7, 30)));
}

BOOST_AUTO_TEST_CASE(vrio_dates_are_read_in_the_configured_zone) {
  const std::string body =
      R"({"webhook_event":"shipment_scheduled","webhook_event_id":"1","webhook_event_date":"2026-03-07 23:30:00",)"
      R"("webhook_data":{"shipment":{"shipment_id":1,"date_scheduled":"2026-03-09 08:00:00","date_cancel":"0000-00-00 00:00:00"}}})";
  const auto in_utc = hookline::vrio::parse(body);
  BOOST_TEST_REQUIRE(in_utc.has_value());
  BOOST_TEST((in_utc->envelope.webhook_event_date == utc(2026, 3, 7, 23, 30)));

  const auto in_new_york = hookline::vrio::parse(body, {zone("America/New_York")});
  BOOST_TEST_REQUIRE(in_new_york.has_value());
  BOOST_TEST((in_new_york->envelope.webhook_event_date == utc(2026, 3, 8, 4, 30)));
  const auto& shipment = std::get<hookline::vrio::ShipmentScheduled>(in_new_york->payload).shipment;
  BOOST_TEST((shipment.date_scheduled == utc(2026, 3, 9, 12, 0)));
  BOOST_TEST(!shipment.date_cancel.has_value());
  BOOST_TEST(hookline::vrio::to_json(*in_new_york).find(R"("event_date":"2026-03-08T04:30:00Z")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_zone_east_of_utc_moves_the_date_back_a_day) {
  const auto tokyo = zone("Asia/Tokyo");
  BOOST_TEST((tokyo.to_sys(local(2026, 1, 1, 0, 0)) == utc(2025, 12, 31, 15, 0)));
}

BOOST_AUTO_TEST_SUITE_END()
