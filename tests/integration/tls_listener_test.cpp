// The TLS listener's own rules through real sockets on 127.0.0.1 (the HTTP rules it shares with
// the plain listener run in http_server_test.cpp on both): plaintext and old protocols or ciphers
// refused, handshakes that stall or dribble let go of their thread, clear start errors for bad
// certificate and key files, reloading the certificate for new connections only, and the Sender
// (and `hookline replay`) speaking HTTPS with verified certificates.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "hookline/http_server.hpp"
#include "hookline/sender.hpp"
#include "http_server_support.hpp"
#include "printing.hpp"
#include "run_hookline.hpp"

namespace hookline {
inline std::ostream& operator<<(std::ostream& out, SendError error) { return out << to_string(error); }
}  // namespace hookline

namespace {

using namespace hookline;
using namespace hookline::test;
namespace fs = std::filesystem;

/// A VRIO signer with http_test_secret, of its own.
Signer new_vrio_signer() {
  const std::vector<Secret> secrets{Secret(std::string(http_test_secret))};
  auto signer = Signer::create(Scheme::vrio, secrets);
  if (!signer) {
    throw std::runtime_error("cannot create the signer");
  }
  return std::move(*signer);
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string read_file(const fs::path& path) { return cli_tests::slurp(path); }

/// Options whose TLS files are `certificate`'s, with a one-second read timeout (the handshake's bound).
ServerOptions tls_options(const IssuedCertificate& certificate) {
  ServerOptions options;
  options.tls = TlsFiles{certificate.chain, certificate.key};
  options.read_timeout = 1s;
  return options;
}

/// The common name of the certificate a new TLS connection to `port` is shown.
std::string certificate_seen(std::uint16_t port) {
  auto connection = tls_connection(port, trusting_client());
  return dynamic_cast<TlsWire&>(connection.wire()).peer_common_name();
}

/// A server with `options` that answers GET /hello, started; throws when it does not start.
struct HelloServer {
  explicit HelloServer(ServerOptions options) : server(std::move(options)) {
    server.route("GET", "/hello", [](const HttpRequest&) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = "hello";
      return response;
    });
    const auto started = server.start();
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
  }
  WebhookServer server;
};

const std::string hello_request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/// TLS files a server must refuse to start with, and what the error must say.
struct BadFiles {
  const char* name;
  /// Writes the files into `dir` (from the authority's `good` ones) and returns them.
  std::function<TlsFiles(const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate& other)> make;
  /// A part of the error message.
  std::string says;
};

std::ostream& operator<<(std::ostream& out, const BadFiles& files) { return out << files.name; }

const BadFiles bad_files[] = {
    {"missing_certificate",
     [](const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate&) {
       return TlsFiles{dir / "absent.pem", good.key};
     },
     "cannot read the TLS certificate chain "},
    {"missing_key",
     [](const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate&) {
       return TlsFiles{good.chain, dir / "absent-key.pem"};
     },
     "absent-key.pem: No such file or directory"},
    {"certificate_is_a_directory",
     [](const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate&) { return TlsFiles{dir, good.key}; },
     "Is a directory"},
    {"certificate_not_pem",
     [](const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate&) {
       write_file(dir / "garbage.pem", "this is not a certificate\n");
       return TlsFiles{dir / "garbage.pem", good.key};
     },
     "holds no PEM certificate"},
    {"certificate_empty",
     [](const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate&) {
       write_file(dir / "empty.pem", "");
       return TlsFiles{dir / "empty.pem", good.key};
     },
     "holds no PEM certificate"},
    {"key_not_pem",
     [](const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate&) {
       write_file(dir / "garbage-key.pem", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
       return TlsFiles{good.chain, dir / "garbage-key.pem"};
     },
     "holds no PEM private key"},
    {"files_swapped",
     [](const fs::path&, const IssuedCertificate& good, const IssuedCertificate&) { return TlsFiles{good.key, good.chain}; },
     "holds no PEM certificate"},
    {"key_of_another_certificate",
     [](const fs::path&, const IssuedCertificate& good, const IssuedCertificate& other) { return TlsFiles{good.chain, other.key}; },
     "does not match the certificate in "},
    {"encrypted_key",
     [](const fs::path& dir, const IssuedCertificate& good, const IssuedCertificate&) {
       // The same key, encrypted with a passphrase the server is never given.
       const auto key_bio = std::unique_ptr<BIO, decltype(&BIO_free)>(BIO_new_file(good.key.c_str(), "r"), &BIO_free);
       const auto key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>(
           PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
       const auto path = dir / "encrypted-key.pem";
       const auto out = std::unique_ptr<BIO, decltype(&BIO_free)>(BIO_new_file(path.c_str(), "w"), &BIO_free);
       char passphrase[] = "passphrase";
       require_openssl(key && out &&
                           PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), passphrase,
                                                         sizeof(passphrase) - 1, nullptr, nullptr) == 1,
                       "write an encrypted key");
       return TlsFiles{good.chain, path};
     },
     "an encrypted key is refused"},
};

/// Protocol versions the listener must refuse.
const int old_protocols[] = {TLS1_VERSION, TLS1_1_VERSION};

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_listener)

BOOST_AUTO_TEST_CASE(plain_http_is_refused) {
  HelloServer running(tls_options(server_certificate()));
  RawConnection plain(running.server.port());
  BOOST_REQUIRE(plain.send(hello_request));
  BOOST_TEST(!plain.read_response(2s).has_value());
  BOOST_TEST(plain.closed_by_peer());
}

BOOST_AUTO_TEST_CASE(tls_1_3_is_negotiated_and_serves) {
  HelloServer running(tls_options(server_certificate()));
  auto connection = tls_connection(running.server.port(), trusting_client());
  BOOST_TEST(dynamic_cast<TlsWire&>(connection.wire()).protocol() == "TLSv1.3");
  const auto response = connection.exchange(hello_request);
  BOOST_REQUIRE(response);
  BOOST_TEST(response->body == "hello");
}

BOOST_DATA_TEST_CASE(protocols_older_than_tls_1_2_are_refused, boost::unit_test::data::make(old_protocols), version) {
  HelloServer running(tls_options(server_certificate()));
  // The client offers the old protocol at security level 0: the refusal is the server's.
  const auto old_client = test_authority().client(version, version);
  const auto refused = handshake_failure(running.server.port(), old_client.get());
  BOOST_REQUIRE(refused);
  BOOST_TEST(refused->find("alert protocol version") != std::string::npos, *refused);
  const auto tls12_client = test_authority().client(TLS1_2_VERSION, TLS1_2_VERSION);
  BOOST_TEST(!handshake_failure(running.server.port(), tls12_client.get()));
}

BOOST_AUTO_TEST_CASE(tls_1_2_takes_only_aead_ciphers_with_ecdhe) {
  HelloServer running(tls_options(server_certificate()));
  for (const char* weak : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256"}) {
    const auto client = test_authority().client(TLS1_2_VERSION, TLS1_2_VERSION, weak);
    const auto refused = handshake_failure(running.server.port(), client.get());
    BOOST_REQUIRE_MESSAGE(refused, weak);
    BOOST_TEST(refused->find("alert handshake failure") != std::string::npos, *refused);
  }
  for (const char* strong : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
    const auto client = test_authority().client(TLS1_2_VERSION, TLS1_2_VERSION, strong);
    BOOST_TEST(!handshake_failure(running.server.port(), client.get()), strong);
  }
}

BOOST_AUTO_TEST_CASE(a_client_asking_to_renegotiate_is_refused) {
  // The server sets SSL_OP_NO_RENEGOTIATION; OpenSSL 3 also refuses a client's renegotiation unless
  // SSL_OP_ALLOW_CLIENT_RENEGOTIATION is set: this guards against either changing.
  HelloServer running(tls_options(server_certificate()));
  const auto client = test_authority().client(TLS1_2_VERSION, TLS1_2_VERSION);
  auto connection = tls_connection(running.server.port(), client.get());
  BOOST_REQUIRE(connection.exchange(hello_request));
  BOOST_TEST(!dynamic_cast<TlsWire&>(connection.wire()).renegotiate());
}

BOOST_AUTO_TEST_CASE(a_stalled_handshake_lets_go_of_its_thread_within_the_read_timeout) {
  auto options = tls_options(server_certificate());
  options.threads = 1;  // the stalled connection holds the only thread
  HelloServer running(options);
  const auto started = std::chrono::steady_clock::now();
  RawConnection stalled(running.server.port());
  auto waiting = std::async(std::launch::async, [&running] {
    return tls_connection(running.server.port(), trusting_client()).exchange(hello_request, 4s);
  });
  // Released at the read timeout (1 s), with room for a busy machine.
  BOOST_TEST(stalled.closed_by_peer(4s));
  BOOST_TEST((std::chrono::steady_clock::now() - started < 3500ms));
  const auto served = waiting.get();
  BOOST_REQUIRE(served);
  BOOST_TEST(served->body == "hello");
}

BOOST_AUTO_TEST_CASE(a_dribbled_handshake_is_cut_off_at_the_read_timeout) {
  HelloServer running(tls_options(server_certificate()));
  const std::string hello = client_hello(trusting_client());
  BOOST_REQUIRE(hello.size() > 200U);
  RawConnection dribbler(running.server.port());
  const auto started = std::chrono::steady_clock::now();
  bool closed = false;
  // One byte every 50 ms: the whole hello would take over 10 s; each byte keeps the socket busy.
  for (std::size_t at = 0; at < hello.size() && !closed; ++at) {
    closed = !dribbler.send(hello.substr(at, 1)) || dribbler.closed_by_peer(50ms);
  }
  BOOST_TEST(closed);
  // Cut at the read timeout (1 s), with room for a busy machine; the whole hello would take seconds more.
  BOOST_TEST((std::chrono::steady_clock::now() - started < 3500ms));
}

BOOST_DATA_TEST_CASE(bad_certificate_or_key_files_are_a_clear_start_error, boost::unit_test::data::make(bad_files), files) {
  TempDir dir;
  const auto other = test_authority().issue("other-server");
  ServerOptions options;
  options.tls = files.make(dir.path(), server_certificate(), other);
  WebhookServer server(options);
  const auto started = server.start();
  BOOST_REQUIRE(!started);
  BOOST_TEST(started.error().message.find(files.says) != std::string::npos, started.error().message);
  BOOST_TEST(server.port() == 0);
}

BOOST_AUTO_TEST_CASE(reload_serves_new_connections_with_the_new_certificate_and_keeps_open_ones) {
  TempDir dir;
  const auto first = test_authority().issue("first-server");
  const auto second = test_authority().issue("second-server");
  const TlsFiles live{dir.path() / "chain.pem", dir.path() / "key.pem"};
  fs::copy_file(first.chain, live.certificate_chain);
  fs::copy_file(first.key, live.private_key);
  ServerOptions options;
  options.tls = live;
  HelloServer running(options);
  auto open = tls_connection(running.server.port(), trusting_client());
  BOOST_REQUIRE(open.exchange(hello_request));
  BOOST_TEST(certificate_seen(running.server.port()) == "first-server");

  write_file(live.certificate_chain, read_file(second.chain));
  write_file(live.private_key, read_file(second.key));
  BOOST_REQUIRE(running.server.reload_tls());
  BOOST_TEST(certificate_seen(running.server.port()) == "second-server");
  // The connection opened before keeps its session and is still served.
  const auto again = open.exchange(hello_request);
  BOOST_REQUIRE(again);
  BOOST_TEST(again->body == "hello");
  BOOST_TEST(dynamic_cast<TlsWire&>(open.wire()).peer_common_name() == "first-server");

  // A failed reload says why and changes nothing.
  write_file(live.private_key, read_file(first.key));
  const auto mismatched = running.server.reload_tls();
  BOOST_REQUIRE(!mismatched);
  BOOST_TEST(mismatched.error().message.find("does not match the certificate") != std::string::npos, mismatched.error().message);
  BOOST_TEST(certificate_seen(running.server.port()) == "second-server");
}

BOOST_AUTO_TEST_CASE(reload_on_a_plain_listener_says_there_is_nothing_to_reload) {
  HelloServer running(ServerOptions{});
  const auto reloaded = running.server.reload_tls();
  BOOST_REQUIRE(!reloaded);
  BOOST_TEST(reloaded.error().message.find("no TLS files") != std::string::npos, reloaded.error().message);
}

BOOST_AUTO_TEST_CASE(the_sender_delivers_over_https_to_a_certificate_it_trusts) {
  RunningServer running(Listener::tls);
  SenderOptions options;
  options.ca_file = test_authority().ca_file();
  const Sender sender(new_vrio_signer(), options);
  const std::string url = "https://127.0.0.1:" + std::to_string(running.port()) + "/webhooks/vrio";
  const auto attempt = sender.send({url, vrio_body("https-1"), "https-1", {}}, std::chrono::sys_seconds{});
  BOOST_TEST(!attempt.error.has_value());
  BOOST_TEST(attempt.status == 200);
  BOOST_TEST(attempt.response_body == R"({"status":"accepted"})");
  const auto again = sender.send({url, vrio_body("https-1"), "https-1", {}}, std::chrono::sys_seconds{});
  BOOST_TEST(again.response_body == R"({"status":"duplicate"})");
  BOOST_TEST(running.handled_ids() == std::vector<std::string>{"https-1"});
}

BOOST_AUTO_TEST_CASE(the_sender_tells_tls_failures_apart) {
  RunningServer tls_server(Listener::tls);
  RunningServer plain_server(Listener::plain);
  const auto url = [](std::string_view scheme, std::string_view host, std::uint16_t port) {
    return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(port) + "/webhooks/vrio";
  };
  const auto send = [](const std::string& to, std::optional<fs::path> ca_file) {
    SenderOptions options;
    options.ca_file = std::move(ca_file);
    return Sender(new_vrio_signer(), options).send({to, vrio_body("https-fail"), "https-fail", {}}, std::chrono::sys_seconds{});
  };

  // Verified against the system's CAs, which do not include the test authority.
  const auto untrusted = send(url("https", "127.0.0.1", tls_server.port()), std::nullopt);
  BOOST_TEST(untrusted.error == std::optional<SendError>(SendError::certificate_rejected));
  // The server's chain ends in the test authority's self-signed certificate, which nothing trusts.
  BOOST_TEST(untrusted.error_detail == "the certificate of 127.0.0.1:" + std::to_string(tls_server.port()) +
                                          " is rejected: self-signed certificate in certificate chain");
  // Another authority's CA file.
  const ThrowawayAuthority stranger("a stranger authority");
  const auto foreign = send(url("https", "127.0.0.1", tls_server.port()), stranger.ca_file());
  BOOST_TEST(foreign.error == std::optional<SendError>(SendError::certificate_rejected));
  BOOST_TEST(foreign.error_detail.ends_with(" is rejected: self-signed certificate in certificate chain"), foreign.error_detail);
  // A plain HTTP endpoint behind an https URL.
  const auto plain = send(url("https", "127.0.0.1", plain_server.port()), test_authority().ca_file());
  BOOST_TEST(plain.error == std::optional<SendError>(SendError::tls_failed));
  BOOST_TEST(plain.error_detail == "the TLS handshake with 127.0.0.1:" + std::to_string(plain_server.port()) +
                                      " failed (is it a plain http:// endpoint?)");
  // A CA file that is not there.
  const auto no_ca = send(url("https", "127.0.0.1", tls_server.port()), fs::path("/nonexistent/ca.pem"));
  BOOST_TEST(no_ca.error == std::optional<SendError>(SendError::tls_failed));
  BOOST_TEST(no_ca.error_detail == "cannot load CA certificates from /nonexistent/ca.pem");
  BOOST_TEST(tls_server.handled_ids().empty());
}

BOOST_AUTO_TEST_CASE(the_sender_checks_that_the_certificate_names_the_host) {
  // The certificate names 127.0.0.1 and localhost; the server listens on 127.0.0.2 as well.
  auto options = tls_options(server_certificate());
  options.listen.host = "127.0.0.2";
  HelloServer running(options);
  SenderOptions sender_options;
  sender_options.ca_file = test_authority().ca_file();
  const auto attempt = Sender(sender_options).send(
      {"https://127.0.0.2:" + std::to_string(running.server.port()) + "/hello", "{}", "host-1", {}}, std::chrono::sys_seconds{});
  BOOST_TEST(attempt.error == std::optional<SendError>(SendError::certificate_rejected));
  BOOST_TEST(attempt.error_detail == "the certificate of 127.0.0.2:" + std::to_string(running.server.port()) +
                                         " does not name the host");
}

BOOST_AUTO_TEST_CASE(hookline_replay_delivers_to_a_tls_listener_with_openssls_ca_variables) {
  RunningServer running(Listener::tls);
  TempDir dir;
  write_file(dir.path() / "event.json", vrio_body("replay-tls-1"));
  ::setenv("TLS_SUITE_SECRET", std::string(http_test_secret).c_str(), 1);
  const std::string arguments = "'" + (dir.path() / "event.json").string() + "' --to https://127.0.0.1:" +
                                std::to_string(running.port()) + "/webhooks/vrio --scheme vrio --secret-env TLS_SUITE_SECRET";
  const auto untrusted = cli_tests::run_hookline("replay " + arguments);
  BOOST_TEST(untrusted.exit_code == 1, untrusted.out + untrusted.err);
  BOOST_TEST(untrusted.out.find(" is rejected: self-signed certificate in certificate chain x1") != std::string::npos,
             untrusted.out);
  // OpenSSL reads SSL_CERT_FILE for the CA certificates it trusts by default.
  ::setenv("SSL_CERT_FILE", test_authority().ca_file().c_str(), 1);
  const auto trusted = cli_tests::run_hookline("replay " + arguments);
  ::unsetenv("SSL_CERT_FILE");
  BOOST_TEST(trusted.exit_code == 0, trusted.out + trusted.err);
  BOOST_TEST(trusted.out.find("sent 1, 2xx 1 (accepted 1, duplicate 0, quarantined 0), failed 0") != std::string::npos,
             trusted.out);
  // --ca-file trusts the authority too; the same event again is a duplicate, counted apart.
  const auto again = cli_tests::run_hookline("replay " + arguments + " --ca-file '" + test_authority().ca_file().string() + "'");
  BOOST_TEST(again.exit_code == 0, again.out + again.err);
  BOOST_TEST(again.out.find("sent 1, 2xx 1 (accepted 0, duplicate 1, quarantined 0), failed 0") != std::string::npos,
             again.out);
  BOOST_TEST(running.handled_ids() == std::vector<std::string>{"replay-tls-1"});
}

BOOST_AUTO_TEST_SUITE_END()
