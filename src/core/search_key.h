// The address list's search keys and filter: how names, places and typed search texts are
// folded so that "muell" finds "Müller", "müller" finds "Mueller" and "strasse" finds
// "Straße". Pure functions; thread-safe.
//
// Every stored key is computed here, by every write path of both stores (InsertContact,
// UpdateContact; the CSV import goes through those), so stored keys and typed searches are
// folded the same way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/consent.h"
#include "core/contact.h"

namespace consentd::core {

// `text` lower-cased with German umlauts spelled out (ä→ae, ö→oe, ü→ue, ß→ss), other Latin
// diacritics stripped (é→e, ł→l, æ→ae), runs of white space made one space, trimmed.
// Invalid UTF-8 bytes are dropped; other characters are kept as they are.
std::string SearchKey(std::string_view text);

// What a contact is found by: name, company, e-mail, PLZ and Ort, folded, separated by '|'
// (so a search does not match across two fields).
std::string ContactSearchKey(const ContactData& c);
// Sort key "by name": Nachname then Vorname, or the company when neither is known.
std::string ContactSortName(const ContactData& c);
// Sort key "by Ort".
inline std::string ContactSortOrt(const ContactData& c) { return SearchKey(c.ort); }

// How a folded search text is matched. Three or more characters: anywhere in the contact's
// search key (trigram index). Fewer cannot use a trigram index and would match almost
// everything anywhere, so they match the start of the PLZ (only digits) or of the sort name
// (anything else: "mü" finds Müller, Mueller), which a B-tree index serves.
enum class SearchMode { kNone, kSubstring, kPlzPrefix, kNamePrefix };
SearchMode SearchModeOf(std::string_view folded);

// The address list's filter as the stores take it; values already validated
// (app::ParseContactQuery). Empty means "any".
struct ContactListFilter {
  std::string search;         // folded with SearchKey
  std::string state;          // ConsentStateKey of the default purpose's state
  std::string basis;          // LegalBasisKey
  std::string kontaktart;     // a kKontaktarten key
  std::string sort = "name";  // name | plz | ort | created | state | id
  bool descending = false;
  // Only contacts with a greater id (0: all): the API's cursor, with sort "id".
  ContactId after_id = 0;
};

// One row of the address list: the contact and its consent state for the default purpose
// (kept on the contact row by every write that changes consents or deletion requests).
struct ContactListRow {
  Contact contact;
  ConsentState state = ConsentState::kNone;
};

// A page of the address list and how many contacts match its filter in all, counted no
// further than a cap.
struct ContactListSlice {
  std::vector<ContactListRow> rows;
  std::int64_t matches = 0;  // min(all matches, the cap)
};

// The upper bound of a prefix range: every string starting with `prefix` is >= prefix and
// < PrefixEnd(prefix) in byte order.
std::string PrefixEnd(std::string_view prefix);

// ---------------------------------------------------------------- implementation

namespace search_key_internal {

// A range of code points and what each of them folds to.
struct FoldRange {
  char32_t first;
  char32_t last;
  std::string_view folded;
};

// Latin-1 Supplement and Latin Extended-A letters, upper and lower case alike.
inline constexpr std::array<FoldRange, 53> kFolds = {{
    {0xC0, 0xC3, "a"},   {0xC4, 0xC4, "ae"},   {0xC5, 0xC5, "a"},   {0xC6, 0xC6, "ae"},
    {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},    {0xCC, 0xCF, "i"},   {0xD0, 0xD0, "d"},
    {0xD1, 0xD1, "n"},   {0xD2, 0xD5, "o"},    {0xD6, 0xD6, "oe"},  {0xD8, 0xD8, "o"},
    {0xD9, 0xDB, "u"},   {0xDC, 0xDC, "ue"},   {0xDD, 0xDD, "y"},   {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"},  {0xE0, 0xE3, "a"},    {0xE4, 0xE4, "ae"},  {0xE5, 0xE5, "a"},
    {0xE6, 0xE6, "ae"},  {0xE7, 0xE7, "c"},    {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},
    {0xF0, 0xF0, "d"},   {0xF1, 0xF1, "n"},    {0xF2, 0xF5, "o"},   {0xF6, 0xF6, "oe"},
    {0xF8, 0xF8, "o"},   {0xF9, 0xFB, "u"},    {0xFC, 0xFC, "ue"},  {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"},  {0xFF, 0xFF, "y"},    {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},
    {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},  {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},
    {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"}, {0x136, 0x138, "k"},
    {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},  {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},  {0x162, 0x167, "t"}, {0x168, 0x173, "u"},
    {0x174, 0x175, "w"},
}};

inline constexpr std::array<FoldRange, 4> kMoreFolds = {{
    {0x176, 0x178, "y"},
    {0x179, 0x17E, "z"},
    {0x17F, 0x17F, "s"},
    {0x1E9E, 0x1E9E, "ss"},
}};

inline std::optional<std::string_view> FoldOf(char32_t cp) {
  for (const auto& r : kFolds) {
    if (cp >= r.first && cp <= r.last) return r.folded;
  }
  for (const auto& r : kMoreFolds) {
    if (cp >= r.first && cp <= r.last) return r.folded;
  }
  return std::nullopt;
}

// Decodes the code point at `s[i]`, advancing `i`; nullopt (skipping one byte) when the
// bytes there are not valid UTF-8.
inline std::optional<char32_t> NextCodePoint(std::string_view s, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  int extra = lead < 0x80           ? 0
              : (lead >> 5) == 0x6  ? 1
              : (lead >> 4) == 0xE  ? 2
              : (lead >> 3) == 0x1E ? 3
                                    : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return std::nullopt;
  }
  char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    const auto cont = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((cont & 0xC0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (cont & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

inline bool IsSpace(char32_t cp) { return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0; }

}  // namespace search_key_internal

inline std::string SearchKey(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const auto cp = search_key_internal::NextCodePoint(text, i);
    if (!cp) continue;
    if (search_key_internal::IsSpace(*cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    if (*cp < 0x80) {
      out += static_cast<char>(*cp >= 'A' && *cp <= 'Z' ? *cp + ('a' - 'A') : *cp);
    } else if (auto folded = search_key_internal::FoldOf(*cp)) {
      out += *folded;
    } else {
      out += text.substr(start, i - start);
    }
  }
  return out;
}

inline std::string ContactSearchKey(const ContactData& c) {
  std::string key = SearchKey(c.vorname + " " + c.nachname);
  for (const std::string* field : {&c.firma, &c.email, &c.plz, &c.ort}) {
    key += '|';
    key += SearchKey(*field);
  }
  return key;
}

inline std::string ContactSortName(const ContactData& c) {
  if (c.nachname.empty() && c.vorname.empty()) return SearchKey(c.firma);
  return SearchKey(c.nachname + " " + c.vorname);
}

inline SearchMode SearchModeOf(std::string_view folded) {
  if (folded.empty()) return SearchMode::kNone;
  std::size_t code_points = 0;
  for (char ch : folded) code_points += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  // A trigram needs three characters (FTS5 counts code points, not bytes).
  if (code_points >= 3) return SearchMode::kSubstring;
  for (char ch : folded) {
    if (ch < '0' || ch > '9') return SearchMode::kNamePrefix;
  }
  return SearchMode::kPlzPrefix;
}

inline std::string PrefixEnd(std::string_view prefix) {
  // U+10FFFF, the greatest code point: valid UTF-8 and greater in byte order than any byte
  // that can follow a prefix.
  return std::string(prefix) + "\xF4\x8F\xBF\xBF";
}

}  // namespace consentd::core
