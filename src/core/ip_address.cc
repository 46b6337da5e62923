#include "core/ip_address.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

namespace consentd::core {
namespace {

std::optional<std::array<int, 4>> ParseIpv4(std::string_view s) {
  std::array<int, 4> parts{};
  for (std::size_t i = 0; i < 4; ++i) {
    auto dot = s.find('.');
    std::string_view part = i < 3 ? s.substr(0, dot) : s;
    if ((i < 3 && dot == std::string_view::npos) || part.empty() || part.size() > 3)
      return std::nullopt;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), parts[i]);
    if (ec != std::errc() || ptr != part.data() + part.size() || parts[i] > 255)
      return std::nullopt;
    if (i < 3) s.remove_prefix(dot + 1);
  }
  return parts;
}

// The first three 16-bit groups of an IPv6 address, or nullopt.
std::optional<std::array<std::uint16_t, 3>> Ipv6Prefix(std::string_view s) {
  auto gap = s.find("::");
  std::string_view head = gap == std::string_view::npos ? s : s.substr(0, gap);
  std::vector<std::uint16_t> groups;
  while (!head.empty()) {
    auto colon = head.find(':');
    std::string_view g = head.substr(0, colon);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(g.data(), g.data() + g.size(), value, 16);
    if (g.empty() || g.size() > 4 || ec != std::errc() || ptr != g.data() + g.size())
      return std::nullopt;
    groups.push_back(static_cast<std::uint16_t>(value));
    if (colon == std::string_view::npos) break;
    head.remove_prefix(colon + 1);
  }
  if (gap == std::string_view::npos && groups.size() != 8) return std::nullopt;
  groups.resize(std::max<std::size_t>(groups.size(), 3), 0);
  return std::array<std::uint16_t, 3>{groups[0], groups[1], groups[2]};
}

}  // namespace

std::string ShortenIp(std::string_view address) {
  constexpr std::string_view kMapped = "::ffff:";
  if (address.substr(0, kMapped.size()) == kMapped) address.remove_prefix(kMapped.size());
  if (auto v4 = ParseIpv4(address)) {
    return std::to_string((*v4)[0]) + "." + std::to_string((*v4)[1]) + "." +
           std::to_string((*v4)[2]) + ".0/24";
  }
  if (address.find(':') == std::string_view::npos) return "";
  auto v6 = Ipv6Prefix(address);
  if (!v6) return "";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%x:%x:%x::/48", (*v6)[0], (*v6)[1], (*v6)[2]);
  return buf;
}

}  // namespace consentd::core
