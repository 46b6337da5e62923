// Data minimisation for evidence (EDPB 05/2020): an address is kept only as its network.
#pragma once

#include <string>
#include <string_view>

namespace consentd::core {

// "203.0.113.57" -> "203.0.113.0/24"; "2001:db8:abcd:12::1" -> "2001:db8:abcd::/48".
// An IPv4-mapped IPv6 address is treated as IPv4. Anything unparsable yields "".
std::string ShortenIp(std::string_view address);

}  // namespace consentd::core
