// Validation of everything a person types: forms of the consent page, CSV cells, API
// bodies. Pure functions; thread-safe.
//
// A failed check yields a FieldError naming the field with a message in German and in
// English; nothing is saved while any error is present.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/contact.h"
#include "core/ports.h"
#include "core/search_profile.h"

namespace consentd::core {

using Form = std::map<std::string, std::string, std::less<>>;

struct FieldError {
  std::string field;
  std::string message_de;
  std::string message_en;
};
using FieldErrors = std::vector<FieldError>;

bool IsValidUtf8(std::string_view s);
std::size_t CodePointCount(std::string_view s);  // of valid UTF-8
std::string Trim(std::string_view s);
bool IsValidEmail(std::string_view s);
// German PLZ: five digits. Elsewhere: 3–10 letters, digits, spaces or hyphens.
bool IsValidPostalCode(std::string_view plz, std::string_view country);

// Reads a number as Germans write it: "350.000 €", "350000", "2,5", "1.234,56", "2.5".
// A dot followed by exactly three digits is a thousands separator, any other dot a
// decimal point. Returns hundredths; nullopt for anything else or a negative number.
std::optional<Centi> ParseGermanNumber(std::string_view s);
// 35000000 -> "350.000", 250 -> "2,5".
std::string FormatGermanNumber(Centi value);

// The contact data after applying `form` on top of `current`. Only the fields present in
// `form` are changed; every present field is checked.
struct ContactFormResult {
  ContactData data;
  FieldErrors errors;
};
ContactFormResult ApplyContactForm(const Form& form, const ContactData& current,
                                   const PhoneNormalizer& phones);

// A search profile read from `form` (fields as in SearchProfile; numbers in German form).
struct SearchProfileFormResult {
  SearchProfile profile;
  FieldErrors errors;
};
SearchProfileFormResult ParseSearchProfileForm(const Form& form);

// `s` made safe to show again in a page: invalid UTF-8 becomes U+FFFD and control
// characters other than line breaks and tabs are dropped.
std::string SanitizeForDisplay(std::string_view s);

// For text that ends up in a mail header (names, subjects): refuses "=?", which mail clients
// would decode as an RFC 2047 encoded word instead of showing it as typed.
bool CheckHeaderText(std::string_view field, std::string_view value, FieldErrors& errors);

// Checks that a free-text field is valid UTF-8, has no control characters (C0, DEL, C1,
// U+2028, U+2029) and is at most `max_code_points` long. Appends to `errors` and returns false when
// not.
bool CheckText(std::string_view field, std::string_view value, std::size_t max_code_points,
               FieldErrors& errors);

}  // namespace consentd::core
