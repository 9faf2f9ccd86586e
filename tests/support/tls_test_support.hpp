#pragma once
// TLS for the HTTP suites: a throwaway certificate authority that issues server certificates for
// 127.0.0.1 as PEM files in a temporary directory (OpenSSL's API, nothing on disk outlives the
// test), client contexts that trust it (or offer only old protocols or weak ciphers), and a TLS
// Wire for RawConnection. Link OpenSSL::SSL.

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "http_test_support.hpp"
#include "inbox_test_support.hpp"

namespace hookline::test {

struct SslContextFree {
  void operator()(SSL_CTX* context) const noexcept { SSL_CTX_free(context); }
};
/// An owned OpenSSL context.
using SslContext = std::unique_ptr<SSL_CTX, SslContextFree>;

/// OpenSSL's queued errors as text, and the queue cleared.
inline std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(code, line, sizeof(line));
    text += (text.empty() ? "" : "; ") + std::string(line);
  }
  return text.empty() ? "no OpenSSL error" : text;
}

/// Throws with OpenSSL's errors when `ok` is false.
inline void require_openssl(bool ok, std::string_view what) {
  if (!ok) {
    throw std::runtime_error(std::string(what) + ": " + openssl_errors());
  }
}

/// A server certificate chain and key issued by a ThrowawayAuthority.
struct IssuedCertificate {
  std::filesystem::path chain;  ///< the certificate, then the authority's
  std::filesystem::path key;    ///< its unencrypted private key
  std::string common_name;      ///< the subject's CN, to tell certificates apart
};

/// A certificate authority that lives in a temporary directory for the test's length.
class ThrowawayAuthority {
 public:
  /// An authority whose certificate is named `name`.
  explicit ThrowawayAuthority(const std::string& name = "hookline test authority")
      : key_(new_key()), certificate_(make_certificate(name, *key_, nullptr, true)) {
    write_certificate(ca_file(), *certificate_, nullptr);
  }

  /// The authority's certificate (PEM), for clients that must trust it.
  [[nodiscard]] std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }
  /// The directory the files are in.
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

  /// A server certificate for 127.0.0.1 and localhost named `common_name`, valid for a day.
  [[nodiscard]] IssuedCertificate issue(const std::string& common_name) const {
    const auto key = new_key();
    const auto certificate = make_certificate(common_name, *key, this, false);
    IssuedCertificate issued{dir_.path() / (common_name + ".chain.pem"), dir_.path() / (common_name + ".key.pem"), common_name};
    write_certificate(issued.chain, *certificate, certificate_.get());
    const std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(issued.key.c_str(), "w"), &BIO_free);
    require_openssl(out && PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
                    "write a private key");
    return issued;
  }

  /// A client context that verifies servers against this authority, for protocol versions
  /// `min_version` to `max_version` (0: OpenSSL's bounds) and, when given, only the TLS 1.2
  /// `ciphers`. Security level 0, so that an old protocol or a weak cipher is offered at all and it
  /// is the server that refuses it.
  [[nodiscard]] SslContext client(int min_version = 0, int max_version = 0, const char* ciphers = nullptr) const {
    SslContext context(SSL_CTX_new(TLS_client_method()));
    require_openssl(context != nullptr, "create a client context");
    SSL_CTX_set_security_level(context.get(), 0);
    require_openssl(SSL_CTX_set_min_proto_version(context.get(), min_version) == 1 &&
                        SSL_CTX_set_max_proto_version(context.get(), max_version) == 1 &&
                        SSL_CTX_set_cipher_list(context.get(), ciphers != nullptr ? ciphers : "DEFAULT:@SECLEVEL=0") == 1 &&
                        SSL_CTX_load_verify_locations(context.get(), ca_file().c_str(), nullptr) == 1,
                    "configure a client context");
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    return context;
  }

 private:
  using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;

  static Key new_key() {
    Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    require_openssl(key != nullptr, "generate a key");
    return key;
  }

  /// A certificate for `key` named `common_name`, signed by `issuer` (self-signed when null).
  Certificate make_certificate(const std::string& common_name, EVP_PKEY& key, const ThrowawayAuthority* issuer,
                               bool authority) const {
    Certificate certificate(X509_new(), &X509_free);
    require_openssl(certificate != nullptr, "create a certificate");
    X509* cert = certificate.get();
    X509_set_version(cert, 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof(serial));
    serial[0] &= 0x7f;
    BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
    BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert));
    BN_free(number);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
    X509* signer = issuer != nullptr ? issuer->certificate_.get() : cert;
    X509_set_issuer_name(cert, X509_get_subject_name(signer));
    X509_set_pubkey(cert, &key);
    X509V3_CTX extensions;
    X509V3_set_ctx(&extensions, signer, cert, nullptr, nullptr, 0);
    const auto add = [&](int nid, const char* value) {
      X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &extensions, nid, value);
      require_openssl(extension != nullptr && X509_add_ext(cert, extension, -1) == 1, "add an extension");
      X509_EXTENSION_free(extension);
    };
    if (authority) {
      add(NID_basic_constraints, "critical,CA:TRUE");
      add(NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
      add(NID_basic_constraints, "critical,CA:FALSE");
      add(NID_key_usage, "critical,digitalSignature");
      add(NID_ext_key_usage, "serverAuth");
      add(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    }
    EVP_PKEY& signing_key = issuer != nullptr ? *issuer->key_ : key;
    require_openssl(X509_sign(cert, &signing_key, EVP_sha256()) > 0, "sign a certificate");
    return certificate;
  }

  /// Writes `certificate`, then `then` when given, as PEM to `path`.
  static void write_certificate(const std::filesystem::path& path, X509& certificate, X509* then) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(path.c_str(), "w"), &BIO_free);
    require_openssl(out && PEM_write_bio_X509(out.get(), &certificate) == 1 && (then == nullptr || PEM_write_bio_X509(out.get(), then) == 1),
                    "write a certificate");
  }

  TempDir dir_;
  Key key_;
  Certificate certificate_;
};

/// A TLS client session over a connected socket (RawConnection's wire).
class TlsWire final : public Wire {
 public:
  /// Connects a session over `socket` with `context`; throws when the handshake fails.
  TlsWire(int socket, SSL_CTX* context) : Wire(socket), owned_(SSL_new(context), &SSL_free), session_(owned_.get()) {
    std::signal(SIGPIPE, SIG_IGN);  // OpenSSL writes with send() without MSG_NOSIGNAL
    require_openssl(session_ != nullptr && SSL_set_fd(session_, socket) == 1, "create a client session");
    SSL_set1_host(session_, "127.0.0.1");
    require_openssl(SSL_connect(session_) == 1, "TLS handshake");
  }
  ~TlsWire() override = default;
  TlsWire(const TlsWire&) = delete;
  TlsWire& operator=(const TlsWire&) = delete;

  ssize_t send_some(std::string_view bytes) override {
    ERR_clear_error();
    const int n = SSL_write(session_, bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 20)));
    errno = 0;
    return n;
  }
  ssize_t receive_some(char* out, std::size_t size) override {
    ERR_clear_error();
    return SSL_read(session_, out, static_cast<int>(size));
  }
  [[nodiscard]] bool has_buffered_input() const override { return SSL_pending(session_) > 0; }

  /// The subject CN of the certificate the server presented.
  [[nodiscard]] std::string peer_common_name() const {
    const std::unique_ptr<X509, decltype(&X509_free)> peer(SSL_get1_peer_certificate(session_), &X509_free);
    char name[256] = {};
    if (peer) {
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer.get()), NID_commonName, name, sizeof(name));
    }
    return name;
  }
  /// Asks the server for a TLS 1.2 renegotiation; true when the server went along with it.
  [[nodiscard]] bool renegotiate() {
    ERR_clear_error();
    const bool renegotiated = SSL_renegotiate(session_) == 1 && SSL_do_handshake(session_) == 1 && read_after_renegotiation();
    ERR_clear_error();
    return renegotiated;
  }

  /// The negotiated protocol, e.g. "TLSv1.3".
  [[nodiscard]] std::string protocol() const { return SSL_get_version(session_); }

 private:
  /// A request after a renegotiation is answered (OpenSSL completes it while reading).
  bool read_after_renegotiation() {
    const std::string request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (SSL_write(session_, request.data(), static_cast<int>(request.size())) <= 0) {
      return false;
    }
    char response[256];
    return SSL_read(session_, response, sizeof(response)) > 0 && SSL_renegotiate_pending(session_) == 0;
  }

  std::unique_ptr<SSL, decltype(&SSL_free)> owned_;
  SSL* session_;
};

/// A RawConnection over TLS to 127.0.0.1:`port`; throws when the handshake fails.
inline RawConnection tls_connection(std::uint16_t port, SSL_CTX* context) {
  return RawConnection(std::make_unique<TlsWire>(connect_loopback(port), context));  // the wire closes the socket
}

/// The reason OpenSSL gives for a failed handshake with `context` on 127.0.0.1:`port` (e.g.
/// "tlsv1 alert protocol version"), or nullopt when the handshake succeeded.
inline std::optional<std::string> handshake_failure(std::uint16_t port, SSL_CTX* context) {
  try {
    (void)tls_connection(port, context);
    return std::nullopt;
  } catch (const std::runtime_error& failure) {
    return std::string(failure.what());
  }
}

/// The bytes a client with `context` opens its handshake with (its ClientHello), for tests that
/// send them themselves (slowly, or not at all).
inline std::string client_hello(SSL_CTX* context) {
  SSL* session = SSL_new(context);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(session, in, out);
  SSL_connect(session);  // wants to read the server's answer: the hello is in `out`
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string hello(data, static_cast<std::size_t>(size));
  SSL_free(session);
  ERR_clear_error();
  return hello;
}

}  // namespace hookline::test
