#pragma once
/// @file
/// The receiver: one HTTP request in, one response out, apart from sockets (like Beast's
/// handle_request), so that every status is tested without a network. The HTTP adapter
/// (hookline/http_server.hpp) only moves bytes; every error→status decision is made here.
///
/// Status mapping, the only one in hookline (see http_status()):
/// | outcome              | status | when |
/// |----------------------|--------|------|
/// | accepted / duplicate | 200    | claim() returned: the event is durable (`{"status":"accepted"}` / `"duplicate"`) |
/// | quarantined          | 200    | authentic, but the meta parser refused the body: it is durably in the store's quarantine (`{"status":"quarantined"}`) and never handled until replay_quarantined() parses it |
/// | method_not_allowed   | 405    | not POST (with `Allow: POST`) |
/// | length_required      | 411    | a body-carrying request without Content-Length, or with any Transfer-Encoding: by RFC 9112 §6.3 a transfer coding, not Content-Length, then frames the body, so the length is not defined in advance |
/// | unsupported_encoding | 415    | any Content-Encoding (RFC 9110 §15.5.16: 415 covers a content coding the server refuses); hookline never decompresses |
/// | bad_framing          | 400    | a Content-Length that is not one decimal number, or several that disagree, a body of another length, or a body on a method other than POST, PUT, PATCH and DELETE (it would be read as the next request) |
/// | headers_too_large    | 431    | more header fields, or a longer field, than ReceiverLimits allows |
/// | too_large            | 413    | Content-Length (or the body) over ReceiverLimits::max_body_bytes (1 MiB by default) |
/// | bad_signature        | 401    | the Verifier refused; the body names the reason kind and header, never a secret |
/// | bad_token            | 401    | the SourceGuard found no token, or a wrong one; the body names the reason, never a token |
/// | source_not_allowed   | 403    | the SourceGuard refused the peer address (from the socket) |
/// | store_unavailable    | 503    | the ReceiverStore failed to claim or quarantine: nothing was acknowledged, so the platform may retry (`Retry-After: 1`) |
///
/// Checks run in that order: method, framing, size, authentication (the SourceGuard's address, then
/// its token, then the signature), payload, store. An unauthenticated body is never parsed.
/// Refusals of framing, headers and size also ask for the connection to be closed, since the body
/// may still be on the wire.
///
/// Nothing authentic is lost: a body that authenticates is either claimed or quarantined, and a
/// delivery refused for authentication (bad_signature, bad_token, source_not_allowed) is kept in
/// the store's bounded refused record, so that retry_refused() can verify it again once the right
/// secret is configured. Both are answered as above whether or not the record could keep it.
///
/// Authentication is an Authenticator: a Verifier for senders that sign (VRIO, Ordergroove, the
/// store, Standard Webhooks ...), a SourceGuard for Vero, which signs nothing, or both. Mounting
/// Vero at `POST /webhooks/vero?token=...`:
/// @code
///   hookline::SourceGuardConfig config;                         // token from ?token= or X-Webhook-Token
///   config.tokens.emplace_back(vero_token);                     // a std::string from your secret store
///   config.allowed_networks.push_back(*hookline::IpNetwork::parse("203.0.113.0/24"));  // where Vero sends from
///   const hookline::Receiver vero(hookline::SourceGuard(std::move(config)),
///                                 hookline::meta_parser(hookline::Platform::vero),  // hookline/parse.hpp
///                                 inbox);  // duplicates: meta().id is vero::idempotency_key()
///   server.mount("/webhooks/vero", vero);  // a WebhookServer (hookline/http_server.hpp)
///   // Serve it over HTTPS only and keep the URL (it holds the token) out of access logs.
/// @endcode

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/event.hpp"
#include "hookline/headers.hpp"
#include "hookline/inbox.hpp"
#include "hookline/quarantine.hpp"
#include "hookline/refused_record.hpp"
#include "hookline/result.hpp"
#include "hookline/source_guard.hpp"
#include "hookline/verify.hpp"

namespace hookline {

/// One HTTP request as the adapter received it; nothing in it refers to a socket.
struct HttpRequest {
  /// The method, e.g. "POST".
  std::string method;
  /// The path without the query, e.g. "/webhooks/vrio".
  std::string path;
  /// The header fields as received (the adapter drops cpp-httplib's pseudo headers).
  Headers headers;
  /// The raw body, byte for byte.
  std::string body;
  /// The client's IP address: the socket's peer, or, when that peer is a trusted proxy
  /// (ServerOptions::trusted_proxies), the client its X-Forwarded-For names. Never from a header otherwise.
  std::string peer;
  /// The socket's peer address as the adapter accepted it (a proxy's, behind one), for logs.
  std::string socket_peer;
  /// Query parameters in arrival order.
  std::vector<std::pair<std::string, std::string>> query;
  /// The route pattern's capture groups; [0] is the whole path (application routes only).
  std::vector<std::string> matches;

  /// The first query parameter with this name, if any.
  [[nodiscard]] std::optional<std::string_view> query_value(std::string_view name) const noexcept;
};

/// One HTTP response; the adapter adds Content-Length and the connection headers.
struct HttpResponse {
  /// The status code.
  int status = 200;
  /// The Content-Type of the body.
  std::string content_type = "application/json";
  /// The body.
  std::string body;
  /// Extra header fields, e.g. `Allow` or `Retry-After`.
  Headers headers;
  /// True when the connection must be closed after this response (an unread body may follow).
  bool close_connection = false;
};

/// What the receiver decided for a request, for metrics and logs; http_status() maps it to a status.
enum class ReceiveOutcome {
  accepted,              ///< 200: new event, durably claimed
  duplicate,             ///< 200: already claimed earlier, nothing new will run
  method_not_allowed,    ///< 405
  length_required,       ///< 411: no Content-Length, or a Transfer-Encoding
  unsupported_encoding,  ///< 415: a Content-Encoding
  bad_framing,           ///< 400: an unusable Content-Length
  headers_too_large,     ///< 431: too many or too long header fields
  too_large,             ///< 413: over the body limit
  bad_signature,         ///< 401: the Verifier refused the signature
  bad_token,             ///< 401: the SourceGuard found no token or a wrong one
  source_not_allowed,    ///< 403: the SourceGuard refused the peer address
  quarantined,           ///< 200: authentic but unparseable, durably quarantined, never handled
  store_unavailable,     ///< 503
};

/// The outcome's name in snake_case, e.g. "bad_signature" (the `error` member of refusal bodies).
[[nodiscard]] std::string_view to_string(ReceiveOutcome outcome) noexcept;
/// The HTTP status for an outcome: the one error→status mapping (see the table above).
[[nodiscard]] int http_status(ReceiveOutcome outcome) noexcept;

/// Limits applied before a body is read and again on the request as received.
struct ReceiverLimits {
  /// Largest accepted body (and Content-Length).
  std::size_t max_body_bytes = std::size_t{1} << 20;
  /// Most header fields in a request.
  std::size_t max_header_count = 64;
  /// Longest header field, name and value together.
  std::size_t max_header_bytes = 8 * 1024;
};

/// The receiver's decision: the response to send and what it means.
struct ReceiveResult {
  /// What happened, for metrics and logs.
  ReceiveOutcome outcome = ReceiveOutcome::accepted;
  /// What to send back.
  HttpResponse response;
  /// The event's platform-neutral facts, when the body was verified and parsed.
  std::optional<EventMeta> meta;
  /// More detail for logs only, never sent: the store's error message, the parse error of a
  /// quarantined body ("path: message"), or a refusal's sentence; may be empty.
  std::string log_detail;
};

/// One extra string member of an error body, e.g. {"header", "X-Webhook-Signature"}.
using ErrorField = std::pair<std::string, std::string>;

/// The one error answer of every hookline listener:
/// `{"error":{"code":"<code>","message":"<message>",<fields>...}}`, `code` in snake_case for
/// programs, `message` a sentence for people, `fields` extra string members in order.
[[nodiscard]] HttpResponse error_response(int status, std::string_view code, std::string_view message,
                                          const std::vector<ErrorField>& fields = {});

/// Builds the response for an outcome: status from http_status(), `{"status":"accepted"|"duplicate"|"quarantined"}`
/// or an error_response() whose code is the outcome's name and whose message is `message` (a
/// sentence of the outcome's own when empty), and its headers.
[[nodiscard]] ReceiveResult make_result(ReceiveOutcome outcome, std::string_view message = {},
                                        const std::vector<ErrorField>& fields = {});

/// Screens a request on its method-independent framing and headers alone, before any body byte is
/// read: header count and size, Transfer-Encoding, Content-Encoding, Content-Length (missing for
/// POST, PUT and PATCH; malformed; over the limit). The refusal, or nullopt when acceptable.
[[nodiscard]] std::optional<ReceiveResult> screen_headers(std::string_view method, const Headers& headers,
                                                          const ReceiverLimits& limits);

/// How a Receiver authenticates a delivery: by signature (a Verifier), by source (a SourceGuard:
/// the peer address and a secret token, for Vero, which signs nothing), or by both. Implicitly made
/// from either, so `Receiver(verifier, ...)` and `Receiver(guard, ...)` both read naturally.
/// Immutable and thread-safe.
class Authenticator {
 public:
  /// Authenticates by the signature `verifier` checks.
  Authenticator(Verifier verifier);  // NOLINT(google-explicit-constructor): a Verifier is an Authenticator
  /// Authenticates by the source `guard` checks (Vero): address from HttpRequest::peer, token from
  /// the query parameter guard.query_parameter() or the guard's header.
  Authenticator(SourceGuard guard);  // NOLINT(google-explicit-constructor): a SourceGuard is an Authenticator
  /// Authenticates by both: the guard first, then the signature.
  Authenticator(SourceGuard guard, Verifier verifier);

  /// Checks `request` at `now`: the guard's address and token, then the signature. The refusal
  /// (bad_token, source_not_allowed or bad_signature, with its reason; its sentence also in
  /// log_detail), or nullopt when authentic.
  [[nodiscard]] std::optional<ReceiveResult> refusal(const HttpRequest& request, std::chrono::sys_seconds now) const;

 private:
  std::optional<SourceGuard> guard_;
  std::optional<Verifier> verifier_;
};

/// What became of a kept delivery that Receiver::replay_quarantined() or retry_refused() took up.
struct RecoveryResult {
  /// accepted or duplicate: claimed into the inbox (a duplicate when its event id was there
  /// already), and no longer kept where it was. quarantined: it does not parse; a replay recorded
  /// the new error on its entry, a retry that now authenticates moved it to the quarantine.
  /// bad_signature, bad_token or source_not_allowed: a retry that still does not authenticate, left
  /// in the refused record as it was.
  ReceiveOutcome outcome = ReceiveOutcome::accepted;
  /// The event's facts, when it parsed.
  std::optional<EventMeta> meta;
  /// Why it is still kept: the parse error ("path: message") or the refusal's sentence; empty once claimed.
  std::string detail;
};

/// Why a replay or a retry could not be made.
struct RecoveryError {
  /// What went wrong.
  enum class Kind {
    not_found,          ///< no delivery with this id is kept
    other_platform,     ///< the delivery came to a receiver of another platform: ask that one
    store_unavailable,  ///< the store failed; whatever was done is safe to do again
  };
  /// What went wrong.
  Kind kind = Kind::not_found;
  /// A sentence for the operator.
  std::string message;
};

/// Turns webhook requests of one platform into durable claims and responses, quarantines what
/// authenticates but does not parse, and records what is refused for authentication. Thread-safe:
/// handle() and the recovery calls may run on any number of threads at once.
class Receiver {
 public:
  /// A receiver that authenticates with `authenticator` (a Verifier, a SourceGuard or both), reads
  /// the facts with `parser` and writes into `store`, which must outlive it.
  Receiver(Authenticator authenticator, MetaParser parser, ReceiverStore& store, ReceiverLimits limits = {});

  /// Decides the response to `request` at time `now` (for timestamped signatures). Returns 2xx
  /// only after the store's claim() or quarantine() returned.
  [[nodiscard]] ReceiveResult handle(const HttpRequest& request, std::chrono::sys_seconds now) const;

  /// Parses the quarantined delivery `id` again, with this receiver's parser: parsed, it is claimed
  /// into the inbox (exactly once by its event id: a duplicate when it is there already), handled
  /// as any claim, and removed from the quarantine; still unparseable, the new error is recorded on
  /// its entry. `now` is the claim's receive time.
  [[nodiscard]] Result<RecoveryResult, RecoveryError> replay_quarantined(QuarantineId id,
                                                                         std::chrono::sys_seconds now) const;

  /// Authenticates the refused delivery `id` again, with the authenticator this receiver has now, at
  /// the time it was received (for timestamp tolerance). Authentic, it is claimed into the inbox
  /// exactly once (or quarantined, when it does not parse) and removed from the refused record;
  /// still refused, it stays there. `now` is the claim's receive time.
  [[nodiscard]] Result<RecoveryResult, RecoveryError> retry_refused(RefusedId id, std::chrono::sys_seconds now) const;

  /// The platform whose deliveries this receiver takes.
  [[nodiscard]] Platform platform() const noexcept { return parser_.platform(); }
  /// The limits this receiver enforces.
  [[nodiscard]] const ReceiverLimits& limits() const noexcept { return limits_; }

 private:
  /// Parses an authentic body and claims it, or quarantines it when it does not parse.
  [[nodiscard]] ReceiveResult admit(const std::string& body, const Headers& headers, std::chrono::sys_seconds now) const;
  /// Keeps a request refused for authentication in the refused record; notes a failure in log_detail.
  void keep_refused(const HttpRequest& request, ReceiveResult& refusal, std::chrono::sys_seconds now) const;

  Authenticator authenticator_;
  MetaParser parser_;
  ReceiverStore* store_;
  ReceiverLimits limits_;
};

}  // namespace hookline
