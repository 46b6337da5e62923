// The address list (/admin/contacts): reading the list's query fields and loading a page
// of contacts through the store's indexed list queries (core/store.h, "contacts-list").
// Pure functions and read-only units of work; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/search_key.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

// From the list's query fields.
struct ContactQuery {
  std::string text;           // q: free text, folded and matched as core/search_key.h says
  std::string state;          // "", "none", "granted", "withdrawn", "deletion_requested"
  std::string basis;          // "", or a core::LegalBasis key
  std::string kontaktart;     // "", or a kKontaktarten key
  std::string sort = "name";  // name | plz | ort | created | state
  bool descending = false;
  int page = 1;
  int per_page = 50;
};

// Reads q, state, basis, kontaktart, sort, dir (asc|desc), page from query/form fields;
// unknown values fall back to the default and are reported in `errors` (shown at the filter).
struct ParsedContactQuery {
  ContactQuery query;
  core::FieldErrors errors;
};
ParsedContactQuery ParseContactQuery(const core::Form& fields);

// The store's filter for `query` (the text folded).
core::ContactListFilter ToListFilter(const ContactQuery& query);

// Every contact id matching the filter (no paging), for "all matching" selections.
core::Result<std::vector<core::ContactId>> MatchingContactIds(core::Store& store,
                                                              core::TenantId tenant,
                                                              const ContactQuery& query);

// Counts stop here: a count reads every match, and "more than 10,000" is all a broker
// needs to know about a filter that wide.
inline constexpr std::int64_t kContactCountCap = 10000;
// A substring search counts to here only: each of its matches costs a row read (not an index
// entry), and a search that finds more than 1,000 contacts wants a narrower text anyway.
inline constexpr std::int64_t kSearchCountCap = 1000;

// One page of the list.
struct ContactListPage {
  std::vector<core::ContactListRow> rows;
  std::int64_t total = 0;                     // matches, at most count_cap
  std::int64_t count_cap = kContactCountCap;  // kSearchCountCap for a substring search
  bool total_capped = false;                  // more than count_cap match
  bool has_next = false;                      // a further page exists
};

// Loads query.page of the list (one read snapshot: the rows and their count agree).
core::Result<ContactListPage> LoadContactList(core::Store& store, core::TenantId tenant,
                                              const ContactQuery& query);

}  // namespace consentd::app
