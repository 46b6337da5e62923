#include "app/contacts_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/admin.h"
#include "core/time.h"
#include "crypto/sodium_crypto.h"
#include "testing/fixtures.h"
#include "text/phone_number.h"

namespace consentd::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string ReadTestdata(const std::string& name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../tests/testdata" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Decode(std::string_view bytes) {
  auto text = DecodeCsvBytes(bytes);
  EXPECT_TRUE(text) << text.error().message;
  return text ? *text : "";
}

CsvTable Parse(std::string_view text) {
  auto table = ParseCsv(text);
  EXPECT_TRUE(table) << table.error().message;
  return table ? *table : CsvTable{};
}

std::vector<int> Lines(const CsvTable& table) {
  std::vector<int> lines;
  for (const auto& r : table.records) lines.push_back(r.line);
  return lines;
}

// --- Encoding ------------------------------------------------------------------------------

TEST(ContactsCsvDecodeTest, KeepsUtf8AndStripsBom) {
  EXPECT_EQ(Decode("Nachname\nM\u00fcller"), "Nachname\nM\u00fcller");
  EXPECT_EQ(Decode("\xEF\xBB\xBFNachname;Stra\u00dfe"), "Nachname;Stra\u00dfe");
  EXPECT_EQ(Decode("\xEF\xBB\xBF"), "");
}

TEST(ContactsCsvDecodeTest, ReadsWindows1252WhenNotUtf8) {
  EXPECT_EQ(Decode("M\xFCller;Stra\xDF"
                   "e;\xC4\xD6\xDC\xE4\xF6"),
            "M\u00fcller;Stra\u00dfe;\u00c4\u00d6\u00dc\u00e4\u00f6");
  // The range 0x80..0x9F differs from Latin-1: euro sign, German quotation marks, dashes.
  EXPECT_EQ(Decode("\x80 \x84Zitat\x93 \x96 \x81"), "\u20ac \u201eZitat\u201c \u2013 \ufffd");
}

TEST(ContactsCsvDecodeTest, RefusesUtf16AndMixedEncodings) {
  EXPECT_FALSE(DecodeCsvBytes(std::string("\xFF\xFEN\0a\0m\0e\0", 10)));
  EXPECT_FALSE(DecodeCsvBytes(std::string("N\0a\0m\0e\0", 8)));
  // Mostly UTF-8, one stray byte: reading it as Windows-1252 would garble every umlaut.
  auto mixed = DecodeCsvBytes(
      "M\u00fcller;K\u00f6ln;Sch\u00e4fer;Gr\xFC\xDF"
      "e");
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(mixed.error().message, HasSubstr("UTF-8"));
  EXPECT_FALSE(
      DecodeCsvBytes("\xEF\xBB\xBFGr\xFC\xDF"
                     "e"));  // a BOM promises UTF-8
}

// --- Splitting -----------------------------------------------------------------------------

TEST(ContactsCsvParseTest, DetectsSemicolonOrComma) {
  EXPECT_EQ(Parse("Vorname;Nachname;E-Mail\nA;B;c@d.de\n").separator, ';');
  EXPECT_EQ(Parse("First name,Last name,Email\nA,B,c@d.de\n").separator, ',');
  // Commas inside the header cells do not outvote the real separator.
  EXPECT_EQ(Parse("\"Name, Vorname\";E-Mail\nA;b@c.de\n").separator, ';');
  const CsvTable table = Parse("Name,Ort\n\"M\u00fcller; Sohn\",K\u00f6ln\n");
  ASSERT_EQ(table.records.size(), 2u);
  EXPECT_THAT(table.records[1].cells, ElementsAre("M\u00fcller; Sohn", "K\u00f6ln"));
}

TEST(ContactsCsvParseTest, HonoursExcelSepLine) {
  const CsvTable table = Parse("sep=,\r\nName;Zusatz,E-Mail\r\nA;B,c@d.de\r\n");
  EXPECT_EQ(table.separator, ',');
  ASSERT_EQ(table.records.size(), 2u);
  EXPECT_EQ(table.records[0].line, 2);
  EXPECT_THAT(table.records[0].cells, ElementsAre("Name;Zusatz", "E-Mail"));
}

TEST(ContactsCsvParseTest, ReadsQuotedCellsWithSeparatorsQuotesAndLineBreaks) {
  const CsvTable table = Parse(
      "Firma;Notiz;E-Mail\r\n"
      "\"M\u00fcller; Sohn\";\"sagt \"\"Hallo\"\"\r\nund tsch\u00fcss\";a@b.de\r\n"
      "Weber;;c@d.de\r\n");
  EXPECT_THAT(table.errors, IsEmpty());
  ASSERT_EQ(table.records.size(), 3u);
  EXPECT_THAT(table.records[1].cells,
              ElementsAre("M\u00fcller; Sohn", "sagt \"Hallo\"\r\nund tsch\u00fcss", "a@b.de"));
  EXPECT_THAT(table.records[2].cells, ElementsAre("Weber", "", "c@d.de"));
  // The record after the two-line cell starts on line 4 of the file.
  EXPECT_THAT(Lines(table), ElementsAre(1, 2, 4));
}

TEST(ContactsCsvParseTest, CountsBlankLinesAndAnyLineEnding) {
  EXPECT_THAT(Lines(Parse("\n\nA;B\n\n1;2\r\n;\n3;4\r5;6")), ElementsAre(3, 5, 7, 8));
  const CsvTable table = Parse("A;B\n1;2");  // no line break at the end
  ASSERT_EQ(table.records.size(), 2u);
  EXPECT_THAT(table.records[1].cells, ElementsAre("1", "2"));
}

TEST(ContactsCsvParseTest, ReportsUnclosedQuoteAtTheLineItStarts) {
  const CsvTable table = Parse("A;B\n1;2\n3;\"offen\n4;5\n");
  EXPECT_THAT(Lines(table), ElementsAre(1, 2));
  ASSERT_EQ(table.errors.size(), 1u);
  EXPECT_EQ(table.errors[0].line, 3);
}

TEST(ContactsCsvParseTest, LimitsCellsPerRow) {
  std::string wide(100, ';');  // 101 cells
  const CsvTable table = Parse("A;B\n" + wide + "x\n1;2\n");
  EXPECT_THAT(Lines(table), ElementsAre(1, 3));
  ASSERT_EQ(table.errors.size(), 1u);
  EXPECT_EQ(table.errors[0].line, 2);
  EXPECT_FALSE(ParseCsv(wide + "x\n1;2\n"));            // a header that wide refuses the file
  EXPECT_TRUE(ParseCsv(std::string(99, ';') + "x\n"));  // exactly 100 cells
}

TEST(ContactsCsvParseTest, RefusesFileWithoutHeader) {
  EXPECT_FALSE(ParseCsv(""));
  EXPECT_FALSE(ParseCsv("\r\n  \r\n;;\r\n"));
}

TEST(ContactsCsvParseTest, ReadsWindows1252TestFile) {
  const CsvTable table = Parse(Decode(ReadTestdata("contacts_windows1252.csv")));
  EXPECT_EQ(table.separator, ';');
  ASSERT_EQ(table.records.size(), 4u);
  EXPECT_EQ(table.records[0].cells[8], "Stra\u00dfe");
  EXPECT_EQ(table.records[1].cells[3], "M\u00fcller");
  EXPECT_EQ(table.records[2].cells[4], "Sch\u00e4fer \u201eImmobilien\u201c GmbH; K\u00f6ln");
}

// --- Headers -------------------------------------------------------------------------------

TEST(ContactsCsvHeaderTest, MapsGermanAndEnglishVariants) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Anrede", "anrede"},
      {"Salutation", "anrede"},
      {"Titel", "titel"},
      {"First name", "vorname"},
      {"Firstname", "vorname"},
      {"VORNAME", "vorname"},
      {"Name", "nachname"},
      {"Surname", "nachname"},
      {"Last Name", "nachname"},
      {"Firma", "firma"},
      {"Company", "firma"},
      {"E-Mail", "email"},
      {"Email", "email"},
      {"E-Mail-Adresse", "email"},
      {"e_mail", "email"},
      {"Tel.", "telefon"},
      {"Phone", "telefon"},
      {"Handy", "mobil"},
      {"Mobile", "mobil"},
      {"Stra\u00dfe", "strasse"},
      {"STRASSE", "strasse"},
      {"Street", "strasse"},
      {"Nr.", "hausnummer"},
      {"House number", "hausnummer"},
      {"Postleitzahl", "plz"},
      {"Zip", "plz"},
      {"Postal code", "plz"},
      {"Stadt", "ort"},
      {"City", "ort"},
      {"Country", "land"},
      {"Language", "sprache"},
      {"Contact type", "kontaktart"},
      {"Rechtsgrundlage", "legal_basis"},
      {"Legal basis", "legal_basis"},
      {"Einwilligungsquelle", "consent_source"},
      {"Consent date", "consent_date"},
      {"Widerrufsdatum", "revocation_date"},
      {" Einwilligungsdatum ", "consent_date"},
  };
  for (const auto& [header, field] : cases) EXPECT_EQ(MapCsvHeader(header), field) << header;
}

TEST(ContactsCsvHeaderTest, IgnoresUnknownColumns) {
  EXPECT_EQ(MapCsvHeader("Bemerkung"), "");
  EXPECT_EQ(MapCsvHeader("Quelle"), "");  // a lead source, not a consent source
  EXPECT_EQ(MapCsvHeader("Einwilligung"), "");
  EXPECT_EQ(MapCsvHeader(""), "");
}

// --- Against the real store ----------------------------------------------------------------

class FixedClock final : public core::Clock {
 public:
  core::Time Now() const override { return now; }
  core::Time now = *core::ParseIso("2025-06-01T12:00:00Z");
};

core::Time Date(const char* iso_date) {
  return *core::ParseIso(std::string(iso_date) + "T00:00:00Z");
}

class ContactsCsvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = std::make_unique<testing::StoreFixture>();
    store_ = std::move(fixture_->store);
    tenant_ = AddTenant("makler-a");
  }

  void TearDown() override {
    store_.reset();
    fixture_.reset();
  }

  core::TenantId AddTenant(const std::string& slug) {
    core::Tenant t;
    t.slug = slug;
    t.controller.company = "Makler " + slug + " GmbH";
    auto id = CreateTenant(*store_, crypto_, t, clock_.Now());
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }

  ImportReport Import(std::string_view bytes, core::TenantId tenant = 0) {
    auto report =
        ImportContactsCsv(*store_, clock_, crypto_, phones_, tenant ? tenant : tenant_, bytes);
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : ImportReport{};
  }

  std::string Export(core::TenantId tenant = 0) {
    auto csv = ExportContactsCsv(*store_, tenant ? tenant : tenant_);
    EXPECT_TRUE(csv) << csv.error().message;
    return csv ? *csv : "";
  }

  std::vector<core::Contact> Contacts(core::TenantId tenant = 0) {
    std::vector<core::Contact> out;
    auto status = store_->Read([&](core::ReadTx& tx) -> core::Status {
      auto page = tx.ListContacts(tenant ? tenant : tenant_, 0, 10000);
      if (!page) return page.error();
      out = *page;
      return {};
    });
    EXPECT_TRUE(status);
    return out;
  }

  std::optional<core::Contact> Find(std::string_view email) {
    std::optional<core::Contact> out;
    auto status = store_->Read([&](core::ReadTx& tx) -> core::Status {
      auto c = tx.FindContactByEmail(tenant_, email);
      if (c) out = *c;
      return {};
    });
    EXPECT_TRUE(status);
    return out;
  }

  std::optional<core::ConsentRecord> Consent(core::ContactId contact) {
    std::optional<core::ConsentRecord> out;
    auto status = store_->Read([&](core::ReadTx& tx) -> core::Status {
      auto purpose = tx.FindPurpose(tenant_, core::kDefaultPurposeKey);
      if (!purpose) return purpose.error();
      auto record = tx.FindConsent(tenant_, contact, purpose->id);
      if (!record) return record.error();
      out = *record;
      return {};
    });
    EXPECT_TRUE(status);
    return out;
  }

  std::vector<core::Activity> Activities(core::ContactId contact) {
    std::vector<core::Activity> out;
    auto status = store_->Read([&](core::ReadTx& tx) -> core::Status {
      auto list = tx.ListActivities(tenant_, contact);
      if (!list) return list.error();
      out = *list;
      return {};
    });
    EXPECT_TRUE(status);
    return out;
  }

  std::unique_ptr<testing::StoreFixture> fixture_;
  std::unique_ptr<core::Store> store_;
  FixedClock clock_;
  crypto::SodiumCrypto crypto_;
  text::LibPhoneNumberNormalizer phones_;
  core::TenantId tenant_ = 0;
};

std::vector<int> ErrorLines(const ImportReport& report) {
  std::vector<int> lines;
  for (const auto& e : report.errors) lines.push_back(e.line);
  return lines;
}

std::vector<std::string> ErrorFields(const ImportReport& report) {
  std::vector<std::string> fields;
  for (const auto& e : report.errors) fields.push_back(e.field);
  return fields;
}

TEST_F(ContactsCsvStoreTest, ImportsWindows1252FileWithUmlauts) {
  const ImportReport report = Import(ReadTestdata("contacts_windows1252.csv"));
  EXPECT_THAT(report.errors, IsEmpty());
  EXPECT_EQ(report.inserted, 3);

  auto mueller = Find("juergen.mueller@example.de");
  ASSERT_TRUE(mueller);
  EXPECT_EQ(mueller->data.anrede, "Herr");
  EXPECT_EQ(mueller->data.titel, "Dr.");
  EXPECT_EQ(mueller->data.vorname, "J\u00fcrgen");
  EXPECT_EQ(mueller->data.nachname, "M\u00fcller");
  EXPECT_EQ(mueller->data.strasse, "K\u00f6nigstra\u00dfe");
  EXPECT_EQ(mueller->data.hausnummer, "12a");
  EXPECT_EQ(mueller->data.land, "DE");
  EXPECT_EQ(mueller->data.telefon, "+49 30 1234567");
  EXPECT_EQ(mueller->data.kontaktart, "eigentuemer");
  EXPECT_EQ(mueller->legal_basis, core::LegalBasis::kExistingCustomer);

  auto schaefer = Find("b.schaefer@example.de");
  ASSERT_TRUE(schaefer);
  EXPECT_EQ(schaefer->data.anrede, "Frau");
  EXPECT_EQ(schaefer->data.firma, "Sch\u00e4fer \u201eImmobilien\u201c GmbH; K\u00f6ln");
  EXPECT_EQ(schaefer->data.mobil, "+49 171 2345678");
  EXPECT_EQ(schaefer->data.kontaktart, "kaeufer");
  EXPECT_EQ(schaefer->legal_basis, core::LegalBasis::kOwnEnquiry);

  auto oeztuerk = Find("oemer@example.de");
  ASSERT_TRUE(oeztuerk);
  EXPECT_EQ(oeztuerk->data.anrede, "Herr");
  EXPECT_EQ(oeztuerk->data.titel, "Dr.");  // from "Herr Dr."
  EXPECT_EQ(oeztuerk->data.ort, "K\u00f6ln");
  EXPECT_EQ(oeztuerk->data.land, "DE");  // empty cell: the default
  EXPECT_EQ(oeztuerk->data.kontaktart, "interessent");
  EXPECT_EQ(oeztuerk->legal_basis, core::LegalBasis::kNone);
}

TEST_F(ContactsCsvStoreTest, MapsCommonSpellingsOfValues) {
  const ImportReport report = Import(
      "Anrede;Titel;Nachname;E-Mail;Land;PLZ;Sprache;Kontaktart;Rechtsgrundlage\n"
      "Hr.;;A;a@example.com;Deutschland;10115;Deutsch;Vermieter;Einwilligung\n"
      "Fr.;;B;b@example.com;\u00d6sterreich;1010;Englisch;landlord;Bestandskunde\n"
      "Mr;;C;c@example.com;ch;8001;EN;eigentuemer;existing_customer\n"
      "Mrs;;D;d@example.com;;;;;Anfrage\n"
      "Ms;;E;e@example.com;;;;;own_enquiry\n"
      "Divers;;F;f@example.com;;;;;keine\n"
      "Firma;;G;g@example.com;;;;;none\n"
      "Herr Prof. Dr.;;H;h@example.com;;;;;\n"
      "Frau Dr.;Dipl.-Ing.;I;i@example.com;;;;;\n"
      "Herr Dr. Weber;;J;j@example.com;;;;;\n");
  EXPECT_EQ(report.inserted, 9);
  EXPECT_THAT(ErrorLines(report), ElementsAre(11));
  EXPECT_THAT(ErrorFields(report), ElementsAre("anrede"));

  auto a = Find("a@example.com");
  EXPECT_EQ(a->data.anrede, "Herr");
  EXPECT_EQ(a->data.land, "DE");
  EXPECT_EQ(a->data.sprache, "de");
  EXPECT_EQ(a->data.kontaktart, "vermieter");
  EXPECT_EQ(a->legal_basis, core::LegalBasis::kConsent);
  auto b = Find("b@example.com");
  EXPECT_EQ(b->data.anrede, "Frau");
  EXPECT_EQ(b->data.land, "AT");
  EXPECT_EQ(b->data.sprache, "en");
  EXPECT_EQ(b->data.kontaktart, "vermieter");
  EXPECT_EQ(b->legal_basis, core::LegalBasis::kExistingCustomer);
  auto c = Find("c@example.com");
  EXPECT_EQ(c->data.anrede, "Herr");
  EXPECT_EQ(c->data.land, "CH");
  EXPECT_EQ(c->data.kontaktart, "eigentuemer");
  EXPECT_EQ(Find("d@example.com")->data.anrede, "Frau");
  EXPECT_EQ(Find("d@example.com")->legal_basis, core::LegalBasis::kOwnEnquiry);
  EXPECT_EQ(Find("e@example.com")->data.anrede, "Frau");
  EXPECT_EQ(Find("f@example.com")->data.anrede, "Divers");
  EXPECT_EQ(Find("g@example.com")->data.anrede, "");
  EXPECT_EQ(Find("g@example.com")->legal_basis, core::LegalBasis::kNone);
  EXPECT_EQ(Find("h@example.com")->data.anrede, "Herr");
  EXPECT_EQ(Find("h@example.com")->data.titel, "Prof. Dr.");
  EXPECT_EQ(Find("i@example.com")->data.anrede, "Frau");
  EXPECT_EQ(Find("i@example.com")->data.titel, "Dipl.-Ing.");  // the title column wins
}

TEST_F(ContactsCsvStoreTest, ImportsUtf8BomFileWithEnglishHeadersAndConsent) {
  const ImportReport report = Import(ReadTestdata("contacts_utf8_bom_en.csv"));
  EXPECT_THAT(report.errors, IsEmpty());
  EXPECT_EQ(report.inserted, 3);

  auto smith = Find("john.smith@example.co.uk");
  ASSERT_TRUE(smith);
  EXPECT_EQ(smith->data.firma, "Smith, Jones & Partners Ltd");
  EXPECT_EQ(smith->data.land, "GB");
  EXPECT_EQ(smith->data.sprache, "en");
  EXPECT_EQ(smith->data.plz, "NW1 6XE");
  EXPECT_EQ(smith->data.telefon, "+44 20 7946 0958");
  EXPECT_EQ(smith->data.kontaktart, "kaeufer");
  EXPECT_EQ(smith->legal_basis, core::LegalBasis::kConsent);  // from the consent date

  auto consent = Consent(smith->id);
  ASSERT_TRUE(consent);
  EXPECT_EQ(consent->source, "Telefon");
  EXPECT_EQ(consent->granted_at, Date("2024-03-15"));
  EXPECT_FALSE(consent->revoked_at);
  EXPECT_EQ(consent->language, "en");
  EXPECT_EQ(consent->text_version, 1);

  auto activities = Activities(smith->id);
  ASSERT_EQ(activities.size(), 1u);
  EXPECT_EQ(activities[0].type, core::ActivityType::kEinwilligung);
  EXPECT_EQ(activities[0].created_at, clock_.now);
  auto payload = nlohmann::json::parse(activities[0].payload);
  EXPECT_EQ(payload["act"], "import");
  EXPECT_EQ(payload["source"], "Telefon");
  EXPECT_EQ(payload["date"], "2024-03-15");
  EXPECT_EQ(payload["line"], 2);

  auto dupont = Find("emilie@example.fr");
  ASSERT_TRUE(dupont);
  EXPECT_EQ(dupont->data.vorname, "\u00c9milie");
  EXPECT_EQ(dupont->data.kontaktart, "eigentuemer");
  EXPECT_EQ(dupont->legal_basis, core::LegalBasis::kOwnEnquiry);
  EXPECT_FALSE(Consent(dupont->id));
}

TEST_F(ContactsCsvStoreTest, ReimportUpsertsByEmailWithoutDuplicates) {
  ASSERT_EQ(Import(ReadTestdata("contacts_windows1252.csv")).inserted, 3);

  // The English file names Jürgen Müller again, with the e-mail in upper case and empty
  // cells for what it does not know.
  ImportReport second = Import(ReadTestdata("contacts_utf8_bom_en.csv"));
  EXPECT_THAT(second.errors, IsEmpty());
  EXPECT_EQ(second.inserted, 2);
  EXPECT_EQ(second.unchanged, 1);
  EXPECT_EQ(Contacts().size(), 5u);
  auto mueller = Find("JUERGEN.MUELLER@EXAMPLE.DE");
  ASSERT_TRUE(mueller);
  EXPECT_EQ(mueller->data.email, "juergen.mueller@example.de");  // keeps its spelling
  EXPECT_EQ(mueller->data.telefon, "+49 30 1234567");            // empty cell kept it

  ImportReport third = Import(ReadTestdata("contacts_windows1252.csv"));
  EXPECT_THAT(third.errors, IsEmpty());
  EXPECT_EQ(third.inserted, 0);
  EXPECT_EQ(third.updated, 0);
  EXPECT_EQ(third.unchanged, 3);
  EXPECT_EQ(Contacts().size(), 5u);

  ImportReport changed =
      Import("E-Mail;Nachname;Ort\njuergen.mueller@example.de;M\u00fcller;Bonn\n");
  EXPECT_EQ(changed.updated, 1);
  EXPECT_EQ(Find("juergen.mueller@example.de")->data.ort, "Bonn");
  EXPECT_EQ(Find("juergen.mueller@example.de")->data.strasse, "K\u00f6nigstra\u00dfe");
}

TEST_F(ContactsCsvStoreTest, ReportsBadRowsByLineAndStoresNothingOfThem) {
  const ImportReport report = Import(ReadTestdata("contacts_bad_rows.csv"));
  EXPECT_EQ(report.inserted, 2);
  EXPECT_THAT(ErrorLines(report), ElementsAre(4, 5, 7, 8, 9, 11, 12));
  EXPECT_THAT(ErrorFields(report), ElementsAre("email", "email", "plz", "legal_basis",
                                               "consent_date", "nachname", "anrede"));
  for (const auto& e : report.errors) {
    EXPECT_FALSE(e.message_de.empty());
    EXPECT_FALSE(e.message_en.empty());
  }
  std::vector<std::string> stored;
  for (const auto& c : Contacts()) stored.push_back(c.data.email);
  EXPECT_THAT(stored, ElementsAre("max@example.com", "kim@example.com"));

  auto kim = Find("kim@example.com");
  ASSERT_TRUE(kim);
  EXPECT_EQ(kim->data.anrede, "Divers");
  ASSERT_TRUE(Consent(kim->id));
  EXPECT_EQ(Consent(kim->id)->granted_at, Date("2024-02-01"));
  EXPECT_EQ(Consent(kim->id)->source, "Import");
  EXPECT_EQ(kim->legal_basis, core::LegalBasis::kConsent);
}

TEST_F(ContactsCsvStoreTest, FailedRowLeavesContactConsentAndEvidenceUntouched) {
  ASSERT_EQ(Import("E-Mail;Nachname;PLZ\nmax@example.com;Mustermann;10115\n").inserted, 1);
  const core::Contact before = *Find("max@example.com");

  const ImportReport report = Import(
      "E-Mail;Nachname;PLZ;Einwilligungsdatum\n"
      "max@example.com;Neumann;123;01.02.2024\n");
  EXPECT_THAT(ErrorLines(report), ElementsAre(2));
  EXPECT_THAT(ErrorFields(report), ElementsAre("plz"));
  EXPECT_EQ(report.updated, 0);
  EXPECT_EQ(Find("max@example.com")->data, before.data);
  EXPECT_EQ(Find("max@example.com")->legal_basis, core::LegalBasis::kNone);
  EXPECT_FALSE(Consent(before.id));
  EXPECT_THAT(Activities(before.id), IsEmpty());
}

TEST_F(ContactsCsvStoreTest, LaterRowWithSameEmailUpdatesTheEarlierOne) {
  const ImportReport report = Import(
      "Vorname,Nachname,Email\n"
      "Max,Mustermann,max@example.com\n"
      "Maximilian,Mustermann,MAX@example.com\n");
  EXPECT_THAT(report.errors, IsEmpty());
  EXPECT_EQ(report.inserted, 1);
  EXPECT_EQ(report.updated, 1);
  ASSERT_EQ(Contacts().size(), 1u);
  EXPECT_EQ(Contacts()[0].data.vorname, "Maximilian");
}

TEST_F(ContactsCsvStoreTest, RefusesFilesWithoutEmailOrNameColumn) {
  auto no_email = ImportContactsCsv(*store_, clock_, crypto_, phones_, tenant_,
                                    "Vorname;Nachname\nMax;Mustermann\n");
  ASSERT_FALSE(no_email);
  EXPECT_EQ(no_email.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(no_email.error().message, HasSubstr("E-Mail"));

  auto no_name = ImportContactsCsv(*store_, clock_, crypto_, phones_, tenant_,
                                   "Vorname;E-Mail\nMax;max@example.com\n");
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(no_name.error().message, HasSubstr("Nachname"));

  // A company column alone is enough.
  EXPECT_EQ(Import("Firma;E-Mail\nWeber GmbH;info@weber.de\n").inserted, 1);
  EXPECT_EQ(Contacts().size(), 1u);
}

TEST_F(ContactsCsvStoreTest, RefusesFilesOver20Megabytes) {
  std::string big = "Nachname;E-Mail\n";
  big.resize(20 * 1024 * 1024 + 1, 'x');
  auto report = ImportContactsCsv(*store_, clock_, crypto_, phones_, tenant_, big);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(Contacts(), IsEmpty());
}

TEST_F(ContactsCsvStoreTest, ImportedWithdrawalIsNotUndoneByAnOlderConsent) {
  ImportReport first = Import(
      "E-Mail;Nachname;Rechtsgrundlage;Einwilligungsdatum;Widerrufsdatum\n"
      "max@example.com;Mustermann;Einwilligung;01.02.2024;2024-03-01\n");
  EXPECT_THAT(first.errors, IsEmpty());
  const core::Contact max = *Find("max@example.com");
  EXPECT_EQ(max.legal_basis, core::LegalBasis::kNone);
  auto record = Consent(max.id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->granted_at, Date("2024-02-01"));
  EXPECT_EQ(record->revoked_at, Date("2024-03-01"));
  EXPECT_EQ(record->source, "Import");
  auto activities = Activities(max.id);
  ASSERT_EQ(activities.size(), 2u);
  EXPECT_EQ(activities[0].type, core::ActivityType::kEinwilligung);
  EXPECT_EQ(activities[1].type, core::ActivityType::kWiderruf);

  // An older consent changes nothing.
  ImportReport older =
      Import("E-Mail;Nachname;Einwilligungsdatum\nmax@example.com;Mustermann;15.01.2024\n");
  EXPECT_EQ(older.unchanged, 1);
  EXPECT_EQ(Consent(max.id)->revoked_at, Date("2024-03-01"));
  EXPECT_EQ(Activities(max.id).size(), 2u);

  // A consent given after the withdrawal holds again.
  ImportReport newer =
      Import("E-Mail;Nachname;Einwilligungsdatum\nmax@example.com;Mustermann;01.04.2024\n");
  EXPECT_EQ(newer.updated, 1);
  EXPECT_EQ(Consent(max.id)->granted_at, Date("2024-04-01"));
  EXPECT_FALSE(Consent(max.id)->revoked_at);
  EXPECT_EQ(Find("max@example.com")->legal_basis, core::LegalBasis::kConsent);

  // A consent in force is kept with its evidence when a file repeats an older date.
  ImportReport again =
      Import("E-Mail;Nachname;Einwilligungsdatum\nmax@example.com;Mustermann;01.02.2024\n");
  EXPECT_EQ(again.unchanged, 1);
  EXPECT_EQ(Consent(max.id)->granted_at, Date("2024-04-01"));
  EXPECT_EQ(Activities(max.id).size(), 3u);
}

TEST_F(ContactsCsvStoreTest, ExportWritesGermanExcelCsv) {
  ASSERT_EQ(Import(ReadTestdata("contacts_windows1252.csv")).inserted, 3);
  const std::string csv = Export();
  const std::string header =
      "\xEF\xBB\xBF"
      "Anrede;Titel;Vorname;Nachname;Firma;E-Mail;Telefon;Mobil;Stra\u00dfe;Hausnummer;PLZ;Ort;"
      "Land;Sprache;Kontaktart;Rechtsgrundlage;Einwilligung;Einwilligungsdatum;Widerrufsdatum\r\n";
  ASSERT_TRUE(csv.starts_with(header));
  EXPECT_THAT(csv, HasSubstr("\r\nHerr;Dr.;J\u00fcrgen;M\u00fcller;;juergen.mueller@example.de;"
                             "'+49 30 1234567;;K\u00f6nigstra\u00dfe;12a;10115;Berlin;DE;de;"
                             "Eigent\u00fcmer;Bestandskunde;keine;;\r\n"));
  EXPECT_THAT(csv, HasSubstr(";\"Sch\u00e4fer \u201eImmobilien\u201c GmbH; K\u00f6ln\";"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
}

// The address list's filtered export goes by ids: a contact without an e-mail address (a CRM
// may push one) is exported like any other; other tenants' and unknown ids are left out.
TEST_F(ContactsCsvStoreTest, ExportByIdsKeepsContactsWithoutAnAddress) {
  ASSERT_EQ(Import("E-Mail;Vorname;Nachname\n"
                   "a@example.com;Anna;Adler\n"
                   "b@example.com;Bernd;Berger\n"
                   "c@example.com;Clara;Conrad\n")
                .inserted,
            3);
  const core::TenantId other = AddTenant("makler-b");
  ASSERT_EQ(Import("E-Mail;Nachname\nfremd@example.com;Fremd\n", other).inserted, 1);
  const core::ContactId foreign = Contacts(other).at(0).id;
  core::Contact berger = *Find("b@example.com");
  berger.data.email.clear();
  ASSERT_TRUE(store_->Write([&](core::WriteTx& tx) { return tx.UpdateContact(berger); }));
  const core::ContactId conrad = Find("c@example.com")->id;

  auto csv = ExportContactsCsv(*store_, tenant_, {conrad, berger.id, foreign, 999999, conrad});
  ASSERT_TRUE(csv) << csv.error().message;
  EXPECT_TRUE(
      csv->starts_with("\xEF\xBB\xBF"
                       "Anrede;"));
  EXPECT_THAT(*csv, HasSubstr(";Bernd;Berger;;;;"));
  EXPECT_THAT(*csv, HasSubstr(";Clara;Conrad;;c@example.com;"));
  EXPECT_THAT(*csv, Not(HasSubstr("Adler")));
  EXPECT_THAT(*csv, Not(HasSubstr("Fremd")));
  EXPECT_EQ(std::count(csv->begin(), csv->end(), '\n'), 3);  // header, Berger, Conrad
  EXPECT_LT(csv->find("Berger"), csv->find("Conrad"));       // in id order
  auto none = ExportContactsCsv(*store_, tenant_, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(std::count(none->begin(), none->end(), '\n'), 1);
}

TEST_F(ContactsCsvStoreTest, ExportNeutralisesFormulaCells) {
  const ImportReport report = Import(
      "Vorname;Nachname;Firma;Ort;E-Mail\n"
      "=SUM(1);\" -1+2\";@cmd;\"=HYPERLINK(\"\"x\"\")\";x@example.com\n");
  ASSERT_THAT(report.errors, IsEmpty());
  const std::string csv = Export();
  EXPECT_THAT(csv, HasSubstr("\r\n;;'=SUM(1);'-1+2;'@cmd;x@example.com;;;;;;"
                             "\"'=HYPERLINK(\"\"x\"\")\";DE;de;"));
  EXPECT_THAT(csv, Not(HasSubstr(";=")));
  EXPECT_THAT(csv, Not(HasSubstr(";@")));
  EXPECT_THAT(csv, Not(HasSubstr(";-")));

  // The import takes the guard off again.
  ASSERT_EQ(Import(csv).unchanged, 1);
  EXPECT_EQ(Find("x@example.com")->data.vorname, "=SUM(1)");
  EXPECT_EQ(Find("x@example.com")->data.firma, "@cmd");
}

TEST_F(ContactsCsvStoreTest, ExportImportsAgainUnchangedAndIntoAnotherTenant) {
  ASSERT_EQ(Import(ReadTestdata("contacts_windows1252.csv")).inserted, 3);
  ASSERT_EQ(Import(ReadTestdata("contacts_utf8_bom_en.csv")).inserted, 2);
  ASSERT_EQ(Import("E-Mail;Nachname;Vorname;Einwilligungsdatum;Widerrufsdatum\n"
                   "w@example.com;Widerruf;=Eva;01.02.2024;01.03.2024\n"
                   "o@example.com;Objektion;@Otto;;01.03.2024\n")
                .inserted,
            2);
  const std::string exported = Export();

  ImportReport same = Import(exported);
  EXPECT_THAT(same.errors, IsEmpty());
  EXPECT_EQ(same.unchanged, 7);
  EXPECT_EQ(same.inserted + same.updated, 0);
  EXPECT_EQ(Export(), exported);

  const core::TenantId other = AddTenant("makler-b");
  ImportReport copied = Import(exported, other);
  EXPECT_THAT(copied.errors, IsEmpty());
  EXPECT_EQ(copied.inserted, 7);
  EXPECT_EQ(Export(other), exported);
  EXPECT_EQ(Contacts(tenant_).size(), 7u);
}

TEST_F(ContactsCsvStoreTest, ExportPagesThroughManyContacts) {
  // Seeded in one unit of work: importing row by row would wait for one commit per row.
  constexpr int kContacts = 1203;
  auto seeded = store_->Write([&](core::WriteTx& tx) -> core::Status {
    for (int i = 0; i < kContacts; ++i) {
      core::Contact c;
      c.tenant_id = tenant_;
      c.data.nachname = "N" + std::to_string(i);
      c.data.email = "n" + std::to_string(i) + "@example.com";
      c.created_at = c.updated_at = clock_.now;
      auto id = tx.InsertContact(c);
      if (!id) return id.error();
    }
    return {};
  });
  ASSERT_TRUE(seeded) << seeded.error().message;
  const std::string exported = Export();
  EXPECT_EQ(std::count(exported.begin(), exported.end(), '\n'), kContacts + 1);
  EXPECT_THAT(exported, HasSubstr("\r\n;;;N0;;n0@example.com;"));
  EXPECT_THAT(exported, HasSubstr("\r\n;;;N1202;;n1202@example.com;"));
  ImportReport again = Import(exported);
  EXPECT_EQ(again.unchanged, kContacts);
}

TEST_F(ContactsCsvStoreTest, UnknownTenantIsNotFound) {
  auto csv = ExportContactsCsv(*store_, tenant_ + 1000);
  ASSERT_FALSE(csv);
  EXPECT_EQ(csv.error().code, core::ErrorCode::kNotFound);
  auto report = ImportContactsCsv(*store_, clock_, crypto_, phones_, tenant_ + 1000,
                                  "Nachname;E-Mail\nMuster;m@example.com\n");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace consentd::app
