// application/x-www-form-urlencoded bodies and query strings.
#pragma once

#include <string>
#include <string_view>

#include "core/validation.h"

namespace consentd::http {

// Decodes `%XX` and `+`. Malformed escapes are kept literally (validation rejects what
// is not valid UTF-8 later).
std::string PercentDecode(std::string_view s);
std::string PercentEncode(std::string_view s);
// Parses "a=1&b=x+y". A repeated name keeps its last value.
core::Form ParseUrlEncoded(std::string_view body);

}  // namespace consentd::http
