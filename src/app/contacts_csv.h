// Contacts in and out as CSV files, the way German brokers keep them (DESIGN.md §3).
//
// Import reads what Excel, Outlook and CRMs write: UTF-8 with or without BOM, otherwise
// Windows-1252; `;` or `,` (or an Excel "sep=" first line); RFC 4180 quoting; German or
// English headers. Export writes what German Excel opens without a dialog: UTF-8 with BOM,
// `;`, CRLF, German headers. An export imports again without changes.
//
// All functions are thread-safe; they borrow their ports for the duration of the call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/ports.h"
#include "core/result.h"
#include "core/store.h"

namespace consentd::app {

// One problem with one row. `line` is the physical line of the file on which the row
// starts (1 = the header line), so a quoted cell with line breaks does not shift the lines
// of the rows after it. `field` is a kContactFields name, one of "legal_basis",
// "consent_source", "consent_date", "revocation_date", or "" for the row as a whole.
// Messages name fields, never the values in them.
struct CsvRowError {
  int line = 0;
  std::string field;
  std::string message_de;
  std::string message_en;
};

struct ImportReport {
  int inserted = 0;
  int updated = 0;
  int unchanged = 0;
  std::vector<CsvRowError> errors;  // by line; a row may have several
};

// Imports `bytes` (a whole CSV file) into `tenant`, upserting by e-mail address
// (case-insensitive). Each row is its own unit of work: a row with an error changes nothing
// and is reported; the other rows still go in. A later row with the same e-mail address
// updates the contact of the earlier one.
//
// Only the columns present change an existing contact, and an empty cell keeps the stored
// value (a CSV cannot tell "unknown" from "delete"). Values are checked and normalised as
// on the consent page (core::ApplyContactForm). A consent date ("Einwilligungsdatum")
// records the consent with the source column's value (default "Import") as of that date,
// with an "Einwilligung" activity by the tenant's system user, and sets the legal basis to
// consent. It never overrides a later withdrawal, and a consent already in force is kept
// as it is. A revocation date ("Widerrufsdatum") records a withdrawal of the same kind
// ("Widerruf" activity) unless the contact consented again after it, and sets the legal basis
// to none, as a withdrawal on the consent page does.
//
// Rows are written in file order (contact ids follow the file), each waiting for its own
// commit: a row that changes something costs one commit of the store (an fsync on SQLite).
//
// Errors (nothing imported): kInvalidArgument for a file over 20 MB, in UTF-16, with mixed
// encodings, without a header, without an e-mail column or without a Nachname/Firma
// column (German message); kNotFound for an unknown tenant. A storage failure other than a
// row's own conflict ends the import with that error; rows before it are already committed.
core::Result<ImportReport> ImportContactsCsv(core::Store& store, const core::Clock& clock,
                                             const core::Crypto& crypto,
                                             const core::PhoneNormalizer& phones,
                                             core::TenantId tenant, std::string_view bytes);

// All non-erased contacts of `tenant`, in id order, as CSV: UTF-8 with BOM, `;`, CRLF,
// headers Anrede;Titel;Vorname;Nachname;Firma;E-Mail;Telefon;Mobil;Straße;Hausnummer;PLZ;
// Ort;Land;Sprache;Kontaktart;Rechtsgrundlage;Einwilligung;Einwilligungsdatum;
// Widerrufsdatum. Dates as dd.mm.yyyy. A cell whose first character other than space or
// tab is =, +, - or @ gets a leading ' so that spreadsheets do not run it as a formula
// (the import removes it again). Reads the contacts in pages, one read transaction each.
// kNotFound when the tenant does not exist.
core::Result<std::string> ExportContactsCsv(core::Store& store, core::TenantId tenant);
// As above, for the contacts `ids` of the tenant only (e.g. those matching the address
// list's filter), in id order; ids of other tenants, unknown and erased ones are left out.
// Contacts without an e-mail address are exported like any other.
core::Result<std::string> ExportContactsCsv(core::Store& store, core::TenantId tenant,
                                            std::vector<core::ContactId> ids);

// --- Building blocks of the import, exposed for tests. -------------------------------

// `bytes` as UTF-8 without BOM. Bytes that are not valid UTF-8 are read as Windows-1252.
// kInvalidArgument for UTF-16 and for files that mix UTF-8 with invalid bytes (re-reading
// those as Windows-1252 would garble every umlaut).
core::Result<std::string> DecodeCsvBytes(std::string_view bytes);

// One record: the line on which it starts and its cells, as written (not trimmed).
struct CsvRecord {
  int line = 0;
  std::vector<std::string> cells;
};

struct CsvTable {
  char separator = ';';
  std::vector<CsvRecord> records;   // the header first; blank and all-empty rows left out
  std::vector<CsvRowError> errors;  // rows that could not be read (too wide, open quote)
};

// Splits UTF-8 `text` into records. The separator is the one of `;` and `,` that occurs
// more often in the header line, or the one an Excel "sep=X" first line names.
// kInvalidArgument when there is no header or the header has more than 100 cells.
core::Result<CsvTable> ParseCsv(std::string_view text);

// The field a column header names ("E-Mail-Adresse" -> "email", "Straße" -> "strasse",
// "Consent date" -> "consent_date"), case-insensitive; "" for a column to ignore.
std::string_view MapCsvHeader(std::string_view header);

}  // namespace consentd::app
