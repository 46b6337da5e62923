#include "app/contact_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "app/admin.h"
#include "core/consent.h"
#include "storage/contact_list_sql.h"
#include "storage/postgres/pg_db.h"
#include "storage/sqlite/sqlite_db.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

using testing::Backend;
using testing::StoreFixture;

// ---------------------------------------------------------------- parsing

TEST(ContactQueryTest, ReadsEveryField) {
  auto parsed = ParseContactQuery({{"q", " Müller "},
                                   {"state", "granted"},
                                   {"basis", "consent"},
                                   {"kontaktart", "interessent"},
                                   {"sort", "plz"},
                                   {"dir", "desc"},
                                   {"page", "3"}});
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.query.text, "Müller");
  EXPECT_EQ(parsed.query.state, "granted");
  EXPECT_EQ(parsed.query.basis, "consent");
  EXPECT_EQ(parsed.query.kontaktart, "interessent");
  EXPECT_EQ(parsed.query.sort, "plz");
  EXPECT_TRUE(parsed.query.descending);
  EXPECT_EQ(parsed.query.page, 3);
}

TEST(ContactQueryTest, UnknownValuesFallBackAndAreReported) {
  auto parsed = ParseContactQuery({{"state", "maybe"},
                                   {"basis", "x"},
                                   {"kontaktart", "y"},
                                   {"sort", "email"},
                                   {"dir", "up"},
                                   {"page", "0"},
                                   {"q", std::string("a\x01")}});
  std::set<std::string> fields;
  for (const auto& e : parsed.errors) fields.insert(e.field);
  EXPECT_EQ(fields,
            (std::set<std::string>{"q", "state", "basis", "kontaktart", "sort", "dir", "page"}));
  const ContactQuery defaults;
  EXPECT_EQ(parsed.query.text, "");
  EXPECT_EQ(parsed.query.state, "");
  EXPECT_EQ(parsed.query.sort, defaults.sort);
  EXPECT_FALSE(parsed.query.descending);
  EXPECT_EQ(parsed.query.page, 1);
  EXPECT_FALSE(parsed.errors[0].message_de.empty());
  EXPECT_FALSE(parsed.errors[0].message_en.empty());
}

// ---------------------------------------------------------------- on a store

class ContactListTest : public ::testing::Test {
 protected:
  StoreFixture f;
  core::TenantId tenant = f.AddTenant("liste");
  core::TenantId other = f.AddTenant("andere");

  core::ContactId Add(core::TenantId t, core::Form fields,
                      core::LegalBasis basis = core::LegalBasis::kOwnEnquiry) {
    f.clock.Advance(std::chrono::seconds(60));  // distinct created_at, in insertion order
    auto r = CreateContact(*f.store, f.clock, f.phones, t, fields, basis);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    EXPECT_TRUE(r->errors.empty());
    return r->id;
  }

  void Consent(core::ContactId id, bool withdraw) {
    ASSERT_TRUE(f.store->Write([&](core::WriteTx& tx) -> core::Status {
      auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
      if (!purpose) return purpose.error();
      auto text = tx.CurrentText(tenant, purpose->id, "de");
      if (!text) return text.error();
      auto record = core::GiveConsent(id, *purpose, *text, core::kSourceTelefon, f.clock.Now());
      if (withdraw) record = core::Withdraw(record, id, *purpose, "test", f.clock.Now());
      return tx.SaveConsent(tenant, record);
    }));
  }

  std::int64_t RequestDeletion(core::ContactId id) {
    std::int64_t request = 0;
    EXPECT_TRUE(f.store->Write([&](core::WriteTx& tx) -> core::Status {
      auto r = tx.InsertDeletionRequest(core::NewDeletionRequest(tenant, id, f.clock.Now(), ""));
      if (!r) return r.error();
      request = *r;
      return {};
    }));
    return request;
  }

  std::vector<std::string> Names(ContactQuery q, core::TenantId t = 0) {
    auto page = LoadContactList(*f.store, t ? t : tenant, q);
    EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().message);
    std::vector<std::string> names;
    for (const auto& row : page->rows) names.push_back(row.contact.data.nachname);
    return names;
  }

  std::vector<std::string> Search(const std::string& text) {
    ContactQuery q;
    q.text = text;
    auto names = Names(q);
    std::sort(names.begin(), names.end());
    return names;
  }

  void AddPeople() {
    Add(tenant, {{"vorname", "Anna"},
                 {"nachname", "Müller"},
                 {"email", "anna@mueller.de"},
                 {"plz", "80331"},
                 {"ort", "München"},
                 {"kontaktart", "interessent"}});
    Add(tenant,
        {{"vorname", "Bernd"},
         {"nachname", "Mueller"},
         {"email", "b@example.org"},
         {"plz", "10115"},
         {"ort", "Berlin"},
         {"kontaktart", "eigentuemer"}},
        core::LegalBasis::kConsent);
    Add(tenant, {{"vorname", "Clara"},
                 {"nachname", "Mustermann"},
                 {"email", "c@example.org"},
                 {"plz", "20095"},
                 {"ort", "Hamburg"},
                 {"firma", "Straßenbau GmbH"}});
    Add(tenant, {{"vorname", "Dieter"},
                 {"nachname", "Hamuth"},
                 {"email", "d@example.net"},
                 {"plz", "50667"},
                 {"ort", "Köln"},
                 {"kontaktart", "interessent"}});
    Add(other, {{"vorname", "Eva"},
                {"nachname", "Müller"},
                {"email", "eva@example.org"},
                {"plz", "80331"},
                {"ort", "München"}});
  }
};

using NameList = std::vector<std::string>;

TEST_F(ContactListTest, SearchIsSubstringAndUmlautInsensitive) {
  AddPeople();
  EXPECT_EQ(Search("muell"), (NameList{"Mueller", "Müller"}));
  EXPECT_EQ(Search("MÜLLER"), (NameList{"Mueller", "Müller"}));
  EXPECT_EQ(Search("mueller"), (NameList{"Mueller", "Müller"}));
  EXPECT_EQ(Search("strasse"), (NameList{"Mustermann"}));  // Straßenbau GmbH
  EXPECT_EQ(Search("example.org"), (NameList{"Mueller", "Mustermann"}));
  EXPECT_EQ(Search("muench"), (NameList{"Müller"}));  // Ort München
  EXPECT_EQ(Search("0115"), (NameList{"Mueller"}));   // inside the PLZ
  EXPECT_EQ(Search("uth"), (NameList{"Hamuth"}));
  EXPECT_EQ(Search("nobody"), NameList{});
}

TEST_F(ContactListTest, ShortSearchMatchesStartOfNameOrPlz) {
  AddPeople();
  EXPECT_EQ(Search("mu"), (NameList{"Mueller", "Mustermann", "Müller"}));  // not Hamuth
  EXPECT_EQ(Search("Mü"), (NameList{"Mueller", "Müller"}));  // folds to "mue": a substring
  EXPECT_EQ(Search("8"), (NameList{"Müller"}));
  EXPECT_EQ(Search("10"), (NameList{"Mueller"}));
  EXPECT_EQ(Search("h"), (NameList{"Hamuth"}));
}

TEST_F(ContactListTest, FiltersByStateBasisAndKontaktart) {
  AddPeople();
  ContactQuery q;
  auto ids = MatchingContactIds(*f.store, tenant, q).value();
  ASSERT_EQ(ids.size(), 4u);
  Consent(ids[0], false);                  // Müller: granted
  Consent(ids[1], true);                   // Mueller: withdrawn
  auto request = RequestDeletion(ids[2]);  // Mustermann: deletion requested
  q.state = "granted";
  EXPECT_EQ(Names(q), (NameList{"Müller"}));
  q.state = "withdrawn";
  EXPECT_EQ(Names(q), (NameList{"Mueller"}));
  q.state = "deletion_requested";
  EXPECT_EQ(Names(q), (NameList{"Mustermann"}));
  q.state = "none";
  EXPECT_EQ(Names(q), (NameList{"Hamuth"}));
  ASSERT_TRUE(f.store->Write(
      [&](core::WriteTx& tx) { return tx.SetDeletionRequestStatus(tenant, request, "rejected"); }));
  EXPECT_EQ(Names(q), (NameList{"Hamuth", "Mustermann"}));
  q.state = "";
  q.basis = "consent";
  EXPECT_EQ(Names(q), (NameList{"Mueller"}));
  q.basis = "";
  q.kontaktart = "interessent";
  EXPECT_EQ(Names(q), (NameList{"Hamuth", "Müller"}));
  q.text = "muell";
  EXPECT_EQ(Names(q), (NameList{"Müller"}));
}

TEST_F(ContactListTest, SortsEveryWayAndPages) {
  AddPeople();
  ContactQuery q;
  // "mueller anna" (Müller) < "mueller bernd" (Mueller)
  EXPECT_EQ(Names(q), (NameList{"Hamuth", "Müller", "Mueller", "Mustermann"}));
  q.descending = true;
  EXPECT_EQ(Names(q), (NameList{"Mustermann", "Mueller", "Müller", "Hamuth"}));
  q.descending = false;
  q.sort = "plz";
  EXPECT_EQ(Names(q), (NameList{"Mueller", "Mustermann", "Hamuth", "Müller"}));
  q.sort = "ort";
  EXPECT_EQ(Names(q), (NameList{"Mueller", "Mustermann", "Hamuth", "Müller"}));  // Köln < München
  q.sort = "created";
  EXPECT_EQ(Names(q), (NameList{"Müller", "Mueller", "Mustermann", "Hamuth"}));
  q.sort = "state";
  auto ids = MatchingContactIds(*f.store, tenant, {}).value();
  Consent(ids[3], false);  // Hamuth granted: after every "none"
  EXPECT_EQ(Names(q), (NameList{"Müller", "Mueller", "Mustermann", "Hamuth"}));

  q.sort = "name";
  q.per_page = 3;
  auto first = LoadContactList(*f.store, tenant, q).value();
  EXPECT_EQ(first.rows.size(), 3u);
  EXPECT_TRUE(first.has_next);
  EXPECT_EQ(first.total, 4);
  EXPECT_FALSE(first.total_capped);
  q.page = 2;
  auto second = LoadContactList(*f.store, tenant, q).value();
  ASSERT_EQ(second.rows.size(), 1u);
  EXPECT_EQ(second.rows[0].contact.data.nachname, "Mustermann");
  EXPECT_FALSE(second.has_next);
  EXPECT_EQ(second.rows[0].state, core::ConsentState::kNone);
}

TEST_F(ContactListTest, AnotherTenantsContactsAreNeverListed) {
  AddPeople();
  ContactQuery q;
  q.text = "müller";
  EXPECT_EQ(Names(q), (NameList{"Müller", "Mueller"}));
  EXPECT_EQ(Names(q, other), (NameList{"Müller"}));
  auto mine = MatchingContactIds(*f.store, tenant, {}).value();
  auto theirs = MatchingContactIds(*f.store, other, {}).value();
  EXPECT_EQ(mine.size(), 4u);
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(std::count(mine.begin(), mine.end(), theirs[0]), 0);
}

TEST_F(ContactListTest, EditedContactIsFoundByItsNewName) {
  AddPeople();
  auto ids = MatchingContactIds(*f.store, tenant, {}).value();
  ASSERT_TRUE(f.store->Write([&](core::WriteTx& tx) -> core::Status {
    auto c = tx.FindContact(tenant, ids[3]);
    if (!c) return c.error();
    c->data.nachname = "Weiß";
    return tx.UpdateContact(*c);
  }));
  EXPECT_EQ(Search("weiss"), (NameList{"Weiß"}));
  EXPECT_EQ(Search("hamuth"), NameList{});
}

// ---------------------------------------------------------------- every query uses an index

// The filters a broker combines, each with every sort order and direction.
std::vector<core::ContactListFilter> TypicalFilters() {
  std::vector<core::ContactListFilter> base(9);
  base[1].state = "granted";
  base[2].state = "deletion_requested";
  base[3].basis = "consent";
  base[4].kontaktart = "mieter";
  base[5].search = "muell";
  base[6].search = "80";
  base[7].search = "mu";
  base[8].search = "muell";
  base[8].state = "granted";
  std::vector<core::ContactListFilter> all;
  for (const auto& f : base) {
    for (const char* sort : {"name", "plz", "ort", "created", "state"}) {
      for (bool desc : {false, true}) {
        auto g = f;
        g.sort = sort;
        g.descending = desc;
        all.push_back(g);
      }
    }
    // The API's pages: id order from a cursor.
    for (core::ContactId after : {core::ContactId{0}, core::ContactId{20000}}) {
      auto g = f;
      g.sort = "id";
      g.after_id = after;
      all.push_back(g);
    }
  }
  return all;
}

std::vector<storage::ContactListSql> TypicalStatements(storage::SqlDialect d,
                                                       core::TenantId tenant) {
  std::vector<storage::ContactListSql> out;
  for (const auto& f : TypicalFilters()) {
    out.push_back(storage::ContactListPageSql(d, tenant, f, 0, 51));
    out.push_back(storage::ContactListPageSql(d, tenant, f, 5000, 51));
    if (storage::IsSubstringSearch(f)) {
      out.push_back(storage::ContactListWindowSql(d, tenant, f, 0, 51, storage::kSearchWindowRows));
      out.push_back(storage::SearchMatchCountSql(d, f, storage::kSqliteDenseSearchMatches));
      if (d == storage::SqlDialect::kPostgres) {
        out.push_back(storage::ContactSearchPageSql(tenant, f, 0, 51));
      } else {
        out.push_back(storage::ContactSearchOrderSql(tenant, f));
        out.push_back(storage::ContactRowsByIdsSql(d, tenant, f, {1, 2, 3}));
      }
    }
    if (d == storage::SqlDialect::kSqlite && f.sort == "id" && storage::HasValueFilters(f) &&
        !storage::IsSubstringSearch(f)) {
      out.push_back(storage::ContactListWindowSql(d, tenant, f, 0, 51, storage::kSearchWindowRows,
                                                  storage::WindowOutside::kValueFilters));
      out.push_back(storage::ContactIdByFilterSql(d, tenant, f, 51));
    }
    if (f.sort == "name" && !f.descending) {
      out.push_back(storage::ContactListCountSql(d, tenant, f, kContactCountCap + 1));
      out.push_back(storage::ContactListIdsSql(d, tenant, f));
    }
  }
  return out;
}

// Three tenants of 12,000 contacts each, spread like a broker's data (a quarter granted, a
// few deletion requests, common surnames), loaded with SQL for speed.
std::string LoadSql(bool postgres, core::TenantId first_tenant) {
  const std::string series =
      postgres ? "generate_series(0, 35999) AS g(i)"
               : "(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 35999) "
                 "SELECT i FROM n) AS g";
  const std::string now = postgres ? "now()" : "'2026-11-30T10:00:00Z'";
  const std::string kontaktart =
      postgres ? "(ARRAY['interessent','eigentuemer','mieter','kaeufer'])[1 + i % 4]"
               : "CASE i % 4 WHEN 0 THEN 'interessent' WHEN 1 THEN 'eigentuemer' "
                 "WHEN 2 THEN 'mieter' ELSE 'kaeufer' END";
  const std::string basis =
      "CASE i % 3 WHEN 0 THEN 'consent' WHEN 1 THEN 'none' ELSE "
      "'own_enquiry' END";
  const std::string plz = postgres ? "lpad(((i * 7919) % 99999)::text, 5, '0')"
                                   : "substr('0000' || ((i * 7919) % 99999), -5)";
  return "INSERT INTO contacts (tenant_id, vorname, nachname, email, plz, ort, kontaktart, "
         "legal_basis, created_at, updated_at, search_key, sort_name, sort_ort, list_state) "
         "SELECT " +
         std::to_string(first_tenant) +
         " + i % 3, 'V' || i, 'Name' || (i % 997), "
         "'c' || i || '@example.org', " +
         plz + ", 'Ort' || (i % 500), " + kontaktart + ", " + basis + ", " + now + ", " + now +
         ", 'v' || i || ' name' || (i % 997) || '|c' || i, "
         "'name' || (i % 997) || ' v' || i, 'ort' || (i % 500), "
         "CASE WHEN i % 4 = 0 THEN 1 WHEN i % 97 = 0 THEN 3 ELSE 0 END FROM " +
         series;
}

std::vector<core::ContactId> IdsOf(const std::vector<core::ContactListRow>& rows) {
  std::vector<core::ContactId> ids;
  for (const auto& r : rows) ids.push_back(r.contact.id);
  return ids;
}

// Three tenants of LoadSql's contacts, analyzed as autovacuum would after a bulk load (VACUUM
// may not run inside a transaction); returns the first tenant.
core::TenantId LoadListTenants(StoreFixture& f, const std::string& prefix) {
  const core::TenantId tenant = f.AddTenant(prefix + "-a");
  f.AddTenant(prefix + "-b");
  f.AddTenant(prefix + "-c");
  const bool pg = f.backend == Backend::kPostgres;
  EXPECT_TRUE(f.ExecRaw(LoadSql(pg, tenant)).has_value());
  EXPECT_TRUE(f.ExecRaw(pg ? "VACUUM ANALYZE contacts" : "ANALYZE").has_value());
  return tenant;
}

bool IsFullScan(const std::string& line) {
  if (line.find("Seq Scan on contacts") != std::string::npos) return true;
  return line.rfind("SCAN c", 0) == 0 && line.find("USING") == std::string::npos &&
         line.rfind("SCAN contacts_fts", 0) != 0;
}

std::vector<std::string> SqlitePlan(storage::SqliteDb& db, const storage::ContactListSql& q) {
  storage::Statement s(db, "EXPLAIN QUERY PLAN " + q.sql);
  int i = 1;
  for (const auto& p : q.params) {
    if (const auto* n = std::get_if<std::int64_t>(&p)) {
      s.Bind(i++, *n);
    } else {
      s.Bind(i++, std::get<std::string>(p));
    }
  }
  std::vector<std::string> lines;
  while (s.Step()) lines.push_back(s.ColumnText(3));
  EXPECT_TRUE(s.status().has_value()) << q.sql;
  return lines;
}

std::vector<std::string> PgPlan(storage::PgConn& db, core::TenantId tenant,
                                const storage::ContactListSql& q) {
  storage::PgParams params;
  for (const auto& p : q.params) {
    if (const auto* n = std::get_if<std::int64_t>(&p)) {
      params.Add(*n);
    } else {
      params.Add(std::get<std::string>(p));
    }
  }
  EXPECT_TRUE(db.Exec("BEGIN; SELECT set_config('consentd.tenant_id', '" + std::to_string(tenant) +
                      "', true)")
                  .has_value());
  auto r = db.QueryOnce("EXPLAIN " + q.sql, params);
  std::vector<std::string> lines;
  EXPECT_TRUE(r.has_value()) << q.sql << (r ? "" : r.error().message);
  for (int i = 0; r && i < r->rows(); ++i) lines.push_back(r->row(i).ColumnText(0));
  EXPECT_TRUE(db.Exec("COMMIT").has_value());
  return lines;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(ContactListPlanTest, EveryListQueryUsesAnIndex) {
  StoreFixture f;
  const core::TenantId tenant = LoadListTenants(f, "plan");
  const bool pg = f.backend == Backend::kPostgres;
  const auto dialect = pg ? storage::SqlDialect::kPostgres : storage::SqlDialect::kSqlite;
  int checked = 0;
  if (pg) {
    // As the application role, under row-level security, like the server.
    auto db = storage::PgConn::Open(f.pg->app_url());
    ASSERT_TRUE(db.has_value());
    for (const auto& q : TypicalStatements(dialect, tenant)) {
      auto plan = PgPlan(**db, tenant, q);
      for (const auto& line : plan) EXPECT_FALSE(IsFullScan(line)) << q.sql << "\n" << Joined(plan);
      ++checked;
    }
    // The substring search inside consentd_contact_search(), as its owner runs it.
    auto owner = storage::PgConn::Open(f.pg->owner_url());
    ASSERT_TRUE(owner.has_value());
    storage::ContactListSql inner{
        "SELECT id FROM contacts WHERE tenant_id = consentd_tenant() AND erased_at IS NULL "
        "AND search_key LIKE $1",
        {std::string("%name99%")}};
    auto plan = PgPlan(**owner, tenant, inner);
    for (const auto& line : plan) EXPECT_FALSE(IsFullScan(line)) << Joined(plan);
    EXPECT_NE(Joined(plan).find("contacts_list_search"), std::string::npos) << Joined(plan);
    // With a filter beside it (the query consentd_contact_search_page() and _count() build):
    // the trigram index takes the filter too, so only rows matching both are read.
    storage::ContactListSql filtered{
        "SELECT c.id FROM contacts c WHERE c.tenant_id = consentd_tenant() "
        "AND c.erased_at IS NULL AND c.search_key LIKE $1 AND c.legal_basis = $2",
        {std::string("%name99%"), std::string("none")}};
    plan = PgPlan(**owner, tenant, filtered);
    const bool filter_in_index = std::any_of(plan.begin(), plan.end(), [](const auto& line) {
      return line.find("Index Cond") != std::string::npos &&
             line.find("legal_basis") != std::string::npos;
    });
    EXPECT_TRUE(filter_in_index) << Joined(plan);
  } else {
    auto db = storage::SqliteDb::Open(f.dir.File("test.db"));
    ASSERT_TRUE(db.has_value());
    for (const auto& q : TypicalStatements(dialect, tenant)) {
      auto plan = SqlitePlan(**db, q);
      for (const auto& line : plan) EXPECT_FALSE(IsFullScan(line)) << q.sql << "\n" << Joined(plan);
      ++checked;
    }
    // A rare state in id order goes through its own index, not the primary key.
    core::ContactListFilter rare;
    rare.state = "deletion_requested";
    rare.sort = "id";
    rare.after_id = 5;
    const auto plan = SqlitePlan(**db, storage::ContactIdByFilterSql(dialect, tenant, rare, 51));
    EXPECT_NE(Joined(plan).find("USING INDEX contacts_list_state"), std::string::npos)
        << Joined(plan);
  }
  EXPECT_GT(checked, 100);
}

// Every create, import, API upsert and consent page looks a contact up by its address: the
// address must be part of the index lookup, not a filter over the tenant's every contact
// (under row-level security PostgreSQL cannot use a condition on lower(email) for that).
TEST(ContactListPlanTest, EmailLookupSeeksTheAddressInTheIndex) {
  StoreFixture f;
  const core::TenantId tenant = LoadListTenants(f, "plan");
  const bool pg = f.backend == Backend::kPostgres;
  const storage::ContactListSql lookup{
      "SELECT id " + storage::ContactByEmailFromSql(pg ? storage::SqlDialect::kPostgres
                                                       : storage::SqlDialect::kSqlite),
      {std::int64_t{tenant}, std::string("C777@Example.ORG")}};
  std::vector<std::string> plan;
  if (pg) {
    auto db = storage::PgConn::Open(f.pg->app_url());  // under row-level security
    ASSERT_TRUE(db.has_value());
    plan = PgPlan(**db, tenant, lookup);
    auto lines_with = [&](std::string_view a, std::string_view b) {
      return std::count_if(plan.begin(), plan.end(), [&](const std::string& l) {
        return l.find(a) != std::string::npos && l.find(b) != std::string::npos;
      });
    };
    EXPECT_EQ(lines_with("Index Cond:", "email_key = "), 1) << Joined(plan);
    EXPECT_EQ(lines_with("Filter:", "email"), 0) << Joined(plan);
  } else {
    auto db = storage::SqliteDb::Open(f.dir.File("test.db"));
    ASSERT_TRUE(db.has_value());
    plan = SqlitePlan(**db, lookup);
    EXPECT_NE(Joined(plan).find("(tenant_id=? AND email=?)"), std::string::npos) << Joined(plan);
  }
  std::string found;
  auto read = f.store->Read([&](core::ReadTx& tx) -> core::Status {
    auto c = tx.FindContactByEmail(tenant, "C777@Example.ORG");
    if (!c) return c.error();
    found = c->data.email;
    return {};
  });
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(found, "c777@example.org");
}

// A search matching many contacts reads its page in sort order from a window of the list
// (storage/contact_list_sql.h); the page must be the one the trigram index would give, on
// the first pages (the window serves them) and deep ones (the index does), also beside a
// Kontaktart filter (the window's bound is that of the filtered list).
TEST(ContactListPlanTest, DenseSearchPagesAreThoseOfTheWholeList) {
  StoreFixture f;
  const core::TenantId tenant = LoadListTenants(f, "dense");
  auto emails = [&](ContactQuery q) {
    auto page = LoadContactList(*f.store, tenant, q);
    EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().message);
    std::vector<std::string> out;
    for (const auto& row : page->rows) out.push_back(row.contact.data.email);
    return out;
  };
  for (const char* sort : {"name", "plz", "created", "state"}) {
    for (bool desc : {false, true}) {
      for (const char* kontaktart : {"", "mieter"}) {
        ContactQuery all;
        all.sort = sort;
        all.descending = desc;
        all.kontaktart = kontaktart;
        all.per_page = 12000;
        const auto whole = emails(all);
        ASSERT_EQ(whole.size(), *kontaktart ? 3000u : 12000u);
        // "name" is in every key (12,000 matches); "|c1" starts the e-mail of 3,702 of them.
        for (const char* text : {"name", "|c1"}) {
          std::vector<std::string> expected;
          for (const auto& e : whole) {
            if (std::string_view(text) == "name" || e.rfind("c1", 0) == 0) expected.push_back(e);
          }
          for (int page : {1, 2, 40}) {
            ContactQuery q = all;
            q.text = text;
            q.per_page = 50;
            q.page = page;
            const auto begin =
                expected.begin() + std::min<std::ptrdiff_t>((page - 1) * 50, std::ssize(expected));
            const std::vector<std::string> want(
                begin, begin + std::min<std::ptrdiff_t>(50, expected.end() - begin));
            EXPECT_EQ(emails(q), want) << text << " sort " << sort << (desc ? " desc" : "")
                                       << " kontaktart " << kontaktart << " page " << page;
          }
        }
      }
    }
  }
}

// The API pages in id order from a cursor (dense searches through the window, sparse ones
// and FTS5 in rowid order, filters through the list's indexes): walking every page must give
// exactly the ids of the whole filter, in order, once each.
TEST(ContactListPlanTest, CursorPagesInIdOrderAreThoseOfTheWholeList) {
  StoreFixture f;
  const core::TenantId tenant = LoadListTenants(f, "cursor");
  std::vector<core::ContactListFilter> filters(6);
  filters[0].search = "name";    // every contact
  filters[1].search = "|c1";     // 3,702
  filters[2].search = "name99";  // a few hundred
  filters[3].state = "granted";
  filters[4].state = "deletion_requested";
  filters[5].search = "|c1";
  filters[5].kontaktart = "mieter";
  for (auto filter : filters) {
    std::vector<core::ContactId> whole, walked;
    auto read = f.store->Read([&](core::ReadTx& tx) -> core::Status {
      auto ids = tx.ListContactRowIds(tenant, filter);
      if (!ids) return ids.error();
      whole = *ids;
      filter.sort = "id";
      for (int pages = 0; pages < 100; ++pages) {
        auto rows = tx.ListContactRows(tenant, filter, 0, 500);
        if (!rows) return rows.error();
        for (const auto& r : *rows) walked.push_back(r.contact.id);
        if (rows->size() < 500) break;
        filter.after_id = rows->back().contact.id;
      }
      return {};
    });
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_FALSE(whole.empty()) << filter.search << filter.state;
    EXPECT_EQ(walked, whole) << filter.search << " " << filter.state << " " << filter.kontaktart;
  }
}

TEST(ContactListPlanTest, WideSearchesCountOnlyToTheSearchCap) {
  StoreFixture f;
  const core::TenantId tenant = LoadListTenants(f, "count");
  ContactQuery q;
  q.text = "name1";  // name1, name10..19, name100..199: 1,337 of the tenant's 12,000
  auto page = LoadContactList(*f.store, tenant, q).value();
  EXPECT_TRUE(page.total_capped);
  EXPECT_EQ(page.count_cap, kSearchCountCap);
  EXPECT_EQ(page.total, kSearchCountCap);
  EXPECT_TRUE(page.has_next);
  q.text = "name99";  // name99, name990..996: 97 of them
  page = LoadContactList(*f.store, tenant, q).value();
  EXPECT_FALSE(page.total_capped);
  EXPECT_EQ(page.total, 97);
  q.text = "";
  page = LoadContactList(*f.store, tenant, q).value();
  EXPECT_EQ(page.count_cap, kContactCountCap);
  EXPECT_TRUE(page.total_capped);
}

// A page's count is that of its whole filter, on every page (also one past the last match),
// whichever way the store read the page (the window in sort order, one pass over the matches,
// the index in id order), with a state, legal basis or Kontaktart beside the search; and the
// page is the one ListContactRows gives.
TEST(ContactListPlanTest, PageCountsAreThoseOfTheirWholeFilter) {
  StoreFixture f;
  const core::TenantId tenant = LoadListTenants(f, "counts");
  // LoadSql's first tenant: every contact's legal basis is "consent", one in four "mieter",
  // one in four (others) granted.
  std::vector<core::ContactListFilter> filters(8);
  filters[0].search = "name99";  // 97
  filters[1].search = "name99";
  filters[1].basis = "none";
  filters[2].search = "name99";
  filters[2].state = "granted";
  filters[3].search = "name1";  // 1,337
  filters[3].kontaktart = "mieter";
  filters[4].search = "|c1";  // 3,702
  filters[4].basis = "consent";
  filters[5].search = "|c1";
  filters[6].search = "name99";
  filters[6].kontaktart = "mieter";
  filters[7].search = "name99";
  filters[7].sort = "plz";
  filters[7].descending = true;
  constexpr std::int64_t kCap = kSearchCountCap + 1;
  std::vector<std::int64_t> expected;
  ASSERT_TRUE(f.store
                  ->Read([&](core::ReadTx& tx) -> core::Status {
                    for (const auto& filter : filters) {
                      auto ids = tx.ListContactRowIds(tenant, filter);
                      if (!ids) return ids.error();
                      expected.push_back(std::min<std::int64_t>(std::ssize(*ids), kCap));
                    }
                    return {};
                  })
                  .has_value());
  EXPECT_EQ(expected[0], 97);
  EXPECT_EQ(expected[1], 0);
  EXPECT_GT(expected[2], 0);
  EXPECT_LT(expected[2], expected[0]);
  EXPECT_GT(expected[6], 0);
  EXPECT_LT(expected[6], expected[0]);
  EXPECT_EQ(expected[4], kCap);
  EXPECT_EQ(expected[5], kCap);
  for (std::size_t i = 0; i < filters.size(); ++i) {
    for (std::int64_t offset : {0, 51, 20000}) {
      for (bool in_id_order : {false, true}) {
        auto filter = filters[i];
        if (in_id_order) filter.sort = "id";
        ASSERT_TRUE(f.store
                        ->Read([&](core::ReadTx& tx) -> core::Status {
                          auto page = tx.ListContactPage(tenant, filter, offset, 51, kCap);
                          if (!page) return page.error();
                          auto rows = tx.ListContactRows(tenant, filter, offset, 51);
                          if (!rows) return rows.error();
                          EXPECT_EQ(page->matches, expected[i])
                              << "filter " << i << ", offset " << offset << ", " << filter.sort;
                          EXPECT_EQ(IdsOf(page->rows), IdsOf(*rows))
                              << "filter " << i << ", offset " << offset << ", " << filter.sort;
                          return {};
                        })
                        .has_value());
      }
    }
  }
  // In a write transaction the count sees the transaction's own change.
  ASSERT_TRUE(f.store
                  ->Write([&](core::WriteTx& tx) -> core::Status {
                    auto page = tx.ListContactPage(tenant, filters[0], 0, 51, kCap);
                    if (!page) return page.error();
                    EXPECT_FALSE(page->rows.empty());
                    auto contact = tx.FindContact(tenant, page->rows.front().contact.id);
                    if (!contact) return contact.error();
                    contact->data.nachname = "Anders";
                    if (auto s = tx.UpdateContact(*contact); !s) return s;
                    page = tx.ListContactPage(tenant, filters[0], 0, 51, kCap);
                    if (!page) return page.error();
                    EXPECT_EQ(page->matches, expected[0] - 1);
                    return {};
                  })
                  .has_value());
}

}  // namespace
}  // namespace consentd::app
