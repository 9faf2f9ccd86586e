#pragma once
/// @file
/// The sending side of every signature scheme: the headers a platform would send with a body.
/// Used by the simulator, the replay tool and the tests; what it produces passes hookline::Verifier.

#include <chrono>
#include <memory>
#include <span>
#include <string_view>

#include "hookline/headers.hpp"
#include "hookline/result.hpp"
#include "hookline/secret.hpp"
#include "hookline/verify.hpp"

namespace hookline {

/// Signs webhook bodies for one scheme with one or more secrets. Create once, then call sign() from any
/// number of threads at once.
class Signer {
 public:
  /// A signer for `scheme`. With several secrets (a rotation), schemes that carry several signatures
  /// (standard, ordergroove, stripe) sign with each in order; the others use the first secret.
  /// Fails with invalid_secret when the list is empty or a secret is unusable.
  [[nodiscard]] static Result<Signer, VerifyError> create(Scheme scheme, std::span<const Secret> secrets,
                                                          VerifyOptions options = {});

  Signer(Signer&& other) noexcept;
  Signer& operator=(Signer&& other) noexcept;
  ~Signer();

  /// The headers to send with `body`: `event_id` is the Standard Webhooks `webhook-id` (other schemes
  /// ignore it) and `now` the signed timestamp (schemes without one ignore it).
  [[nodiscard]] Headers sign(std::string_view body, std::string_view event_id, std::chrono::sys_seconds now) const;

  /// The scheme this signer produces.
  [[nodiscard]] Scheme scheme() const noexcept;

 private:
  struct Impl;
  explicit Signer(std::unique_ptr<const Impl> impl) noexcept;
  std::unique_ptr<const Impl> impl_;
};

}  // namespace hookline
