#include "core/validation.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>

namespace consentd::core {
namespace {

void AddError(FieldErrors& errors, std::string_view field, std::string de, std::string en) {
  errors.push_back({std::string(field), std::move(de), std::move(en)});
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// C0 controls and DEL; in valid UTF-8 also C1 controls (U+0080..U+009F) and the Unicode
// line and paragraph separators (U+2028, U+2029), which mail headers must not carry either.
bool HasControlCharacter(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7f) return true;
    auto next = [&](std::size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
    };
    if (u == 0xc2 && next(1) >= 0x80 && next(1) <= 0x9f) return true;
    if (u == 0xe2 && next(1) == 0x80 && (next(2) == 0xa8 || next(2) == 0xa9)) return true;
  }
  return false;
}

const std::string* Find(const Form& form, std::string_view key) {
  auto it = form.find(key);
  return it == form.end() ? nullptr : &it->second;
}

// Strips currency and unit decorations: "€", "EUR", "m²", "qm", spaces.
std::string StripDecorations(std::string_view s) {
  std::string out(Trim(s));
  for (std::string_view junk : {"\u20ac", "EUR", "Euro", "m\u00b2", "qm", "m2", "\u00a0"}) {
    for (auto pos = out.find(junk); pos != std::string::npos; pos = out.find(junk)) {
      out.erase(pos, junk.size());
    }
  }
  out.erase(std::remove(out.begin(), out.end(), ' '), out.end());
  return out;
}

// True when every dot in `s` is followed by exactly three digits (thousands grouping).
bool DotsAreGrouping(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '.') continue;
    std::size_t digits = 0;
    while (i + 1 + digits < s.size() && IsAsciiDigit(s[i + 1 + digits])) ++digits;
    if (digits != 3) return false;
  }
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

namespace {

// Length of the valid UTF-8 sequence at the start of `s`, or 0.
std::size_t ValidSequenceLength(std::string_view s) {
  auto c = static_cast<unsigned char>(s[0]);
  std::size_t len = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
  if (len == 0 || len > s.size()) return 0;
  return IsValidUtf8(s.substr(0, len)) ? len : 0;
}

}  // namespace

std::string SanitizeForDisplay(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    std::size_t len = ValidSequenceLength(s);
    if (len == 0) {
      out += "\uFFFD";
      s.remove_prefix(1);
      continue;
    }
    auto c = static_cast<unsigned char>(s[0]);
    bool control = len == 1 && (c < 0x20 || c == 0x7f) && c != '\n' && c != '\t';
    if (!control) out.append(s.substr(0, len));
    s.remove_prefix(len);
  }
  return out;
}

std::size_t CodePointCount(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

std::string Trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

bool IsValidEmail(std::string_view s) {
  if (s.size() > 254) return false;
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 ||
      s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  auto local_ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != std::string_view::npos;
  };
  if (!std::all_of(local.begin(), local.end(), local_ok) || local.front() == '.' ||
      local.back() == '.' || local.find("..") != std::string_view::npos) {
    return false;
  }
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos) return false;
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') {
      char c = domain[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
      continue;
    }
    std::size_t len = i - label_start;
    if (len == 0 || len > 63 || domain[label_start] == '-' || domain[i - 1] == '-') return false;
    label_start = i + 1;
  }
  return true;
}

bool IsValidPostalCode(std::string_view plz, std::string_view country) {
  if (country == "DE") {
    return plz.size() == 5 && std::all_of(plz.begin(), plz.end(), IsAsciiDigit);
  }
  if (plz.size() < 3 || plz.size() > 10) return false;
  return std::all_of(plz.begin(), plz.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-';
  });
}

std::optional<Centi> ParseGermanNumber(std::string_view input) {
  std::string s = StripDecorations(input);
  if (s.empty() || s.size() > 24) return std::nullopt;
  std::string digits;
  bool has_comma = s.find(',') != std::string::npos;
  bool grouping = DotsAreGrouping(s);
  std::size_t decimals = 0;
  bool in_fraction = false;
  for (char c : s) {
    if (IsAsciiDigit(c)) {
      if (in_fraction && ++decimals > 2) return std::nullopt;
      digits += c;
    } else if (c == ',' || (c == '.' && !has_comma && !grouping)) {
      if (in_fraction) return std::nullopt;
      in_fraction = true;
    } else if (c != '.') {
      return std::nullopt;
    } else if (in_fraction) {
      return std::nullopt;
    }
  }
  if (digits.empty() || digits.size() > 15) return std::nullopt;
  Centi value = std::stoll(digits);
  for (std::size_t k = decimals; k < 2; ++k) value *= 10;
  return value;
}

std::string FormatGermanNumber(Centi value) {
  std::string whole = std::to_string(value / 100);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3)
    whole.insert(static_cast<std::size_t>(i), ".");
  Centi cents = value % 100;
  if (cents == 0) return whole;
  std::string frac = std::to_string(cents);
  if (frac.size() == 1) frac = "0" + frac;
  if (frac.back() == '0') frac.pop_back();
  return whole + "," + frac;
}

bool CheckHeaderText(std::string_view field, std::string_view value, FieldErrors& errors) {
  if (value.find("=?") == std::string_view::npos) return true;
  AddError(errors, field, "Die Zeichenfolge „=?“ ist hier nicht erlaubt.",
           "The character sequence \"=?\" is not allowed here.");
  return false;
}

bool CheckText(std::string_view field, std::string_view value, std::size_t max_code_points,
               FieldErrors& errors) {
  if (!IsValidUtf8(value)) {
    AddError(errors, field, "Die Eingabe enthält ungültige Zeichen.",
             "The input contains invalid characters.");
    return false;
  }
  if (HasControlCharacter(value)) {
    AddError(errors, field, "Bitte keine Zeilenumbrüche oder Steuerzeichen eingeben.",
             "Please do not enter line breaks or control characters.");
    return false;
  }
  if (CodePointCount(value) > max_code_points) {
    AddError(errors, field,
             "Bitte höchstens " + std::to_string(max_code_points) + " Zeichen eingeben.",
             "Please enter at most " + std::to_string(max_code_points) + " characters.");
    return false;
  }
  return true;
}

namespace {

void CheckContactField(std::string_view name, std::string& value, const ContactData& data,
                       const PhoneNormalizer& phones, FieldErrors& errors) {
  if (value.empty()) return;
  bool header_bound = name == "titel" || name == "vorname" || name == "nachname" || name == "firma";
  if (header_bound && !CheckHeaderText(name, value, errors)) return;
  if (name == "anrede" && value != "Herr" && value != "Frau" && value != "Divers") {
    AddError(errors, name, "Bitte wählen Sie eine Anrede aus der Liste.",
             "Please choose a salutation from the list.");
  } else if (name == "email" && !IsValidEmail(value)) {
    AddError(errors, name,
             "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.",
             "Please enter a valid e-mail address, e.g. name@example.com.");
  } else if (name == "telefon" || name == "mobil") {
    auto normalized = phones.Normalize(value, data.land.empty() ? "DE" : data.land);
    if (!normalized) {
      AddError(
          errors, name,
          "Bitte geben Sie eine gültige Telefonnummer ein, z. B. 030 1234567 oder +49 171 1234567.",
          "Please enter a valid phone number, e.g. +49 30 1234567.");
    } else {
      value = *normalized;
    }
  } else if (name == "plz" && !IsValidPostalCode(value, data.land)) {
    AddError(errors, name,
             "Bitte geben Sie eine gültige Postleitzahl ein (in Deutschland fünf Ziffern).",
             "Please enter a valid postal code (five digits in Germany).");
  } else if (name == "land" &&
             (value.size() != 2 || !std::isupper(static_cast<unsigned char>(value[0])) ||
              !std::isupper(static_cast<unsigned char>(value[1])))) {
    AddError(errors, name, "Bitte geben Sie das Land als Ländercode an, z. B. DE.",
             "Please give the country as a country code, e.g. DE.");
  } else if (name == "sprache" && value != "de" && value != "en") {
    AddError(errors, name, "Bitte wählen Sie Deutsch oder Englisch.",
             "Please choose German or English.");
  } else if (name == "kontaktart" &&
             std::none_of(kKontaktarten.begin(), kKontaktarten.end(),
                          [&](const auto& k) { return k.first == value; })) {
    AddError(errors, name, "Bitte wählen Sie eine Kontaktart aus der Liste.",
             "Please choose a contact type from the list.");
  }
}

}  // namespace

ContactFormResult ApplyContactForm(const Form& form, const ContactData& current,
                                   const PhoneNormalizer& phones) {
  ContactFormResult result{current, {}};
  for (const auto& f : kContactFields) {
    const std::string* raw = Find(form, f.name);
    if (!raw) continue;
    std::string value = Trim(*raw);
    if (f.name == "land") std::transform(value.begin(), value.end(), value.begin(), ::toupper);
    if (f.name == "land" && value.size() > 2 && IsValidUtf8(value)) {
      AddError(result.errors, f.name, "Bitte geben Sie das Land als Ländercode an, z. B. DE.",
               "Please give the country as a country code, e.g. DE.");
      continue;
    }
    if (!CheckText(f.name, value, f.max_length, result.errors)) continue;
    result.data.*f.member = value;
  }
  if (result.data.land.empty()) result.data.land = "DE";
  std::size_t before = result.errors.size();
  for (const auto& f : kContactFields) {
    if (!Find(form, f.name)) continue;
    bool already_failed =
        std::any_of(result.errors.begin(), result.errors.begin() + static_cast<long>(before),
                    [&](const FieldError& e) { return e.field == f.name; });
    if (!already_failed)
      CheckContactField(f.name, result.data.*f.member, result.data, phones, result.errors);
  }
  bool nachname_failed = std::any_of(result.errors.begin(), result.errors.end(),
                                     [](const FieldError& e) { return e.field == "nachname"; });
  if (result.data.nachname.empty() && result.data.firma.empty() && Find(form, "nachname") &&
      !nachname_failed) {
    AddError(result.errors, "nachname", "Bitte geben Sie Ihren Nachnamen (oder eine Firma) an.",
             "Please enter your last name (or a company).");
  }
  return result;
}

namespace {

bool IsChoice(std::span<const Choice> choices, std::string_view key) {
  return std::any_of(choices.begin(), choices.end(), [&](const Choice& c) { return c.key == key; });
}

void ReadChoice(const Form& form, std::string_view field, std::span<const Choice> choices,
                bool required, std::string& out, FieldErrors& errors) {
  const std::string* raw = Find(form, field);
  std::string value = raw ? Trim(*raw) : "";
  if (value.empty()) {
    if (required)
      AddError(errors, field, "Bitte wählen Sie einen Eintrag aus.", "Please choose an entry.");
    return;
  }
  if (!IsChoice(choices, value)) {
    AddError(errors, field, "Bitte wählen Sie einen Eintrag aus der Liste.",
             "Please choose an entry from the list.");
    return;
  }
  out = value;
}

void ReadNumber(const Form& form, std::string_view field, Centi max, std::optional<Centi>& out,
                FieldErrors& errors) {
  const std::string* raw = Find(form, field);
  if (!raw || Trim(*raw).empty()) return;
  if (!IsValidUtf8(*raw)) {
    AddError(errors, field, "Die Eingabe enthält ungültige Zeichen.",
             "The input contains invalid characters.");
    return;
  }
  auto value = ParseGermanNumber(*raw);
  if (!value) {
    AddError(errors, field, "Bitte geben Sie eine Zahl ein, z. B. 350.000 oder 2,5.",
             "Please enter a number, e.g. 350,000 or 2.5.");
    return;
  }
  if (*value > max) {
    AddError(errors, field, "Diese Zahl ist zu groß.", "This number is too large.");
    return;
  }
  out = value;
}

void CheckRange(std::string_view von_field, const std::optional<Centi>& von,
                const std::optional<Centi>& bis, FieldErrors& errors) {
  if (von && bis && *von > *bis) {
    AddError(errors, von_field, "Der Von-Wert darf nicht größer als der Bis-Wert sein.",
             "The minimum must not be greater than the maximum.");
  }
}

}  // namespace

SearchProfileFormResult ParseSearchProfileForm(const Form& form) {
  SearchProfileFormResult r;
  SearchProfile& p = r.profile;
  FieldErrors& e = r.errors;
  ReadChoice(form, "vermarktungsart", Vermarktungsarten(), true, p.vermarktungsart, e);
  ReadChoice(form, "nutzungsart", Nutzungsarten(), true, p.nutzungsart, e);
  ReadChoice(form, "objektart", Objektarten(), true, p.objektart, e);
  if (!p.objektart.empty())
    ReadChoice(form, "objekttyp", Objekttypen(p.objektart), false, p.objekttyp, e);
  for (auto [field, max, member] :
       {std::tuple{"land", 2u, &SearchProfile::land}, std::tuple{"plz", 10u, &SearchProfile::plz},
        std::tuple{"ort", 100u, &SearchProfile::ort},
        std::tuple{"bemerkung", 1000u, &SearchProfile::bemerkung}}) {
    const std::string* raw = Find(form, field);
    if (!raw) continue;
    std::string value = Trim(*raw);
    if (CheckText(field, value, max, e)) p.*member = value;
  }
  if (p.land.empty()) p.land = "DE";
  if (!p.plz.empty() && !IsValidPostalCode(p.plz, p.land)) {
    AddError(e, "plz",
             "Bitte geben Sie eine gültige Postleitzahl ein (in Deutschland fünf Ziffern).",
             "Please enter a valid postal code (five digits in Germany).");
  }
  std::optional<Centi> radius;
  ReadNumber(form, "radius_km", 50000, radius, e);
  if (radius) {
    if (*radius % 100 != 0) {
      AddError(e, "radius_km", "Bitte geben Sie den Umkreis in ganzen Kilometern an.",
               "Please give the radius in whole kilometres.");
    } else {
      p.radius_km = *radius / 100;
    }
  }
  constexpr Centi kMaxMoney = Centi{100'000'000'000};  // 1 billion euros
  constexpr Centi kMaxArea = Centi{100'000'000};       // 1 million m²
  ReadNumber(form, "preis_von", kMaxMoney, p.preis_von, e);
  ReadNumber(form, "preis_bis", kMaxMoney, p.preis_bis, e);
  ReadNumber(form, "wohnflaeche_von", kMaxArea, p.wohnflaeche_von, e);
  ReadNumber(form, "wohnflaeche_bis", kMaxArea, p.wohnflaeche_bis, e);
  ReadNumber(form, "grundstuecksflaeche_von", kMaxArea, p.grundstuecksflaeche_von, e);
  ReadNumber(form, "grundstuecksflaeche_bis", kMaxArea, p.grundstuecksflaeche_bis, e);
  ReadNumber(form, "zimmer_von", 100000, p.zimmer_von, e);
  ReadNumber(form, "zimmer_bis", 100000, p.zimmer_bis, e);
  CheckRange("preis_von", p.preis_von, p.preis_bis, e);
  CheckRange("wohnflaeche_von", p.wohnflaeche_von, p.wohnflaeche_bis, e);
  CheckRange("grundstuecksflaeche_von", p.grundstuecksflaeche_von, p.grundstuecksflaeche_bis, e);
  CheckRange("zimmer_von", p.zimmer_von, p.zimmer_bis, e);
  return r;
}

}  // namespace consentd::core
