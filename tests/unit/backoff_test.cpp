#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ostream>

#include "hookline/backoff.hpp"

using namespace std::chrono_literals;
namespace data = boost::unit_test::data;

namespace {

struct CeilingCase {
  int failures;
  long long ceiling;
};
std::ostream& operator<<(std::ostream& out, const CeilingCase& c) {
  return out << "after " << c.failures << " failures: " << c.ceiling << " s";
}

struct JitterCase {
  long long ceiling;
  double unit;
  long long delay;
};
std::ostream& operator<<(std::ostream& out, const JitterCase& c) {
  return out << "ceiling " << c.ceiling << " s, unit " << c.unit << ": " << c.delay << " s";
}

std::chrono::sys_seconds at(long long seconds) { return std::chrono::sys_seconds{std::chrono::seconds{seconds}}; }

hookline::RetryPolicy policy() {
  hookline::RetryPolicy retry;
  retry.base_delay = 2s;
  retry.max_delay = 60s;
  retry.max_attempts = 5;
  retry.max_age = 1h;
  return retry;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(backoff)

BOOST_DATA_TEST_CASE(the_ceiling_doubles_up_to_the_cap,
                     data::make({CeilingCase{1, 2}, CeilingCase{2, 4}, CeilingCase{3, 8}, CeilingCase{5, 32},
                                 CeilingCase{6, 60}, CeilingCase{40, 60}, CeilingCase{1000, 60}}),
                     c) {
  BOOST_TEST(hookline::backoff_ceiling(policy().base_delay, policy().max_delay, c.failures).count() == c.ceiling);
}

BOOST_DATA_TEST_CASE(full_jitter_spreads_over_zero_to_the_ceiling,
                     data::make({JitterCase{10, 0.0, 0}, JitterCase{10, 0.5, 5}, JitterCase{10, 0.999, 10},
                                 JitterCase{10, 1.0, 10}, JitterCase{10, -1.0, 0}, JitterCase{0, 0.7, 0},
                                 JitterCase{1, 0.49, 0}, JitterCase{1, 0.5, 1}}),
                     c) {
  BOOST_TEST(hookline::full_jitter(std::chrono::seconds{c.ceiling}, c.unit).count() == c.delay);
}

BOOST_AUTO_TEST_CASE(milliseconds_stay_milliseconds) {
  BOOST_TEST(hookline::backoff_ceiling(1500ms, 8000ms, 1).count() == 1500);
  BOOST_TEST(hookline::backoff_ceiling(1500ms, 8000ms, 3).count() == 6000);
  BOOST_TEST(hookline::backoff_ceiling(1500ms, 8000ms, 4).count() == 8000);
  BOOST_TEST(hookline::full_jitter(1500ms, 0.5).count() == 750);    // floor(0.5 * 1501)
  BOOST_TEST(hookline::full_jitter(1500ms, 0.999).count() == 1499);  // floor(0.999 * 1501)
}

BOOST_AUTO_TEST_CASE(a_zero_or_negative_base_delay_gives_no_delay) {
  BOOST_TEST(hookline::backoff_ceiling(0s, 60s, 1000000).count() == 0);
  BOOST_TEST(hookline::backoff_ceiling(-5s, 60s, 3).count() == 0);
  BOOST_TEST(hookline::backoff_ceiling(5s, -1s, 3).count() == 0);
}

BOOST_AUTO_TEST_CASE(the_next_attempt_is_now_plus_the_jittered_delay) {
  const auto next = hookline::next_attempt_at(policy(), 3, at(0), at(100), 0.5);
  BOOST_TEST_REQUIRE(next.has_value());
  BOOST_TEST(next->time_since_epoch().count() == 104);  // ceiling 8: floor(0.5 * 9) = 4
}

BOOST_AUTO_TEST_CASE(no_next_attempt_after_max_attempts_or_beyond_max_age) {
  BOOST_TEST(hookline::next_attempt_at(policy(), 4, at(0), at(0), 0.0).has_value());
  BOOST_TEST(!hookline::next_attempt_at(policy(), 5, at(0), at(0), 0.0).has_value());
  BOOST_TEST(hookline::next_attempt_at(policy(), 1, at(0), at(3598), 0.999).has_value());  // 3600: at the limit
  BOOST_TEST(!hookline::next_attempt_at(policy(), 1, at(0), at(3599), 0.999).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
