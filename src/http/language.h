// Choosing the language of a page.
#pragma once

#include <string>
#include <string_view>

namespace consentd::http {

// "en" when `explicit_choice` is "en", or when it is empty and the Accept-Language header
// prefers English over German; "de" otherwise (German is the default).
std::string PickLanguage(std::string_view explicit_choice, std::string_view accept_language);

}  // namespace consentd::http
