#include "detail/constant_time.hpp"

#include <openssl/crypto.h>

#include <cstdint>
#include <cstring>

namespace hookline::detail {

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}


// Every delivery's signature meets this once per secret: four word compares, where CRYPTO_memcmp's
// byte loop took as long as the rest of the header checks. The empty asm makes each word's
// difference opaque to the compiler, so it cannot stop early at the first one that differs.
bool constant_time_equals(const HmacDigest& a, const HmacDigest& b) noexcept {
  static_assert(std::tuple_size_v<HmacDigest> % sizeof(std::uint64_t) == 0, "digests are compared in whole words");
  std::uint64_t difference = 0;
  for (std::size_t at = 0; at < a.size(); at += sizeof(std::uint64_t)) {
    std::uint64_t word_a = 0;
    std::uint64_t word_b = 0;
    std::memcpy(&word_a, a.data() + at, sizeof(word_a));
    std::memcpy(&word_b, b.data() + at, sizeof(word_b));
    difference |= word_a ^ word_b;
    __asm__ volatile("" : "+r"(difference));
  }
  return difference == 0;
}

}  // namespace hookline::detail
