#include "app/contacts_csv.h"

#include <csv.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <deque>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <utility>

#include "app/evidence.h"
#include "core/consent.h"
#include "core/contact.h"
#include "core/time.h"
#include "core/validation.h"

namespace consentd::app {
namespace {

using core::Result;
using core::Status;

constexpr std::size_t kMaxFileBytes = std::size_t{20} * 1024 * 1024;
constexpr std::size_t kMaxCells = 100;
constexpr std::size_t kMaxSourceLength = 100;
constexpr int kExportPageSize = 500;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kDefaultSource = "Import";
constexpr std::string_view kImportRevocationReason = "Widerruf laut Import";

constexpr std::string_view kLegalBasisField = "legal_basis";
constexpr std::string_view kConsentSourceField = "consent_source";
constexpr std::string_view kConsentDateField = "consent_date";
constexpr std::string_view kRevocationDateField = "revocation_date";

using Aliases = std::span<const std::pair<std::string_view, std::string_view>>;

std::optional<std::string_view> Lookup(Aliases aliases, std::string_view key) {
  for (const auto& [alias, value] : aliases) {
    if (alias == key) return value;
  }
  return std::nullopt;
}

void AddError(core::FieldErrors& errors, std::string_view field, std::string de, std::string en) {
  errors.push_back({std::string(field), std::move(de), std::move(en)});
}

bool IsFormulaStart(char c) { return c == '=' || c == '+' || c == '-' || c == '@'; }

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// --- Encoding --------------------------------------------------------------------------

// Windows-1252 bytes 0x80..0x9F; its five unassigned bytes become U+FFFD. Bytes 0xA0..0xFF
// are the Latin-1 code points of the same value.
constexpr std::array<char32_t, 32> kWindows1252C1 = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

// Appends a code point below U+10000 (all that Windows-1252 yields).
void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string DecodeWindows1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    AppendUtf8(out, b >= 0x80 && b < 0xA0 ? kWindows1252C1[b - 0x80] : char32_t{b});
  }
  return out;
}

// In text that is not valid UTF-8: how many well-formed multi-byte sequences it holds, and
// how many bytes above 0x7F belong to none.
struct Utf8Census {
  std::size_t sequences = 0;
  std::size_t strays = 0;
};

Utf8Census CountUtf8(std::string_view s) {
  Utf8Census census;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xC2 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (len == 1) {
      ++i;
    } else if (len > 1 && i + len <= s.size() && core::IsValidUtf8(s.substr(i, len))) {
      ++census.sequences;
      i += len;
    } else {
      ++census.strays;
      ++i;
    }
  }
  return census;
}

bool LooksLikeUtf16(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) return true;
  return bytes.substr(0, 2048).find('\0') != std::string_view::npos;
}

// --- Splitting into records (libcsv) ----------------------------------------------------

// Receives libcsv's callbacks while one file is parsed.
struct ParseState {
  CsvTable* table = nullptr;
  std::vector<std::string> cells;  // of the record being read
  bool too_wide = false;
  bool header_too_wide = false;
  int line = 1;   // on which the record being read started
  int ended = 0;  // records ended while the current line was fed
};

void OnCell(void* data, std::size_t len, void* state_ptr) {
  auto& state = *static_cast<ParseState*>(state_ptr);
  if (state.cells.size() >= kMaxCells) {
    state.too_wide = true;
    return;
  }
  // libcsv passes no buffer for an empty cell at the very start.
  state.cells.emplace_back(data ? static_cast<const char*>(data) : "", data ? len : 0);
}

bool AllBlank(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(),
                     [](const std::string& c) { return core::Trim(c).empty(); });
}

void OnRecordEnd(int /*terminator*/, void* state_ptr) {
  auto& state = *static_cast<ParseState*>(state_ptr);
  ++state.ended;
  if (state.too_wide) {
    if (state.table->records.empty()) state.header_too_wide = true;
    state.table->errors.push_back({state.line, "", "Die Zeile hat mehr als 100 Spalten.",
                                   "The row has more than 100 cells."});
  } else if (!AllBlank(state.cells)) {
    state.table->records.push_back({state.line, std::move(state.cells)});
  }
  state.cells.clear();
  state.too_wide = false;
}

// A libcsv parser in its default, lenient mode (a stray quote inside an unquoted cell is
// kept as a character). Frees its buffer when it goes out of scope.
class LibCsv {
 public:
  explicit LibCsv(char separator) {
    csv_init(&parser_, 0);  // fails only for a null parser
    csv_set_delim(&parser_, static_cast<unsigned char>(separator));
  }
  ~LibCsv() { csv_free(&parser_); }
  LibCsv(const LibCsv&) = delete;
  LibCsv& operator=(const LibCsv&) = delete;

  // False when libcsv could not grow its buffer.
  bool Feed(std::string_view chunk, ParseState& state) {
    return csv_parse(&parser_, chunk.data(), chunk.size(), OnCell, OnRecordEnd, &state) ==
           chunk.size();
  }

 private:
  csv_parser parser_{};
};

// Index just past the line starting at `pos`: after "\r\n", "\n" or a lone "\r", or the end.
std::size_t LineEnd(std::string_view text, std::size_t pos) {
  const std::size_t i = text.find_first_of("\r\n", pos);
  if (i == std::string_view::npos) return text.size();
  if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') return i + 2;
  return i + 1;
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Whichever of ';' and ',' the header line uses more often outside quotes.
char DetectSeparator(std::string_view header) {
  std::size_t semicolons = 0, commas = 0;
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == ';') ++semicolons;
    if (c == ',') ++commas;
  }
  return commas > semicolons ? ',' : ';';
}

// The separator named by Excel's "sep=;" first line, if `line` is one.
std::optional<char> ExcelSeparatorLine(std::string_view line) {
  const std::string trimmed = core::Trim(line);
  if (trimmed.size() != 5 || !EqualsIgnoreAsciiCase(trimmed.substr(0, 4), "sep=")) {
    return std::nullopt;
  }
  return trimmed[4];
}

// Feeds `text` to libcsv one physical line at a time, so that every record knows the line
// it starts on even when quoted cells contain line breaks.
Status FeedLines(std::string_view text, int first_line, ParseState& state) {
  LibCsv csv(state.table->separator);
  bool at_boundary = true;  // no record is open
  int line = first_line;
  for (std::size_t pos = 0; pos < text.size(); ++line) {
    const std::size_t end = LineEnd(text, pos);
    const std::string_view chunk = text.substr(pos, end - pos);
    if (at_boundary) state.line = line;
    state.ended = 0;
    bool fed = csv.Feed(chunk, state);
    const bool unterminated = chunk.back() != '\n' && chunk.back() != '\r';
    if (fed && unterminated) fed = csv.Feed("\n", state);  // the file's last line
    if (!fed) return core::Internal("CSV parser out of memory");
    at_boundary = state.ended > 0 || (at_boundary && IsBlank(chunk));
    pos = end;
  }
  if (!at_boundary) {
    state.table->errors.push_back(
        {state.line, "",
         "Ein Anführungszeichen wird bis zum Dateiende nicht geschlossen; diese Zeile und alle "
         "folgenden wurden nicht gelesen.",
         "A quotation mark is not closed before the end of the file; this row and all rows "
         "after it were not read."});
  }
  return {};
}

// --- Header ------------------------------------------------------------------------------

// "E-Mail-Adresse" -> "emailadresse", "Straße" -> "strasse", "Eigentümer" -> "eigentuemer":
// lower case, umlauts and ß spelled out, everything but ASCII letters and digits dropped.
std::string Fold(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kSpelledOut = {{
      {"\u00e4", "ae"},
      {"\u00c4", "ae"},
      {"\u00f6", "oe"},
      {"\u00d6", "oe"},
      {"\u00fc", "ue"},
      {"\u00dc", "ue"},
      {"\u00df", "ss"},
  }};
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
      ++i;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c + ('a' - 'A'));
      ++i;
    } else if (auto it =
                   std::find_if(kSpelledOut.begin(), kSpelledOut.end(),
                                [&](const auto& p) { return s.substr(i).starts_with(p.first); });
               it != kSpelledOut.end()) {
      out += it->second;
      i += it->first.size();
    } else {
      ++i;
    }
  }
  return out;
}

// Each field and the folded headers that name it. Kept narrow on purpose: "Quelle" (the lead
// source in most CRMs) is not the source of a consent.
constexpr std::pair<std::string_view, std::string_view> kHeaderAliases[] = {
    {"anrede", "anrede salutation"},
    {"titel", "titel title"},
    {"vorname", "vorname firstname givenname"},
    {"nachname", "nachname name lastname surname familienname familyname"},
    {"firma", "firma company unternehmen"},
    {"email", "email emailadresse emailaddress mail"},
    {"telefon", "telefon telefonnummer tel phone phonenumber"},
    {"mobil", "mobil mobiltelefon mobilnummer handy mobile mobilephone"},
    {"strasse", "strasse str street"},
    {"hausnummer", "hausnummer hausnr nr housenumber"},
    {"plz", "plz postleitzahl zip zipcode postalcode postcode"},
    {"ort", "ort stadt wohnort city"},
    {"land", "land country"},
    {"sprache", "sprache language"},
    {"kontaktart", "kontaktart contacttype"},
    {kLegalBasisField, "rechtsgrundlage legalbasis"},
    {kConsentSourceField, "einwilligungsquelle consentsource"},
    {kConsentDateField, "einwilligungsdatum consentdate"},
    {kRevocationDateField, "widerrufsdatum revocationdate withdrawaldate"},
};

// Whether `word` is one of the space-separated `words`.
bool IsOneOf(std::string_view word, std::string_view words) {
  for (std::size_t pos = 0; pos <= words.size();) {
    std::size_t end = std::min(words.find(' ', pos), words.size());
    if (words.substr(pos, end - pos) == word) return true;
    pos = end + 1;
  }
  return false;
}

// Per column, the field it fills ("" = ignored); of two columns for one field the first wins.
Result<std::vector<std::string_view>> MapColumns(const CsvRecord& header) {
  std::vector<std::string_view> columns;
  auto has = [&](std::string_view field) {
    return std::find(columns.begin(), columns.end(), field) != columns.end();
  };
  for (const auto& cell : header.cells) {
    const std::string_view field = MapCsvHeader(cell);
    columns.push_back(has(field) ? std::string_view() : field);
  }
  if (!has("email")) {
    return core::InvalidArgument(
        "Die CSV-Datei hat keine Spalte für die E-Mail-Adresse (z. B. \u201eE-Mail\u201c); "
        "ohne sie kann nichts importiert werden.");
  }
  if (!has("nachname") && !has("firma")) {
    return core::InvalidArgument(
        "Die CSV-Datei hat weder eine Spalte \u201eNachname\u201c noch eine Spalte "
        "\u201eFirma\u201c; ohne sie kann nichts importiert werden.");
  }
  return columns;
}

// --- Cells -------------------------------------------------------------------------------

constexpr std::pair<std::string_view, std::string_view> kAnreden[] = {
    {"herr", "Herr"}, {"hr", "Herr"},       {"mr", "Herr"},   {"mister", "Herr"},
    {"frau", "Frau"}, {"fr", "Frau"},       {"mrs", "Frau"},  {"ms", "Frau"},
    {"miss", "Frau"}, {"divers", "Divers"}, {"mx", "Divers"}, {"firma", ""},
    {"company", ""},  {"familie", ""},      {"eheleute", ""}, {"herrundfrau", ""},
};
constexpr std::pair<std::string_view, std::string_view> kLaender[] = {
    {"deutschland", "DE"}, {"germany", "DE"}, {"oesterreich", "AT"},
    {"austria", "AT"},     {"schweiz", "CH"}, {"switzerland", "CH"},
};
constexpr std::pair<std::string_view, std::string_view> kSprachen[] = {
    {"de", "de"}, {"deu", "de"}, {"ger", "de"},      {"deutsch", "de"}, {"german", "de"},
    {"en", "en"}, {"eng", "en"}, {"englisch", "en"}, {"english", "en"},
};
// Beside these English words, the keys and the German labels of core::kKontaktarten (which
// fold to their keys) are understood.
constexpr std::pair<std::string_view, std::string_view> kKontaktartWords[] = {
    {"prospect", "interessent"}, {"owner", "eigentuemer"}, {"buyer", "kaeufer"},
    {"seller", "verkaeufer"},    {"tenant", "mieter"},     {"landlord", "vermieter"},
    {"other", "sonstiges"},
};
constexpr std::pair<std::string_view, std::string_view> kLegalBases[] = {
    {"consent", "consent"},
    {"einwilligung", "consent"},
    {"existingcustomer", "existing_customer"},
    {"bestandskunde", "existing_customer"},
    {"ownenquiry", "own_enquiry"},
    {"anfrage", "own_enquiry"},
    {"eigeneanfrage", "own_enquiry"},
    {"none", "none"},
    {"keine", "none"},
};

std::string KontaktartKey(const std::string& value) {
  std::string folded = Fold(value);
  for (const auto& kontaktart : core::kKontaktarten) {
    if (kontaktart.first == folded) return folded;
  }
  return std::string(Lookup(kKontaktartWords, folded).value_or(value));
}

// A value as core::ApplyContactForm expects it: "Deutschland" -> "DE", "Englisch" -> "en",
// "Eigentümer" -> "eigentuemer". Unknown values pass unchanged for the validation to reject.
std::string CanonicalValue(std::string_view field, const std::string& value) {
  if (field == "land") return std::string(Lookup(kLaender, Fold(value)).value_or(value));
  if (field == "sprache") return std::string(Lookup(kSprachen, Fold(value)).value_or(value));
  if (field == "kontaktart") return KontaktartKey(value);
  return value;
}

// "Dr.", "Prof. Dr.", "Dipl.-Ing.": abbreviations only, so that "Herr Dr. Weber" is no title.
bool LooksLikeTitle(std::string_view s) {
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t end = std::min(s.find(' ', pos), s.size());
    if (end > pos && s.substr(pos, end - pos).find('.') == std::string_view::npos) return false;
    pos = end + 1;
  }
  return !s.empty();
}

// "Hr." -> "Herr", "Mrs" -> "Frau", "Firma" -> none; "Herr Dr." also fills an empty title.
void MapAnrede(core::Form& form) {
  auto it = form.find("anrede");
  if (it == form.end()) return;
  std::optional<std::string_view> mapped = Lookup(kAnreden, Fold(it->second));
  const std::size_t space = it->second.find(' ');
  if (!mapped && space != std::string::npos) {
    const std::string title = core::Trim(std::string_view(it->second).substr(space));
    mapped = Lookup(kAnreden, Fold(std::string_view(it->second).substr(0, space)));
    if (!mapped || !LooksLikeTitle(title)) return;  // the validation rejects the value
    if (!form.contains("titel")) form.emplace("titel", title);
  }
  if (!mapped) return;
  if (mapped->empty()) {
    form.erase(it);
  } else {
    it->second = std::string(*mapped);
  }
}

// Undoes the export's guard against formula injection: "'=SUM(1)" -> "=SUM(1)".
std::string Unneutralise(std::string value) {
  if (value.size() < 2 || value[0] != '\'') return value;
  const std::size_t i = value.find_first_not_of(" \t", 1);
  if (i != std::string::npos && IsFormulaStart(value[i])) value.erase(0, 1);
  return value;
}

// Three groups of digits separated by `sep`, e.g. "31.12.2024"; nullopt for anything else.
std::optional<std::array<int, 3>> SplitNumbers(std::string_view s, char sep) {
  std::array<int, 3> parts{};
  for (std::size_t k = 0; k < 3; ++k) {
    const std::size_t end = k < 2 ? s.find(sep) : s.size();
    if (end == 0 || end == std::string_view::npos || end > 4) return std::nullopt;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + end, parts[k]);
    if (ec != std::errc() || ptr != s.data() + end) return std::nullopt;
    s.remove_prefix(k < 2 ? end + 1 : end);
  }
  return parts;
}

// "31.12.2024", "1.2.2024" or "2024-12-31", optionally with a time of day (ignored), as
// midnight UTC of that day.
std::optional<core::Time> ParseDate(std::string_view s) {
  const std::size_t cut = s.find_first_of(" T");
  if (cut != std::string_view::npos &&
      s.find_first_not_of("0123456789:.Z+- ", cut + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view date = s.substr(0, cut);
  std::optional<std::array<int, 3>> dmy = SplitNumbers(date, '.');
  if (dmy && date.size() - date.rfind('.') != 5) dmy.reset();  // a four-digit year
  if (!dmy) {
    auto ymd = SplitNumbers(date, '-');
    if (!ymd || date.find('-') != 4) return std::nullopt;
    dmy = std::array<int, 3>{(*ymd)[2], (*ymd)[1], (*ymd)[0]};
  }
  const auto [d, m, y] = *dmy;
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || y < 1900) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

std::optional<core::Time> ReadDate(std::string_view field, std::string_view value, core::Time now,
                                   core::FieldErrors& errors) {
  const std::optional<core::Time> date = ParseDate(value);
  if (!date) {
    AddError(errors, field, "Bitte das Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben.",
             "Please give the date as DD.MM.YYYY or YYYY-MM-DD.");
    return std::nullopt;
  }
  if (*date > now) {
    AddError(errors, field, "Das Datum liegt in der Zukunft.", "The date is in the future.");
    return std::nullopt;
  }
  return date;
}

// A data row read through the header.
struct RowInput {
  core::Form form;  // kContactFields names -> non-empty values, canonical spellings
  std::optional<core::LegalBasis> legal_basis;
  std::optional<core::Time> consent_date;
  std::optional<core::Time> revocation_date;
  std::string source{kDefaultSource};
  core::FieldErrors errors;  // found without looking at the store
};

void ReadCell(std::string_view field, const std::string& value, core::Time now, RowInput& row) {
  if (field == kLegalBasisField) {
    auto key = Lookup(kLegalBases, Fold(value));
    row.legal_basis = key ? core::ParseLegalBasis(*key) : std::nullopt;
    if (!row.legal_basis) {
      AddError(row.errors, field,
               "Unbekannte Rechtsgrundlage; möglich sind Einwilligung, Bestandskunde, Anfrage "
               "oder keine.",
               "Unknown legal basis; possible are consent, existing_customer, own_enquiry or "
               "none.");
    }
  } else if (field == kConsentDateField) {
    row.consent_date = ReadDate(field, value, now, row.errors);
  } else if (field == kRevocationDateField) {
    row.revocation_date = ReadDate(field, value, now, row.errors);
  } else if (field == kConsentSourceField) {
    if (core::CheckText(field, value, kMaxSourceLength, row.errors)) row.source = value;
  } else {
    row.form[std::string(field)] = CanonicalValue(field, value);
  }
}

RowInput ReadRow(const std::vector<std::string_view>& columns, const CsvRecord& record,
                 core::Time now) {
  RowInput row;
  const std::size_t n = std::min(columns.size(), record.cells.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (columns[i].empty()) continue;
    std::string value = Unneutralise(core::Trim(record.cells[i]));
    if (!value.empty()) ReadCell(columns[i], value, now, row);
  }
  MapAnrede(row.form);
  if (!row.form.contains("email")) {
    AddError(row.errors, "email", "Die E-Mail-Adresse fehlt.", "The e-mail address is missing.");
  }
  return row;
}

// --- Consent columns ----------------------------------------------------------------------

// A consent or a withdrawal the row states, to be recorded.
struct ConsentEvent {
  core::ActivityType type;  // kEinwilligung or kWiderruf
  core::Time at;
};

struct ConsentPlan {
  std::vector<ConsentEvent> events;  // in date order
  bool in_force = false;             // the consent holds after the events
};

// Which of the row's consent and withdrawal change `current`, taken in date order (a
// consent first on the same day). A consent already in force is kept with its evidence; a
// consent does not override a later withdrawal, nor a withdrawal a later consent.
ConsentPlan PlanConsent(const std::optional<core::ConsentRecord>& current,
                        std::optional<core::Time> consent, std::optional<core::Time> revocation) {
  std::vector<ConsentEvent> stated;
  if (consent) stated.push_back({core::ActivityType::kEinwilligung, *consent});
  if (revocation) stated.push_back({core::ActivityType::kWiderruf, *revocation});
  std::stable_sort(stated.begin(), stated.end(),
                   [](const ConsentEvent& a, const ConsentEvent& b) { return a.at < b.at; });
  // Plain flags and times rather than std::optional: GCC 12 at -O2 reports optional<Time>
  // here as maybe-uninitialized (a false positive that -Werror would turn into a failure).
  bool has_granted = current && current->granted_at.has_value();
  bool has_revoked = current && current->revoked_at.has_value();
  core::Time granted = has_granted ? *current->granted_at : core::Time{};
  core::Time revoked = has_revoked ? *current->revoked_at : core::Time{};
  ConsentPlan plan;
  for (const ConsentEvent& e : stated) {
    const bool in_force = has_granted && !has_revoked;
    if (e.type == core::ActivityType::kEinwilligung) {
      if (in_force || (has_revoked && revoked >= e.at)) continue;
      has_granted = true;
      granted = e.at;
      has_revoked = false;
    } else {
      if (has_revoked || (in_force && granted > e.at)) continue;
      has_revoked = true;
      revoked = e.at;
    }
    plan.events.push_back(e);
  }
  plan.in_force = has_granted && !has_revoked;
  return plan;
}

// As on the consent page: consenting sets the legal basis to consent, withdrawing to none.
core::LegalBasis LegalBasisAfter(const ConsentPlan& plan, bool states_consent,
                                 core::LegalBasis basis) {
  if (!plan.events.empty()) {
    return plan.events.back().type == core::ActivityType::kEinwilligung ? core::LegalBasis::kConsent
                                                                        : core::LegalBasis::kNone;
  }
  return states_consent && plan.in_force ? core::LegalBasis::kConsent : basis;
}

struct ConsentWork {
  core::ConsentPurpose purpose;
  std::optional<core::ConsentRecord> current;
  ConsentPlan plan;
};

// `contact` is nullopt for a contact not yet inserted.
Result<ConsentWork> PrepareConsent(core::ReadTx& tx, core::TenantId tenant,
                                   std::optional<core::ContactId> contact, const RowInput& row) {
  auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
  if (!purpose) return purpose.error();
  std::optional<core::ConsentRecord> current;
  if (contact) {
    auto found = tx.FindConsent(tenant, *contact, purpose->id);
    if (!found) return found.error();
    current = std::move(*found);
  }
  ConsentPlan plan = PlanConsent(current, row.consent_date, row.revocation_date);
  return ConsentWork{std::move(*purpose), std::move(current), std::move(plan)};
}

// --- One row, one unit of work -------------------------------------------------------------

struct RowContext {
  core::TenantId tenant;
  const core::Crypto& crypto;
  const core::PhoneNormalizer& phones;
  core::Time now;
  int line;
};

enum class RowResult { kInserted, kUpdated, kUnchanged };

struct RowOutcome {
  RowResult result = RowResult::kUnchanged;
  core::FieldErrors errors;  // the row failed validation; its unit was rolled back
};

// Returned by a unit whose row failed validation, so that the store rolls it back.
core::Error RowRejected() { return core::InvalidArgument("CSV row rejected"); }

Result<core::ConsentText> TextFor(core::ReadTx& tx, core::TenantId tenant, core::PurposeId purpose,
                                  std::string_view language) {
  auto text = tx.CurrentText(tenant, purpose, language == "en" ? "en" : "de");
  if (text || language != "en") return text;
  return tx.CurrentText(tenant, purpose, "de");
}

Status RecordConsentEvents(core::WriteTx& tx, const RowContext& ctx, const RowInput& row,
                           const core::Contact& contact, const ConsentWork& work) {
  auto author = tx.FindSystemUser(ctx.tenant);
  if (!author) return author.error();
  std::optional<core::ConsentRecord> record = work.current;
  for (const ConsentEvent& e : work.plan.events) {
    nlohmann::json payload = {{"act", "import"},
                              {"source", row.source},
                              {"date", core::FormatIsoDate(e.at)},
                              {"line", ctx.line}};
    if (e.type == core::ActivityType::kEinwilligung) {
      auto text = TextFor(tx, ctx.tenant, work.purpose.id, contact.data.sprache);
      if (!text) return text.error();
      record = core::GiveConsent(contact.id, work.purpose, *text, row.source, e.at);
    } else {
      const bool had_record = record.has_value();
      record = core::Withdraw(record, contact.id, work.purpose, kImportRevocationReason, e.at);
      if (!had_record) record->source = row.source;
      payload["reason"] = std::string(kImportRevocationReason);
    }
    CONSENTD_RETURN_IF_ERROR(AppendActivity(tx, ctx.crypto, ctx.tenant, contact.id, e.type,
                                            author->id, ctx.now, payload));
  }
  return tx.SaveConsent(ctx.tenant, *record);
}

// The contact with `email`, or nullopt when the tenant has none.
Result<std::optional<core::Contact>> FindByEmail(core::ReadTx& tx, core::TenantId tenant,
                                                 std::string_view email) {
  auto found = tx.FindContactByEmail(tenant, email);
  if (found) return std::optional<core::Contact>(std::move(*found));
  if (found.error().code == core::ErrorCode::kNotFound) return std::optional<core::Contact>();
  return found.error();
}

// The form to apply. The e-mail address is the key, so an existing contact keeps its own
// spelling of it; a new contact must get a name or a company.
core::Form FormFor(core::Form form, const std::optional<core::Contact>& existing) {
  if (!existing) {
    form.try_emplace("nachname", "");
  } else if (EqualsIgnoreAsciiCase(existing->data.email, form["email"])) {
    form.erase("email");
  }
  return form;
}

// Inserts `contact` when `before` is null (setting its id), else updates it if it changed.
Result<RowResult> SaveContact(core::WriteTx& tx, core::Contact& contact,
                              const core::Contact* before, core::Time now) {
  if (!before) {
    contact.created_at = contact.updated_at = now;
    auto id = tx.InsertContact(contact);
    if (!id) return id.error();
    contact.id = *id;
    return RowResult::kInserted;
  }
  if (contact.data == before->data && contact.legal_basis == before->legal_basis) {
    return RowResult::kUnchanged;
  }
  contact.updated_at = now;
  CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(contact));
  return RowResult::kUpdated;
}

Status ApplyRow(core::WriteTx& tx, const RowContext& ctx, const RowInput& row,
                RowOutcome& outcome) {
  auto found = FindByEmail(tx, ctx.tenant, row.form.at("email"));
  if (!found) return found.error();
  const std::optional<core::Contact>& existing = *found;
  core::Contact contact = existing.value_or(core::Contact{});
  contact.tenant_id = ctx.tenant;
  auto applied = core::ApplyContactForm(FormFor(row.form, existing), contact.data, ctx.phones);
  if (!applied.errors.empty()) {
    outcome.errors = std::move(applied.errors);
    return RowRejected();
  }
  contact.data = std::move(applied.data);
  if (row.legal_basis) contact.legal_basis = *row.legal_basis;
  std::optional<ConsentWork> work;
  if (row.consent_date || row.revocation_date) {
    auto prepared =
        PrepareConsent(tx, ctx.tenant, existing ? std::optional(contact.id) : std::nullopt, row);
    if (!prepared) return prepared.error();
    work = std::move(*prepared);
    contact.legal_basis =
        LegalBasisAfter(work->plan, row.consent_date.has_value(), contact.legal_basis);
  }
  auto saved = SaveContact(tx, contact, existing ? &*existing : nullptr, ctx.now);
  if (!saved) return saved.error();
  outcome.result = *saved;
  if (!work || work->plan.events.empty()) return {};
  if (outcome.result == RowResult::kUnchanged) outcome.result = RowResult::kUpdated;
  return RecordConsentEvents(tx, ctx, row, contact, *work);
}

void AddRowErrors(ImportReport& report, int line, const core::FieldErrors& errors) {
  for (const auto& e : errors) report.errors.push_back({line, e.field, e.message_de, e.message_en});
}

// Imports the data rows of one file, one unit of work each, and tallies what happened.
class RowImporter {
 public:
  RowImporter(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
              const core::PhoneNormalizer& phones, core::TenantId tenant,
              std::vector<std::string_view> columns)
      : store_(store),
        clock_(clock),
        crypto_(crypto),
        phones_(phones),
        tenant_(tenant),
        columns_(std::move(columns)) {}

  // Imports every data row (records[1..]). Rows are queued as units of work in windows, so
  // many are committed together, and they still run in file order. Fails only for a
  // storage error that is not a row's own fault.
  Status ImportAll(const std::vector<CsvRecord>& records, ImportReport& report) {
    constexpr std::size_t kWindow = 256;
    std::deque<Pending> window;
    for (std::size_t i = 1; i < records.size(); ++i) {
      Queue(records[i], report, window);
      if (window.size() >= kWindow) CONSENTD_RETURN_IF_ERROR(Drain(window, report));
    }
    return Drain(window, report);
  }

 private:
  // A row on its way through the store. Lives in a deque: the queued unit refers to it.
  struct Pending {
    int line;
    RowInput row;
    RowContext ctx;
    RowOutcome outcome;
    std::future<Status> done;
  };

  void Queue(const CsvRecord& record, ImportReport& report, std::deque<Pending>& window) {
    const core::Time now = clock_.Now();
    RowInput row = ReadRow(columns_, record, now);
    if (!row.errors.empty()) {
      AddRowErrors(report, record.line, row.errors);
      // Also the field errors, so that one round of corrections fixes the row.
      AddRowErrors(report, record.line,
                   core::ApplyContactForm(row.form, core::ContactData{}, phones_).errors);
      return;
    }
    window.push_back(Pending{record.line,
                             std::move(row),
                             RowContext{tenant_, crypto_, phones_, now, record.line},
                             {},
                             {}});
    Pending& p = window.back();
    p.done = store_.WriteAsync([&p](core::WriteTx& tx) {
      p.outcome = {};  // a unit may run again
      return ApplyRow(tx, p.ctx, p.row, p.outcome);
    });
  }

  Status Drain(std::deque<Pending>& window, ImportReport& report) {
    Status first_failure;
    for (Pending& p : window) {
      const Status status = p.done.get();
      if (!p.outcome.errors.empty()) {
        AddRowErrors(report, p.line, p.outcome.errors);
      } else if (!status) {
        Status handled = OnStoreError(status.error(), p.line, report);
        if (!handled && first_failure) first_failure = handled;
      } else {
        Tally(p.outcome.result, report);
      }
    }
    window.clear();
    return first_failure;
  }

  static Status OnStoreError(const core::Error& error, int line, ImportReport& report) {
    if (error.code == core::ErrorCode::kConflict) {
      report.errors.push_back({line, "email",
                               "Die E-Mail-Adresse gehört bereits zu einem anderen Kontakt.",
                               "The e-mail address already belongs to another contact."});
      return {};
    }
    if (error.code == core::ErrorCode::kInvalidArgument) {
      report.errors.push_back({line, "", "Die Zeile konnte nicht gespeichert werden.",
                               "The row could not be stored: " + error.message});
      return {};
    }
    return core::Error{error.code,
                       "CSV import stopped at line " + std::to_string(line) + ": " + error.message};
  }

  static void Tally(RowResult result, ImportReport& report) {
    switch (result) {
      case RowResult::kInserted:
        ++report.inserted;
        break;
      case RowResult::kUpdated:
        ++report.updated;
        break;
      case RowResult::kUnchanged:
        ++report.unchanged;
        break;
    }
  }

  core::Store& store_;
  const core::Clock& clock_;
  const core::Crypto& crypto_;
  const core::PhoneNormalizer& phones_;
  const core::TenantId tenant_;
  const std::vector<std::string_view> columns_;
};

// --- Export --------------------------------------------------------------------------------

constexpr std::array<std::string_view, 19> kExportHeader = {"Anrede",        "Titel",
                                                            "Vorname",       "Nachname",
                                                            "Firma",         "E-Mail",
                                                            "Telefon",       "Mobil",
                                                            "Stra\u00dfe",   "Hausnummer",
                                                            "PLZ",           "Ort",
                                                            "Land",          "Sprache",
                                                            "Kontaktart",    "Rechtsgrundlage",
                                                            "Einwilligung",  "Einwilligungsdatum",
                                                            "Widerrufsdatum"};

std::string_view LegalBasisLabel(core::LegalBasis basis) {
  switch (basis) {
    case core::LegalBasis::kConsent:
      return "Einwilligung";
    case core::LegalBasis::kExistingCustomer:
      return "Bestandskunde";
    case core::LegalBasis::kOwnEnquiry:
      return "Anfrage";
    case core::LegalBasis::kNone:
      return "keine";
  }
  return "keine";
}

std::string_view ConsentStateLabel(core::ConsentState state) {
  switch (state) {
    case core::ConsentState::kGranted:
      return "erteilt";
    case core::ConsentState::kWithdrawn:
      return "widerrufen";
    case core::ConsentState::kDeletionRequested:
      return "L\u00f6schantrag";
    case core::ConsentState::kNone:
      return "keine";
  }
  return "keine";
}

std::string KontaktartLabel(const std::string& key) {
  for (const auto& [k, label] : core::kKontaktarten) {
    if (k == key) return std::string(label);
  }
  return key;
}

// A cell as written: guarded against formula injection, quoted when needed (RFC 4180).
std::string CsvCell(std::string_view value) {
  std::string cell;
  const std::size_t first = value.find_first_not_of(" \t");
  if (first != std::string_view::npos && IsFormulaStart(value[first])) cell = "'";
  cell += value;
  const bool outer_space = !cell.empty() && (cell.front() == ' ' || cell.back() == ' ');
  if (cell.find_first_of(";,\"\r\n\t") == std::string::npos && !outer_space) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

template <typename Cells>
void AppendCsvLine(std::string& out, const Cells& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ';';
    out += CsvCell(cells[i]);
  }
  out += "\r\n";
}

std::string GermanDate(const std::optional<core::Time>& t) {
  return t ? core::FormatGermanDate(*t) : std::string();
}

// `purpose` is nullopt for a tenant without the default purpose: no consent to show.
Result<std::vector<std::string>> ExportRow(core::ReadTx& tx, core::TenantId tenant,
                                           std::optional<core::PurposeId> purpose,
                                           const core::Contact& c) {
  std::vector<std::string> cells;
  for (const auto& f : core::kContactFields) {
    const std::string& value = c.data.*f.member;
    cells.push_back(f.name == "kontaktart" ? KontaktartLabel(value) : value);
  }
  cells.emplace_back(LegalBasisLabel(c.legal_basis));
  std::optional<core::ConsentRecord> consent;
  if (purpose) {
    auto found = tx.FindConsent(tenant, c.id, *purpose);
    if (!found) return found.error();
    consent = std::move(*found);
  }
  auto deletion = tx.FindOpenDeletionRequest(tenant, c.id);
  if (!deletion) return deletion.error();
  cells.emplace_back(ConsentStateLabel(core::StateOf(consent, deletion->has_value())));
  cells.push_back(GermanDate(consent ? consent->granted_at : std::nullopt));
  cells.push_back(GermanDate(consent ? consent->revoked_at : std::nullopt));
  return cells;
}

// Appends the contacts after `after` (at most one page) to `out`; returns the cursor for the
// next page, or nullopt after the last one.
Result<std::optional<core::ContactId>> ExportPage(core::ReadTx& tx, core::TenantId tenant,
                                                  std::optional<core::PurposeId> purpose,
                                                  core::ContactId after, std::string& out) {
  auto page = tx.ListContacts(tenant, after, kExportPageSize);
  if (!page) return page.error();
  for (const core::Contact& c : *page) {
    if (c.erased) continue;
    auto cells = ExportRow(tx, tenant, purpose, c);
    if (!cells) return cells.error();
    AppendCsvLine(out, *cells);
  }
  if (page->size() < static_cast<std::size_t>(kExportPageSize)) {
    return std::optional<core::ContactId>();
  }
  return std::optional<core::ContactId>(page->back().id);
}

// Appends the rows of `ids` (at most one page of them) that are live contacts of the tenant.
Status ExportIds(core::ReadTx& tx, core::TenantId tenant, std::optional<core::PurposeId> purpose,
                 std::span<const core::ContactId> ids, std::string& out) {
  for (core::ContactId id : ids) {
    auto c = tx.FindContact(tenant, id);
    if (!c) {
      if (c.error().code == core::ErrorCode::kNotFound) continue;
      return c.error();
    }
    if (c->erased) continue;
    auto cells = ExportRow(tx, tenant, purpose, *c);
    if (!cells) return cells.error();
    AppendCsvLine(out, *cells);
  }
  return {};
}

Status RequireTenant(core::Store& store, core::TenantId tenant) {
  return store.Read([&](core::ReadTx& tx) -> Status {
    auto t = tx.FindTenant(tenant);
    if (!t) return t.error();
    return {};
  });
}

// The tenant's default purpose, if it has one; kNotFound for an unknown tenant.
Result<std::optional<core::PurposeId>> ExportPurpose(core::Store& store, core::TenantId tenant) {
  std::optional<core::PurposeId> purpose;
  const Status status = store.Read([&](core::ReadTx& tx) -> Status {
    auto t = tx.FindTenant(tenant);
    if (!t) return t.error();
    auto p = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
    if (p) purpose = p->id;
    if (p || p.error().code == core::ErrorCode::kNotFound) return {};
    return p.error();
  });
  if (!status) return status.error();
  return purpose;
}

}  // namespace

Result<std::string> DecodeCsvBytes(std::string_view bytes) {
  if (LooksLikeUtf16(bytes)) {
    return core::InvalidArgument(
        "Die Datei ist in UTF-16 (\u201eUnicode-Text\u201c) gespeichert. Bitte in Excel als "
        "\u201eCSV UTF-8 (durch Trennzeichen getrennt)\u201c speichern.");
  }
  const bool bom = bytes.starts_with(kUtf8Bom);
  if (bom) bytes.remove_prefix(kUtf8Bom.size());
  if (core::IsValidUtf8(bytes)) return std::string(bytes);
  const Utf8Census census = CountUtf8(bytes);
  if (bom || census.sequences > census.strays) {
    return core::InvalidArgument(
        "Die Datei ist UTF-8, enthält aber ungültige Bytes (gemischte Zeichenkodierung). Bitte "
        "die Datei neu als \u201eCSV UTF-8\u201c speichern.");
  }
  return DecodeWindows1252(bytes);
}

Result<CsvTable> ParseCsv(std::string_view text) {
  CsvTable table;
  int line = 1;
  std::size_t pos = 0;
  while (pos < text.size() && IsBlank(text.substr(pos, LineEnd(text, pos) - pos))) {
    pos = LineEnd(text, pos);
    ++line;
  }
  const std::string_view first = text.substr(pos, LineEnd(text, pos) - pos);
  if (auto sep = ExcelSeparatorLine(first)) {
    table.separator = *sep;
    pos += first.size();
    ++line;
  } else {
    table.separator = DetectSeparator(first);
  }
  ParseState state;
  state.table = &table;
  CONSENTD_RETURN_IF_ERROR(FeedLines(text.substr(pos), line, state));
  if (state.header_too_wide) {
    return core::InvalidArgument("Die Kopfzeile der CSV-Datei hat mehr als 100 Spalten.");
  }
  if (table.records.empty()) return core::InvalidArgument("Die CSV-Datei hat keine Kopfzeile.");
  return table;
}

std::string_view MapCsvHeader(std::string_view header) {
  const std::string folded = Fold(header);
  for (const auto& [field, aliases] : kHeaderAliases) {
    if (IsOneOf(folded, aliases)) return field;
  }
  return "";
}

Result<ImportReport> ImportContactsCsv(core::Store& store, const core::Clock& clock,
                                       const core::Crypto& crypto,
                                       const core::PhoneNormalizer& phones, core::TenantId tenant,
                                       std::string_view bytes) {
  if (bytes.size() > kMaxFileBytes) {
    return core::InvalidArgument("Die CSV-Datei ist größer als 20 MB; bitte aufteilen.");
  }
  auto text = DecodeCsvBytes(bytes);
  if (!text) return text.error();
  auto table = ParseCsv(*text);
  if (!table) return table.error();
  auto columns = MapColumns(table->records.front());
  if (!columns) return columns.error();
  CONSENTD_RETURN_IF_ERROR(RequireTenant(store, tenant));
  ImportReport report;
  report.errors = std::move(table->errors);
  RowImporter importer(store, clock, crypto, phones, tenant, std::move(*columns));
  CONSENTD_RETURN_IF_ERROR(importer.ImportAll(table->records, report));
  std::stable_sort(report.errors.begin(), report.errors.end(),
                   [](const CsvRowError& a, const CsvRowError& b) { return a.line < b.line; });
  return report;
}

Result<std::string> ExportContactsCsv(core::Store& store, core::TenantId tenant) {
  auto purpose = ExportPurpose(store, tenant);
  if (!purpose) return purpose.error();
  std::string out(kUtf8Bom);
  AppendCsvLine(out, kExportHeader);
  for (std::optional<core::ContactId> after = 0; after;) {
    const Status status = store.Read([&](core::ReadTx& tx) -> Status {
      auto next = ExportPage(tx, tenant, *purpose, *after, out);
      if (!next) return next.error();
      after = *next;
      return {};
    });
    if (!status) return status.error();
  }
  return out;
}

Result<std::string> ExportContactsCsv(core::Store& store, core::TenantId tenant,
                                      std::vector<core::ContactId> ids) {
  auto purpose = ExportPurpose(store, tenant);
  if (!purpose) return purpose.error();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out(kUtf8Bom);
  AppendCsvLine(out, kExportHeader);
  constexpr auto kPage = static_cast<std::size_t>(kExportPageSize);
  const std::span<const core::ContactId> all(ids);
  for (std::size_t at = 0; at < all.size(); at += kPage) {
    const auto page = all.subspan(at, std::min(kPage, all.size() - at));
    CONSENTD_RETURN_IF_ERROR(store.Read(
        [&](core::ReadTx& tx) -> Status { return ExportIds(tx, tenant, *purpose, page, out); }));
  }
  return out;
}

}  // namespace consentd::app
