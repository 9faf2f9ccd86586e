#include "detail/transport.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <utility>

namespace hookline::detail {
namespace {

/// Mozilla's "intermediate" TLS 1.2 ciphers without the DHE ones: ECDHE key exchange with AES-GCM
/// or ChaCha20-Poly1305 (https://wiki.mozilla.org/Security/Server_Side_TLS). TLS 1.3 keeps
/// OpenSSL's defaults, which are those AEAD suites.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
/// Mozilla's "intermediate" key exchange groups.
constexpr const char* tls_groups = "X25519:prime256v1:secp384r1";
/// Larger files are no certificate chain or key this server should read.
constexpr std::size_t max_pem_bytes = std::size_t{1} << 20;

/// Waits up to one poll slice for `events` on `socket`.
void wait_for(int socket, short events) {
  pollfd descriptor{socket, events, 0};
  ::poll(&descriptor, 1, static_cast<int>(poll_slice.count()));
}

/// OpenSSL's first queued error as text (then clears the queue); "unknown error" when none.
std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown error";
  }
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

/// A file's bytes, or why it cannot be read (the system's words, e.g. "No such file or directory").
Result<std::string, std::string> read_pem_file(const std::filesystem::path& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    return fail(std::string(std::strerror(errno)));
  }
  std::string bytes;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0 && bytes.size() <= max_pem_bytes) {
    bytes.append(buffer.data(), n);
  }
  const int error = errno;
  OPENSSL_cleanse(buffer.data(), buffer.size());
  if (std::ferror(file.get()) != 0) {
    return fail(std::string(std::strerror(error)));
  }
  if (bytes.size() > max_pem_bytes) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return fail(std::string("larger than 1 MiB"));
  }
  return bytes;
}

/// Wipes a string's bytes (a private key's) when it goes out of scope, however the scope ends.
struct WipedOnExit {
  explicit WipedOnExit(std::string& wiped) noexcept : bytes(wiped) {}
  std::string& bytes;
  WipedOnExit(const WipedOnExit&) = delete;
  WipedOnExit& operator=(const WipedOnExit&) = delete;
  ~WipedOnExit() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

/// Refuses to ask for a passphrase: a key must be stored unencrypted (with the file's mode to protect it).
int no_passphrase(char*, int, int, void*) { return 0; }

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const noexcept { X509_free(certificate); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};

/// A read-only memory BIO over `bytes`.
std::unique_ptr<BIO, BioFree> memory_bio(const std::string& bytes) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

/// The protocol rules of every hookline listener.
Status<std::string> configure_protocol(SSL_CTX* context) {
  SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  // No resumption: tickets would need key rotation of their own; a webhook sender keeps its
  // connection alive instead.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1 || SSL_CTX_set_num_tickets(context, 0) != 1 ||
      SSL_CTX_set_cipher_list(context, tls12_ciphers) != 1 || SSL_CTX_set1_groups_list(context, tls_groups) != 1) {
    return fail("cannot set the TLS protocol rules: " + openssl_error());
  }
  return {};
}

/// Loads the certificate chain (the server's certificate first, then intermediates) from `pem`.
Status<std::string> use_certificate_chain(SSL_CTX* context, const std::string& pem, const std::string& name) {
  const auto bio = memory_bio(pem);
  const std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, nullptr));
  if (!leaf) {
    ERR_clear_error();
    return fail(name + " holds no PEM certificate");
  }
  if (SSL_CTX_use_certificate(context, leaf.get()) != 1) {
    return fail(name + ": " + openssl_error());
  }
  while (X509* intermediate = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    if (SSL_CTX_add0_chain_cert(context, intermediate) != 1) {
      X509_free(intermediate);
      return fail(name + ": " + openssl_error());
    }
  }
  // The loop ends at the first block that is no certificate: the end of the file, or damage.
  const unsigned long last = ERR_peek_last_error();
  ERR_clear_error();
  if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
    return fail(name + " holds a malformed certificate after the first");
  }
  return {};
}

/// Loads the private key from `pem` and checks that it belongs to the certificate loaded before.
Status<std::string> use_private_key(SSL_CTX* context, const std::string& pem, const std::string& name,
                                    const std::string& chain_name) {
  const auto bio = memory_bio(pem);
  const std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    return fail(name + " holds no PEM private key (an encrypted key is refused: store it unencrypted, readable by this server only)");
  }
  if (X509_check_private_key(SSL_CTX_get0_certificate(context), key.get()) != 1) {
    ERR_clear_error();
    return fail(name + " does not match the certificate in " + chain_name);
  }
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1) {
    return fail(name + ": " + openssl_error());
  }
  return {};
}

class PlainTransport final : public Transport {
 public:
  using Transport::Transport;

  Io read_some(char* out, std::size_t size) override {
    const auto n = ::recv(socket(), out, size, 0);
    if (n > 0) {
      return {Io::Kind::moved, static_cast<std::size_t>(n)};
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? Io{Io::Kind::waiting} : Io{};
  }

  Io write_some(const char* data, std::size_t size) override {
    const auto n = ::send(socket(), data, size, MSG_NOSIGNAL);
    if (n > 0) {
      return {Io::Kind::moved, static_cast<std::size_t>(n)};
    }
    return n == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Io{Io::Kind::waiting} : Io{};
  }

  [[nodiscard]] bool has_buffered_input() const override { return false; }
  void finish() noexcept override {}
};

/// A TLS session over a non-blocking socket: every call returns after one record's worth of work
/// or one poll slice, however the peer paces its bytes.
class TlsTransport final : public Transport {
 public:
  TlsTransport(int socket, SSL* session) noexcept : Transport(socket), session_(session) {}
  ~TlsTransport() override { SSL_free(session_); }
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  /// One step of the server handshake: true once it completed; false with `waiting` set while it
  /// needs more bytes or room, false with `waiting` clear once it failed.
  bool handshake_step(bool& waiting) {
    ERR_clear_error();
    const int result = SSL_accept(session_);
    if (result == 1) {
      return true;
    }
    waiting = after(result).kind == Io::Kind::waiting;
    return false;
  }

  Io read_some(char* out, std::size_t size) override {
    ERR_clear_error();
    const int n = SSL_read(session_, out, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    return n > 0 ? Io{Io::Kind::moved, static_cast<std::size_t>(n)} : after(n);
  }

  Io write_some(const char* data, std::size_t size) override {
    ERR_clear_error();
    const int n = SSL_write(session_, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    return n > 0 ? Io{Io::Kind::moved, static_cast<std::size_t>(n)} : after(n);
  }

  [[nodiscard]] bool has_buffered_input() const override { return SSL_pending(session_) > 0; }

  void finish() noexcept override {
    if (intact_) {
      SSL_shutdown(session_);  // sends close_notify; the peer's is not awaited
    }
    ERR_clear_error();
  }

 private:
  /// What a failed call means; waits for the socket when the session needs it.
  Io after(int result) {
    switch (SSL_get_error(session_, result)) {
      case SSL_ERROR_WANT_READ:
        wait_for(socket(), POLLIN);
        return {Io::Kind::waiting};
      case SSL_ERROR_WANT_WRITE:
        wait_for(socket(), POLLOUT);
        return {Io::Kind::waiting};
      case SSL_ERROR_ZERO_RETURN:
        return {};
      default:
        // After a protocol or system error OpenSSL allows no further call, close_notify included.
        intact_ = false;
        ERR_clear_error();
        return {};
    }
  }

  SSL* session_;
  bool intact_ = true;
};

}  // namespace

std::unique_ptr<Transport> plain_transport(int socket) { return std::make_unique<PlainTransport>(socket); }

Result<TlsContext, std::string> load_tls_context(const TlsFiles& files) {
  const std::string chain_name = "the TLS certificate chain " + files.certificate_chain.string();
  const std::string key_name = "the TLS private key " + files.private_key.string();
  auto chain = read_pem_file(files.certificate_chain);
  if (!chain) {
    return fail("cannot read " + chain_name + ": " + chain.error());
  }
  auto key = read_pem_file(files.private_key);
  if (!key) {
    return fail("cannot read " + key_name + ": " + key.error());
  }
  const WipedOnExit wipe_key{*key};

  TlsContext context(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!context) {
    return fail("cannot create a TLS context: " + openssl_error());
  }
  if (auto configured = configure_protocol(context.get()); !configured) {
    return fail(std::move(configured.error()));
  }
  if (auto loaded = use_certificate_chain(context.get(), *chain, chain_name); !loaded) {
    return fail(std::move(loaded.error()));
  }
  if (auto loaded = use_private_key(context.get(), *key, key_name, files.certificate_chain.string()); !loaded) {
    return fail(std::move(loaded.error()));
  }
  return context;
}

TlsContext TlsContextSlot::current() const {
  const std::lock_guard lock(mutex_);
  return context_;
}

void TlsContextSlot::set(TlsContext context) {
  const std::lock_guard lock(mutex_);
  context_ = std::move(context);
}

std::unique_ptr<Transport> accept_tls(int socket, const TlsContext& context, SteadyClock::time_point deadline,
                                      const std::atomic<bool>& stopping) {
  SSL* session = context ? SSL_new(context.get()) : nullptr;
  if (session == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  auto transport = std::make_unique<TlsTransport>(socket, session);
  if (SSL_set_fd(session, socket) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  while (!stopping.load(std::memory_order_relaxed) && SteadyClock::now() < deadline) {
    bool waiting = false;
    if (transport->handshake_step(waiting)) {
      return transport;
    }
    if (!waiting) {
      return nullptr;
    }
  }
  return nullptr;
}

}  // namespace hookline::detail
