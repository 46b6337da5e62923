#include "testing/fixtures.h"

#include <cstdlib>
#include <fstream>

#include "storage/postgres/pg_db.h"
#include "storage/sqlite/sqlite_db.h"

namespace consentd::testing {

namespace {

constexpr char kPgFileVariable[] = "CONSENTD_TEST_PG_FILE";

// The file tests/pg/cluster wrote the cluster's URL to; empty if unknown.
std::string ClusterUrlFile() {
  if (const char* file = std::getenv(kPgFileVariable)) return file;
#ifdef CONSENTD_DEFAULT_TEST_PG_FILE
  return CONSENTD_DEFAULT_TEST_PG_FILE;
#else
  return "";
#endif
}

// The cluster's owner URL for its maintenance database; empty while no cluster runs.
std::string ClusterUrl() {
  const std::string file = ClusterUrlFile();
  if (file.empty()) return "";
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  return url;
}

// `url` with its user and database replaced ("postgresql://USER@/DB?host=…").
std::string WithUserAndDatabase(const std::string& url, const std::string& user,
                                const std::string& db) {
  const auto query = url.find('?');
  return "postgresql://" + user + "@/" + db + (query == std::string::npos ? "" : url.substr(query));
}

void OrThrow(const core::Status& s, const std::string& what) {
  if (!s) throw std::runtime_error(what + ": " + s.error().message);
}

}  // namespace

core::Contact NewContact(core::TenantId tenant, const std::string& email) {
  core::Contact c;
  c.tenant_id = tenant;
  c.data.email = email;
  c.data.nachname = "Test";
  return c;
}

bool ContactExists(core::Store& store, core::TenantId tenant, const std::string& email) {
  bool found = false;
  auto read = store.Read([&](core::ReadTx& tx) -> core::Status {
    found = tx.FindContactByEmail(tenant, email).has_value();
    return {};
  });
  return read && found;
}

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgres";
}

Backend DefaultBackend() {
  const char* store = std::getenv("CONSENTD_TEST_STORE");
  return store && std::string_view(store) == "postgres" ? Backend::kPostgres : Backend::kSqlite;
}

std::string PgTestDatabase::Unavailable() {
  if (ClusterUrl().empty()) {
    return "no test PostgreSQL cluster: run the tests with ctest, or start one with "
           "tests/pg/cluster start DIR and set " +
           std::string(kPgFileVariable) + "=DIR/url";
  }
  return "";
}

PgTestDatabase::PgTestDatabase() : admin_url_(ClusterUrl()) {
  if (admin_url_.empty()) throw std::runtime_error(Unavailable());
  std::random_device rd;
  name_ = "consentd_ut_" + std::to_string(rd()) + std::to_string(rd());
  owner_url_ = WithUserAndDatabase(admin_url_, "consentd_owner", name_);
  app_url_ = WithUserAndDatabase(admin_url_, "consentd_app", name_);
  auto admin = storage::PgConn::Open(admin_url_);
  if (!admin) throw std::runtime_error(admin.error().message);
  OrThrow((*admin)->Exec("CREATE DATABASE " + name_), "create database");
  storage::PgOptions options;
  options.app_role = "consentd_app";
  auto owner = storage::OpenPgStore(owner_url_, options);
  if (!owner) throw std::runtime_error(owner.error().message);
  auto migrated = (*owner)->Migrate();
  if (!migrated) throw std::runtime_error("migrate: " + migrated.error().message);
}

PgTestDatabase::~PgTestDatabase() {
  auto admin = storage::PgConn::Open(admin_url_);
  if (admin) (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

core::Status PgTestDatabase::ExecAsOwner(const std::string& sql) const {
  auto owner = storage::PgConn::Open(owner_url_);
  if (!owner) return owner.error();
  return (*owner)->Exec(sql);
}

StoreFixture::StoreFixture(Backend b, storage::SqliteOptions options) : backend(b) {
  if (backend == Backend::kPostgres) {
    pg = std::make_unique<PgTestDatabase>();
  } else {
    store = std::move(storage::OpenSqliteStore(dir.File("test.db"), options).value());
    if (!store->Migrate()) throw std::runtime_error("migration failed");
    return;
  }
  store = OpenAnother();
}

std::unique_ptr<core::Store> StoreFixture::OpenAnother() const {
  if (backend == Backend::kSqlite) {
    auto s = storage::OpenSqliteStore(dir.File("test.db"));
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }
  storage::PgOptions options;
  options.require_confined_role = true;
  auto s = storage::OpenPgStore(pg->app_url(), options);
  if (!s) throw std::runtime_error(s.error().message);
  if (auto checked = (*s)->Migrate(); !checked) {
    throw std::runtime_error("schema check: " + checked.error().message);
  }
  return std::move(*s);
}

core::Status StoreFixture::ExecRaw(const std::string& sql) const {
  if (pg) return pg->ExecAsOwner(sql);
  auto db = storage::SqliteDb::Open(dir.File("test.db"));
  if (!db) return db.error();
  return (*db)->Exec(sql);
}

}  // namespace consentd::testing
