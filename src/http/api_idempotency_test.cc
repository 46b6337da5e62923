// The Idempotency-Key across a crash: the API's answer to a POST is stored in a unit of work
// after the act's, so a node can stop between the two. A retry must then learn that the act
// took effect instead of carrying it out again.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "app/api_keys.h"
#include "http/api_handlers.h"
#include "testing/fixtures.h"

namespace consentd::http {
namespace {

using nlohmann::json;

// The store, with failures on demand: after `units` more units of work, every further unit
// is lost, as if the node had stopped (it is not run; the caller learns nothing was
// written); or every read fails, as when the database goes away after a commit.
class FailingStore final : public core::Store {
 public:
  explicit FailingStore(core::Store& inner) : inner_(inner) {}

  void LoseWritesAfter(int units) { writes_left_ = units; }
  void FailReadsAfter(int units) { reads_fail_after_ = units; }
  void Heal() {
    writes_left_ = -1;
    reads_fail_after_ = -1;
  }

  core::Status Read(const core::ReadFn& fn) override {
    if (reads_fail_after_ == 0) return core::Unavailable("the database went away");
    return inner_.Read(fn);
  }
  core::Status Write(const core::WriteFn& fn) override {
    if (writes_left_ == 0) return core::Unavailable("the node stopped");
    auto status = inner_.Write(fn);
    Count();
    return status;
  }
  std::future<core::Status> WriteAsync(core::WriteFn fn) override {
    if (writes_left_ == 0) {
      std::promise<core::Status> lost;
      lost.set_value(core::Unavailable("the node stopped"));
      return lost.get_future();
    }
    Count();
    return inner_.WriteAsync(std::move(fn));
  }
  core::Result<int> Migrate() override { return inner_.Migrate(); }

 private:
  void Count() {
    if (writes_left_ > 0) --writes_left_;
    if (reads_fail_after_ > 0) --reads_fail_after_;
  }

  core::Store& inner_;
  std::atomic<int> writes_left_{-1};
  std::atomic<int> reads_fail_after_{-1};
};

class ApiIdempotencyTest : public ::testing::Test {
 protected:
  ApiIdempotencyTest()
      : tenant_(f_.AddTenant("musterimmo")),
        store_(*f_.store),
        api_({store_, f_.clock, f_.crypto, f_.phones, webhooks_}) {
    auto admin = app::CreateUser(*f_.store, f_.crypto, tenant_, "admin@example.com", "Ada Admin",
                                 core::Role::kAdmin, "ein-langes-passwort")
                     .value();
    key_ = app::CreateApiKey(*f_.store, f_.clock, f_.crypto, {tenant_, admin, "203.0.113.0/24"},
                             "CRM", core::ApiScope::kWrite)
               .value()
               .secret;
  }

  Response Post(const std::string& path, const json& body, const std::string& key) {
    Request r;
    r.method = "POST";
    r.path = path;
    r.headers = {{"authorization", "Bearer " + key_},
                 {"content-type", "application/json"},
                 {"idempotency-key", key}};
    r.body = body.dump();
    r.remote_address = "203.0.113.7";
    return api_.Handle(r).value();
  }

  static std::string Title(const Response& r) {
    return json::parse(r.body, nullptr, false).value("title", "");
  }
  static bool Replayed(const Response& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "Idempotent-Replayed") return value == "true";
    }
    return false;
  }
  int ContactsNamed(const std::string& nachname) {
    int n = 0;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      auto rows = tx.ListContactRows(tenant_, core::ContactListFilter{}, 0, 1000);
      if (!rows) return rows.error();
      for (const auto& row : *rows) n += row.contact.data.nachname == nachname;
      return {};
    }));
    return n;
  }

  testing::StoreFixture f_;
  core::TenantId tenant_;
  app::WebhookOptions webhooks_;
  FailingStore store_;
  ApiHandlers api_;
  std::string key_;
};

TEST_F(ApiIdempotencyTest, ARetryAfterTheAnswerWasLostDoesNotCarryTheActOutAgain) {
  const json body = {{"email", "ina@example.com"}, {"nachname", "Einmal"}, {"vorname", "Ina"}};
  store_.LoseWritesAfter(2);  // the key's reservation and the create; the answer is lost
  Response first = Post("/api/v1/contacts", body, "create-1");
  ASSERT_EQ(first.status, 201) << first.body;
  store_.Heal();
  EXPECT_EQ(ContactsNamed("Einmal"), 1);

  Response early = Post("/api/v1/contacts", body, "create-1");
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(Title(early), "Request in progress");

  f_.clock.Advance(std::chrono::seconds(61));  // the first request's node is taken as gone
  Response retry = Post("/api/v1/contacts", body, "create-1");
  EXPECT_EQ(retry.status, 409) << retry.body;
  EXPECT_EQ(Title(retry), "Request already carried out");
  EXPECT_EQ(ContactsNamed("Einmal"), 1);

  Response again = Post("/api/v1/contacts", body, "create-1");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Title(again), "Request already carried out");
  EXPECT_TRUE(Replayed(again));
  EXPECT_EQ(ContactsNamed("Einmal"), 1);
}

TEST_F(ApiIdempotencyTest, ARetryAfterTheActWasLostCarriesItOut) {
  const json body = {{"email", "ida@example.com"}, {"nachname", "Spaeter"}, {"vorname", "Ida"}};
  store_.LoseWritesAfter(1);  // the reservation only: the create and everything after it are lost
  Response first = Post("/api/v1/contacts", body, "create-2");
  EXPECT_EQ(first.status, 503) << first.body;
  store_.Heal();
  EXPECT_EQ(ContactsNamed("Spaeter"), 0);

  f_.clock.Advance(std::chrono::seconds(61));
  Response retry = Post("/api/v1/contacts", body, "create-2");
  EXPECT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(ContactsNamed("Spaeter"), 1);
  Response replay = Post("/api/v1/contacts", body, "create-2");
  EXPECT_EQ(replay.status, 201);
  EXPECT_TRUE(Replayed(replay));
  EXPECT_EQ(ContactsNamed("Spaeter"), 1);
}

TEST_F(ApiIdempotencyTest, AFailureAfterTheActIsAnsweredAsCarriedOut) {
  const core::ContactId id = f_.AddContact(tenant_, "udo@example.com", "Danach");
  const std::string path = "/api/v1/contacts/" + std::to_string(id) + "/consents";
  const json body = {
      {"action", "grant"}, {"source", "Telefon"}, {"note", "Anruf"}, {"date", "2026-11-29"}};
  // Consents recorded: "Einwilligung" activities (the consent record itself is one per purpose).
  auto consents = [&] {
    int n = 0;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      auto all = tx.ListActivities(tenant_, id);
      if (!all) return all.error();
      for (const auto& a : *all) n += a.type == core::ActivityType::kEinwilligung;
      return {};
    }));
    return n;
  };
  // The reservation and the consent commit; reading the consents back for the answer fails.
  store_.FailReadsAfter(2);
  Response first = Post(path, body, "consent-1");
  store_.Heal();
  EXPECT_EQ(first.status, 409) << first.body;
  EXPECT_EQ(Title(first), "Request already carried out");
  EXPECT_EQ(consents(), 1);

  Response retry = Post(path, body, "consent-1");
  EXPECT_EQ(retry.status, 409);
  EXPECT_TRUE(Replayed(retry));
  EXPECT_EQ(consents(), 1);
}

}  // namespace
}  // namespace consentd::http
