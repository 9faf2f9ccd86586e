#include "detail/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace hookline::detail {

namespace {

constexpr std::size_t sha256_block_size = 64;
constexpr unsigned char inner_pad_byte = 0x36;
constexpr unsigned char outer_pad_byte = 0x5c;

struct DigestDeleter {
  void operator()(EVP_MD* digest) const noexcept { EVP_MD_free(digest); }
};
struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};
using DigestContextPtr = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

void check(int openssl_result, const char* what) {
  if (openssl_result != 1) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

// Fetched once per process: fetching is the slow part of setting up a digest.
const EVP_MD* sha256() {
  static const std::unique_ptr<EVP_MD, DigestDeleter> algorithm{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  if (!algorithm) throw std::runtime_error("OpenSSL: SHA-256 is not available");
  return algorithm.get();
}

DigestContextPtr new_context() {
  DigestContextPtr context{EVP_MD_CTX_new()};
  if (!context) throw std::runtime_error("OpenSSL: cannot allocate a digest context");
  return context;
}

// A SHA-256 context that has absorbed one block: the key padded to the block size, XORed with `pad`.
DigestContextPtr padded_key_context(const std::array<unsigned char, sha256_block_size>& block, unsigned char pad) {
  std::array<unsigned char, sha256_block_size> padded{};
  std::transform(block.begin(), block.end(), padded.begin(), [pad](unsigned char b) { return static_cast<unsigned char>(b ^ pad); });
  auto context = new_context();
  check(EVP_DigestInit_ex(context.get(), sha256(), nullptr), "SHA-256 init");
  check(EVP_DigestUpdate(context.get(), padded.data(), padded.size()), "SHA-256 update");
  OPENSSL_cleanse(padded.data(), padded.size());
  return context;
}

}  // namespace

struct HmacKey::Contexts {
  DigestContextPtr inner;
  DigestContextPtr outer;
};

HmacKey::HmacKey(std::string_view key) : keyed_(std::make_unique<Contexts>()) {
  std::array<unsigned char, sha256_block_size> block{};
  if (key.size() > sha256_block_size) {
    unsigned int written = 0;
    check(EVP_Digest(key.data(), key.size(), block.data(), &written, sha256(), nullptr), "SHA-256 of a long key");
  } else {
    std::copy(key.begin(), key.end(), reinterpret_cast<char*>(block.data()));
  }
  keyed_->inner = padded_key_context(block, inner_pad_byte);
  keyed_->outer = padded_key_context(block, outer_pad_byte);
  OPENSSL_cleanse(block.data(), block.size());
}

HmacKey::HmacKey(HmacKey&& other) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&& other) noexcept = default;
HmacKey::~HmacKey() = default;

HmacDigest HmacKey::digest(std::initializer_list<std::string_view> parts) const {
  const auto context = new_context();
  check(EVP_MD_CTX_copy_ex(context.get(), keyed_->inner.get()), "copying the inner HMAC state");
  for (const auto part : parts) {
    if (!part.empty()) check(EVP_DigestUpdate(context.get(), part.data(), part.size()), "SHA-256 update");
  }
  HmacDigest inner_digest{};
  check(EVP_DigestFinal_ex(context.get(), inner_digest.data(), nullptr), "SHA-256 final");

  check(EVP_MD_CTX_copy_ex(context.get(), keyed_->outer.get()), "copying the outer HMAC state");
  check(EVP_DigestUpdate(context.get(), inner_digest.data(), inner_digest.size()), "SHA-256 update");
  HmacDigest result{};
  check(EVP_DigestFinal_ex(context.get(), result.data(), nullptr), "SHA-256 final");
  return result;
}

}  // namespace hookline::detail
