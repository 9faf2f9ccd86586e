#include "detail/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdexcept>

namespace hookline::detail {

namespace {

struct MacDeleter {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct MacContextDeleter {
  void operator()(EVP_MAC_CTX* context) const noexcept { EVP_MAC_CTX_free(context); }
};
using MacContextPtr = std::unique_ptr<EVP_MAC_CTX, MacContextDeleter>;

// Fetched once per process: fetching is the slow part of setting up an EVP_MAC.
EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> algorithm{EVP_MAC_fetch(nullptr, "HMAC", nullptr)};
  if (!algorithm) throw std::runtime_error("OpenSSL: HMAC is not available");
  return algorithm.get();
}

}  // namespace

struct HmacKey::Context {
  MacContextPtr context;
};

HmacKey::HmacKey(std::string_view key) : keyed_(std::make_unique<Context>()) {
  keyed_->context.reset(EVP_MAC_CTX_new(hmac_algorithm()));
  if (!keyed_->context) throw std::runtime_error("OpenSSL: cannot allocate an HMAC context");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(keyed_->context.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
    throw std::runtime_error("OpenSSL: cannot key an HMAC-SHA256 context");
  }
}

HmacKey::HmacKey(HmacKey&& other) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&& other) noexcept = default;
HmacKey::~HmacKey() = default;

HmacDigest HmacKey::digest(std::initializer_list<std::string_view> parts) const {
  const MacContextPtr context{EVP_MAC_CTX_dup(keyed_->context.get())};
  if (!context) throw std::runtime_error("OpenSSL: cannot copy an HMAC context");
  for (const auto part : parts) {
    if (part.empty()) continue;
    if (EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size()) != 1) {
      throw std::runtime_error("OpenSSL: HMAC update failed");
    }
  }
  HmacDigest result{};
  std::size_t written = 0;
  if (EVP_MAC_final(context.get(), result.data(), &written, result.size()) != 1 || written != result.size()) {
    throw std::runtime_error("OpenSSL: HMAC final failed");
  }
  return result;
}

}  // namespace hookline::detail
