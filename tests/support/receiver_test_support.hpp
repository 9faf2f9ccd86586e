#pragma once
// Helpers shared by the receiver suites: verifiers and signed requests for any scheme.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/receiver.hpp"
#include "hookline/secret.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace hookline::test {

/// A verifier of `scheme` that accepts each of `secrets`.
template <class... Texts>
Verifier verifier_for(Scheme scheme, const Texts&... secrets) {
  const std::vector<Secret> keys{Secret(std::string(secrets))...};
  auto verifier = Verifier::create(scheme, keys);
  BOOST_REQUIRE(verifier);
  return std::move(*verifier);
}

/// `body` signed for `scheme` with `secret` at `when`, as a POST from 127.0.0.1 to
/// /webhooks/<scheme> with the right Content-Length.
inline HttpRequest signed_for(Scheme scheme, std::string_view secret, std::string body, std::chrono::sys_seconds when) {
  const std::vector<Secret> keys{Secret(std::string(secret))};
  const auto signer = Signer::create(scheme, keys);
  BOOST_REQUIRE(signer);
  HttpRequest request;
  request.method = "POST";
  request.path = "/webhooks/" + std::string(to_string(scheme));
  request.peer = "127.0.0.1";
  request.headers = signer->sign(body, "", when);
  request.headers.add("Content-Length", std::to_string(body.size()));
  request.body = std::move(body);
  return request;
}

}  // namespace hookline::test
