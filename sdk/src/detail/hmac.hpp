#pragma once
// HMAC-SHA256 with a key set up once and a cheap per-message copy of the keyed context.

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

/// An HMAC-SHA256 key whose OpenSSL context is keyed once; digest() copies that context per message, so
/// one HmacKey may be used from several threads at once. OpenSSL failures throw std::runtime_error.
class HmacKey {
 public:
  /// Keys a context with `key` (which must not be empty).
  explicit HmacKey(std::string_view key);
  HmacKey(HmacKey&& other) noexcept;
  HmacKey& operator=(HmacKey&& other) noexcept;
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;
  ~HmacKey();

  /// The HMAC of the concatenation of `parts`, without building the concatenation.
  [[nodiscard]] HmacDigest digest(std::initializer_list<std::string_view> parts) const;

 private:
  struct Context;
  std::unique_ptr<Context> keyed_;
};

}  // namespace hookline::detail
