#pragma once
// How the bytes of one accepted connection move: straight over the socket, or through a TLS session
// of the adapter's own (OpenSSL), so that both get every rule of ConnectionStream.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <openssl/types.h>

#include "hookline/http_server.hpp"
#include "hookline/result.hpp"

namespace hookline::detail {

using SteadyClock = std::chrono::steady_clock;

/// How long one wait on a socket lasts at most, so that a stopping server and a passed deadline
/// are noticed quickly.
inline constexpr std::chrono::milliseconds poll_slice{100};

/// What one read or write did.
struct Io {
  enum class Kind {
    moved,    ///< `bytes` bytes were read or written
    waiting,  ///< nothing yet, after waiting at most one poll_slice: try again
    ended,    ///< the peer closed the connection, or it failed: no byte will move again
  };
  Kind kind = Kind::ended;
  std::size_t bytes = 0;
};

/// One connection's way of moving bytes. Each call waits at most poll_slice, so the caller keeps
/// its own deadlines and notices a stop.
class Transport {
 public:
  explicit Transport(int socket) noexcept : socket_(socket) {}
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  virtual ~Transport() = default;

  /// Reads up to `size` bytes (size > 0) of what arrived.
  virtual Io read_some(char* out, std::size_t size) = 0;
  /// Writes a first part of `data` (size > 0).
  virtual Io write_some(const char* data, std::size_t size) = 0;
  /// True when received bytes wait inside the transport, not in the socket (decrypted TLS records).
  [[nodiscard]] virtual bool has_buffered_input() const = 0;
  /// Ends the session before the socket closes (TLS: close_notify); nothing for plain TCP.
  virtual void finish() noexcept = 0;

  /// The connection's socket.
  [[nodiscard]] int socket() const noexcept { return socket_; }

 private:
  int socket_;
};

/// Plain TCP over `socket`, whose receive and send timeouts must be poll_slice.
[[nodiscard]] std::unique_ptr<Transport> plain_transport(int socket);

/// A loaded TLS configuration: certificate chain, key and the protocol rules (TLS 1.2 at least,
/// Mozilla's "intermediate" ciphers, no compression, no renegotiation, no session resumption).
using TlsContext = std::shared_ptr<SSL_CTX>;

/// Reads `files` and builds their TLS context; the error says which file is wrong and how.
[[nodiscard]] Result<TlsContext, std::string> load_tls_context(const TlsFiles& files);

/// The TLS context new connections take; swapped by a reload while connections in flight keep theirs.
class TlsContextSlot {
 public:
  /// The context for the next connection; empty before the first set().
  [[nodiscard]] TlsContext current() const;
  /// Makes `context` the one new connections take.
  void set(TlsContext context);

 private:
  mutable std::mutex mutex_;
  TlsContext context_;
};

/// Runs the server side of a TLS handshake on the non-blocking `socket`; the session, or nullptr
/// when the handshake failed (plain HTTP, an old protocol, no shared cipher ...), did not complete
/// by `deadline` (however slowly its bytes came), or the server began to stop.
[[nodiscard]] std::unique_ptr<Transport> accept_tls(int socket, const TlsContext& context, SteadyClock::time_point deadline,
                                                    const std::atomic<bool>& stopping);

}  // namespace hookline::detail
