#include "toolkit/dates.hpp"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace hookline::toolkit {
namespace {

std::string format_fields(std::chrono::sys_days day, std::chrono::seconds time_of_day, const char* pattern) {
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{time_of_day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, pattern, static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return buffer;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// The number written by `count` digits at `text[at..]`, or -1.
int number_at(std::string_view text, std::size_t at, std::size_t count) noexcept {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(text[at + i])) return -1;
    value = value * 10 + (text[at + i] - '0');
  }
  return value;
}


static_assert(std::endian::native == std::endian::little,
              "the date reader takes the first byte of a word as its lowest");

/// Eight bytes of `text` from `at`, the first in the lowest byte.
std::uint64_t word_at(std::string_view text, std::size_t at) noexcept {
  std::uint64_t word = 0;
  std::memcpy(&word, text.data() + at, sizeof(word));
  return word;
}

/// Byte `index` of a word read by word_at.
constexpr unsigned byte_of(std::uint64_t word, unsigned index) noexcept {
  return static_cast<unsigned>(word >> (8 * index)) & 0xffu;
}

/// `value` at byte `index` of a word.
constexpr std::uint64_t at_byte(unsigned index, unsigned char value) noexcept {
  return std::uint64_t{value} << (8 * index);
}

/// True when the bytes of `word` picked by `mask` hold exactly `expected`, and every other byte is a
/// decimal digit. A byte minus '0' wraps past 0x80 below '0', and plus 0x76 reaches 0x80 above '9'.
constexpr bool matches_with_digits(std::uint64_t word, std::uint64_t mask, std::uint64_t expected) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  const std::uint64_t digits = (word & ~mask) | (ones * '0' & mask);  // separators read as '0' here
  const std::uint64_t values = digits - ones * '0';
  return (word & mask) == expected && ((values | (values + ones * 0x76)) & ones * 0x80) == 0;
}

/// The two digits at byte `index` of a word whose digits matches_with_digits checked.
constexpr int two_digits(std::uint64_t word, unsigned index) noexcept {
  return static_cast<int>((byte_of(word, index) - '0') * 10 + (byte_of(word, index + 1) - '0'));
}

}  // namespace

std::string format_iso8601_utc(std::chrono::sys_seconds when) {
  const auto day = std::chrono::floor<std::chrono::days>(when);
  return format_fields(day, when - day, "%04d-%02u-%02uT%02d:%02d:%02dZ");
}

std::string format_date_time(std::chrono::local_seconds when) {
  const auto day = std::chrono::floor<std::chrono::days>(when);
  return format_fields(std::chrono::sys_days{day.time_since_epoch()}, when - day, "%04d-%02u-%02u %02d:%02d:%02d");
}

std::string format_date_time_utc(std::chrono::sys_seconds when) {
  return format_date_time(std::chrono::local_seconds{when.time_since_epoch()});
}

std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text) noexcept {
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const int year = number_at(text, 0, 4);
  const int month = number_at(text, 5, 2);
  const int day = number_at(text, 8, 2);
  const int hour = number_at(text, 11, 2);
  const int minute = number_at(text, 14, 2);
  const int second = number_at(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    const std::size_t fraction_start = ++at;
    while (at < text.size() && is_digit(text[at])) ++at;
    if (at == fraction_start) return std::nullopt;
  }
  std::chrono::seconds offset{0};
  if (at < text.size() && text[at] == 'Z') {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int offset_hours = number_at(text, at + 1, 2);
    const int offset_minutes = number_at(text, at + 4, 2);
    if (at + 6 > text.size() || text[at + 3] != ':' || offset_hours < 0 || offset_hours > 23 || offset_minutes < 0 ||
        offset_minutes > 59) {
      return std::nullopt;
    }
    offset = std::chrono::hours{offset_hours} + std::chrono::minutes{offset_minutes};
    if (text[at] == '-') offset = -offset;
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const auto local = std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                     std::chrono::seconds{second};
  return std::chrono::sys_seconds{local - offset};
}

/// Every event carries two or three dates: the 14 digits and 5 separators are checked with three
/// word compares, not one branch per byte.
std::optional<std::chrono::local_seconds> parse_date_time(std::string_view text) noexcept {
  if (text.size() != 19) return std::nullopt;
  const std::uint64_t date = word_at(text, 0);   // "YYYY-MM-"
  const std::uint64_t middle = word_at(text, 8);  // "DD HH:MM"
  const std::uint64_t time = word_at(text, 11);  // "HH:MM:SS"
  if (!matches_with_digits(date, at_byte(4, 0xff) | at_byte(7, 0xff), at_byte(4, '-') | at_byte(7, '-')) ||
      !matches_with_digits(middle, at_byte(2, 0xff) | at_byte(5, 0xff), at_byte(2, ' ') | at_byte(5, ':')) ||
      !matches_with_digits(time, at_byte(2, 0xff) | at_byte(5, 0xff), at_byte(2, ':') | at_byte(5, ':'))) {
    return std::nullopt;
  }
  const int year = two_digits(date, 0) * 100 + two_digits(date, 2);
  const int month = two_digits(date, 5);
  const int day = two_digits(middle, 0);
  const int hour = two_digits(time, 0);
  const int minute = two_digits(time, 3);
  const int second = two_digits(time, 6);
  const std::chrono::year_month_day calendar_date{std::chrono::year{year},
                                                  std::chrono::month(static_cast<unsigned>(month)),
                                                  std::chrono::day(static_cast<unsigned>(day))};
  if (!calendar_date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return std::chrono::local_days{calendar_date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}


std::optional<std::chrono::sys_seconds> parse_date_time_utc(std::string_view text) noexcept {
  const auto local = parse_date_time(text);
  if (!local) return std::nullopt;
  return std::chrono::sys_seconds{local->time_since_epoch()};
}

}  // namespace hookline::toolkit
