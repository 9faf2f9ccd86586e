#pragma once
// SHA-256 digests as text.

#include <string>
#include <string_view>

namespace hookline::detail {

/// The SHA-256 of `bytes` in lowercase hex (64 characters); an OpenSSL failure throws std::runtime_error.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace hookline::detail
