#include "hookline/quarantine.hpp"

#include "detail/sha256.hpp"
#include "hookline/parse.hpp"

namespace hookline {

std::string quarantine_key(Platform platform, std::string_view body) {
  if (auto id = probe_event_id(platform, body)) {
    return std::move(*id);
  }
  return detail::sha256_hex(body);
}

}  // namespace hookline
