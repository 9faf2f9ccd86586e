#pragma once
// HMAC-SHA256 (RFC 2104) with the key set up once: the SHA-256 states after the key's inner and outer
// pads are computed when keying, and each message starts from a copy of them.

#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string_view>

namespace hookline::detail {

/// The size of an HMAC-SHA256 digest in bytes.
inline constexpr std::size_t hmac_sha256_size = 32;
/// An HMAC-SHA256 digest.
using HmacDigest = std::array<unsigned char, hmac_sha256_size>;

/// An HMAC-SHA256 key whose keyed OpenSSL digest contexts are computed once; digest() only reads them
/// (copying them into a context of its own), so one HmacKey may be used from several threads at once.
/// OpenSSL failures throw std::runtime_error.
class HmacKey {
 public:
  /// Keys the contexts with `key` (any length; keys longer than a SHA-256 block are hashed first).
  explicit HmacKey(std::string_view key);
  HmacKey(HmacKey&& other) noexcept;
  HmacKey& operator=(HmacKey&& other) noexcept;
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;
  ~HmacKey();

  /// The HMAC of the concatenation of `parts`, without building the concatenation.
  [[nodiscard]] HmacDigest digest(std::initializer_list<std::string_view> parts) const;

 private:
  struct Contexts;
  std::unique_ptr<Contexts> keyed_;
};

}  // namespace hookline::detail
