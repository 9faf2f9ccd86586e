#pragma once
// The client's address behind trusted reverse proxies (X-Forwarded-For), and never otherwise.

#include <string>
#include <vector>

#include "hookline/headers.hpp"
#include "hookline/source_guard.hpp"

namespace hookline::detail {

/// The client of a request whose socket peer is `socket_peer`: when that peer is in `trusted`, the
/// X-Forwarded-For fields (in arrival order, each a comma-separated list) are walked from the
/// right, trusted hops skipped, and the first other address is the client (all trusted: the
/// leftmost). An entry that is not an IP address before that, or no header, gives `socket_peer`;
/// so does a peer outside `trusted`, whatever the header says.
[[nodiscard]] std::string forwarded_client(const std::string& socket_peer, const Headers& headers,
                                           const std::vector<IpNetwork>& trusted);

}  // namespace hookline::detail
