#include "app/contact_list.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace consentd::app {

namespace {

constexpr std::size_t kMaxTextLength = 100;  // code points
constexpr int kMaxPage = 100000;
constexpr std::array<std::string_view, 5> kStates = {"", "none", "granted", "withdrawn",
                                                     "deletion_requested"};
constexpr std::array<std::string_view, 5> kSorts = {"name", "plz", "ort", "created", "state"};

std::string FieldOf(const core::Form& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : core::Trim(it->second);
}

void Reject(core::FieldErrors& errors, std::string field, std::string de, std::string en) {
  errors.push_back({std::move(field), std::move(de), std::move(en)});
}

bool IsKontaktart(std::string_view key) {
  return std::any_of(core::kKontaktarten.begin(), core::kKontaktarten.end(),
                     [key](const auto& k) { return k.first == key; });
}

void ParseText(const core::Form& fields, ParsedContactQuery& out) {
  std::string text = FieldOf(fields, "q");
  core::FieldErrors errors;
  if (!core::CheckText("q", text, kMaxTextLength, errors)) {
    Reject(out.errors, "q", "Der Suchtext ist ungültig oder länger als 100 Zeichen.",
           "The search text is invalid or longer than 100 characters.");
    return;
  }
  out.query.text = std::move(text);
}

void ParseFilters(const core::Form& fields, ParsedContactQuery& out) {
  std::string state = FieldOf(fields, "state");
  if (std::find(kStates.begin(), kStates.end(), state) != kStates.end()) {
    out.query.state = state;
  } else {
    Reject(out.errors, "state", "Unbekannter Einwilligungsstatus – es wird nicht danach gefiltert.",
           "Unknown consent state – not filtered by it.");
  }
  std::string basis = FieldOf(fields, "basis");
  if (basis.empty() || core::ParseLegalBasis(basis)) {
    out.query.basis = basis;
  } else {
    Reject(out.errors, "basis", "Unbekannte Rechtsgrundlage – es wird nicht danach gefiltert.",
           "Unknown legal basis – not filtered by it.");
  }
  std::string kontaktart = FieldOf(fields, "kontaktart");
  if (kontaktart.empty() || IsKontaktart(kontaktart)) {
    out.query.kontaktart = kontaktart;
  } else {
    Reject(out.errors, "kontaktart", "Unbekannte Kontaktart – es wird nicht danach gefiltert.",
           "Unknown contact type – not filtered by it.");
  }
}

void ParseOrder(const core::Form& fields, ParsedContactQuery& out) {
  std::string sort = FieldOf(fields, "sort");
  if (sort.empty() || std::find(kSorts.begin(), kSorts.end(), sort) != kSorts.end()) {
    if (!sort.empty()) out.query.sort = sort;
  } else {
    Reject(out.errors, "sort", "Unbekannte Sortierung – es wird nach Name sortiert.",
           "Unknown sort order – sorted by name.");
  }
  std::string dir = FieldOf(fields, "dir");
  if (dir == "desc") {
    out.query.descending = true;
  } else if (!dir.empty() && dir != "asc") {
    Reject(out.errors, "dir", "Unbekannte Sortierrichtung – es wird aufsteigend sortiert.",
           "Unknown sort direction – sorted ascending.");
  }
}

void ParsePage(const core::Form& fields, ParsedContactQuery& out) {
  std::string page = FieldOf(fields, "page");
  if (page.empty()) return;
  int value = 0;
  auto [end, ec] = std::from_chars(page.data(), page.data() + page.size(), value);
  if (ec == std::errc() && end == page.data() + page.size() && value >= 1 && value <= kMaxPage) {
    out.query.page = value;
    return;
  }
  Reject(out.errors, "page", "Ungültige Seitenzahl – es wird die erste Seite gezeigt.",
         "Invalid page number – showing the first page.");
}

}  // namespace

ParsedContactQuery ParseContactQuery(const core::Form& fields) {
  ParsedContactQuery out;
  ParseText(fields, out);
  ParseFilters(fields, out);
  ParseOrder(fields, out);
  ParsePage(fields, out);
  return out;
}

core::ContactListFilter ToListFilter(const ContactQuery& query) {
  core::ContactListFilter f;
  f.search = core::SearchKey(query.text);
  f.state = query.state;
  f.basis = query.basis;
  f.kontaktart = query.kontaktart;
  f.sort = query.sort;
  f.descending = query.descending;
  return f;
}

core::Result<std::vector<core::ContactId>> MatchingContactIds(core::Store& store,
                                                              core::TenantId tenant,
                                                              const ContactQuery& query) {
  std::vector<core::ContactId> ids;
  const auto filter = ToListFilter(query);
  auto status = store.Read([&](core::ReadTx& tx) -> core::Status {
    auto found = tx.ListContactRowIds(tenant, filter);
    if (!found) return found.error();
    ids = std::move(*found);
    return {};
  });
  if (!status) return status.error();
  return ids;
}

core::Result<ContactListPage> LoadContactList(core::Store& store, core::TenantId tenant,
                                              const ContactQuery& query) {
  ContactListPage page;
  const auto filter = ToListFilter(query);
  const std::int64_t offset = std::int64_t{query.page - 1} * query.per_page;
  const bool substring = core::SearchModeOf(filter.search) == core::SearchMode::kSubstring;
  page.count_cap = substring ? kSearchCountCap : kContactCountCap;
  auto status = store.Read([&](core::ReadTx& tx) -> core::Status {
    // One row more than shown tells whether a next page exists, whatever the capped count.
    auto slice = tx.ListContactPage(tenant, filter, offset, query.per_page + 1, page.count_cap + 1);
    if (!slice) return slice.error();
    auto& rows = slice->rows;
    page.has_next = rows.size() > static_cast<std::size_t>(query.per_page);
    if (page.has_next) rows.pop_back();
    page.rows = std::move(rows);
    page.total_capped = slice->matches > page.count_cap;
    page.total = std::min(slice->matches, page.count_cap);
    return {};
  });
  if (!status) return status.error();
  return page;
}

}  // namespace consentd::app
