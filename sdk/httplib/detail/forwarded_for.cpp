#include "detail/forwarded_for.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

namespace hookline::detail {
namespace {

std::string_view trim_whitespace(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

std::string forwarded_client(const std::string& socket_peer, const Headers& headers, const std::vector<IpNetwork>& trusted) {
  const auto is_trusted = [&trusted](const IpAddress& address) {
    return std::any_of(trusted.begin(), trusted.end(), [&address](const IpNetwork& network) { return network.contains(address); });
  };
  const auto peer = trusted.empty() ? std::nullopt : IpAddress::parse(socket_peer);
  if (!peer || !is_trusted(*peer)) {
    return socket_peer;
  }
  const auto fields = headers.get_all("X-Forwarded-For");
  std::string_view leftmost;
  for (auto field = fields.rbegin(); field != fields.rend(); ++field) {
    std::string_view rest = *field;
    while (true) {
      const auto comma = rest.rfind(',');
      const auto entry = trim_whitespace(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      const auto address = IpAddress::parse(entry);
      if (!address) {
        return socket_peer;
      }
      if (!is_trusted(*address)) {
        return std::string(entry);
      }
      leftmost = entry;
      if (comma == std::string_view::npos) {
        break;
      }
      rest = rest.substr(0, comma);
    }
  }
  return leftmost.empty() ? socket_peer : std::string(leftmost);
}

}  // namespace hookline::detail
