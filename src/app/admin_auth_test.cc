#include "app/admin_auth.h"

#include <gtest/gtest.h>

#include "app/admin.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::StoreFixture;

constexpr char kPassword[] = "richtig-geheim-2026";

class AdminAuthTest : public ::testing::Test {
 protected:
  AdminAuthTest() {
    tenant_ = f_.AddTenant("nord");
    user_ = CreateUser(*f_.store, f_.crypto, tenant_, "anna@nord.example", "Anna Nord",
                       core::Role::kBroker, kPassword)
                .value();
  }

  core::Result<LoginResult> LogIn(std::string_view email, std::string_view password,
                                  std::string_view ip = "203.0.113.0",
                                  std::string_view previous = "") {
    return auth_.Login(email, password, ip, previous, &failure_);
  }

  std::vector<core::AuditEntry> Audit() {
    std::vector<core::AuditEntry> out;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      auto entries = tx.ListAudit(tenant_, {});
      if (!entries) return entries.error();
      out = *entries;
      return {};
    }));
    return out;
  }

  void SetActive(bool active) {
    ASSERT_TRUE(f_.store->Write([&](core::WriteTx& tx) -> core::Status {
      auto user = tx.FindUser(tenant_, user_);
      if (!user) return user.error();
      user->active = active;
      return tx.UpdateUser(*user);
    }));
  }

  StoreFixture f_;
  AdminAuth auth_{*f_.store, f_.clock, f_.crypto};
  core::TenantId tenant_ = 0;
  core::UserId user_ = 0;
  LoginFailure failure_{};
};

TEST_F(AdminAuthTest, LogsInWithTheRightPasswordAndResolvesTheSession) {
  auto login = LogIn("  ANNA@nord.example ", kPassword);
  ASSERT_TRUE(login) << login.error().message;
  EXPECT_EQ(login->principal.user.id, user_);
  EXPECT_EQ(login->token.size(), 43u);
  auto principal = auth_.Resolve(login->token);
  ASSERT_TRUE(principal);
  EXPECT_EQ(principal->tenant.id, tenant_);
  EXPECT_EQ(principal->user.email, "anna@nord.example");
  auto audit = Audit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "login");
  EXPECT_EQ(audit[0].user_id, user_);
}

TEST_F(AdminAuthTest, OnlyTheTokensHashIsStored) {
  auto login = LogIn("anna@nord.example", kPassword);
  ASSERT_TRUE(login);
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    EXPECT_FALSE(tx.FindSession(login->token));
    EXPECT_TRUE(tx.FindSession(f_.crypto.Sha256Hex(login->token)));
    return {};
  }));
}

TEST_F(AdminAuthTest, WrongPasswordUnknownAddressAndSystemUserFailAlike) {
  ASSERT_FALSE(LogIn("anna@nord.example", "falsch-falsch-falsch"));
  EXPECT_EQ(failure_, LoginFailure::kWrongCredentials);
  ASSERT_FALSE(LogIn("niemand@nord.example", kPassword));
  EXPECT_EQ(failure_, LoginFailure::kWrongCredentials);
  // The system user has no password: an empty password must not match it.
  ASSERT_FALSE(LogIn("portal@nord.invalid", ""));
  EXPECT_EQ(failure_, LoginFailure::kWrongCredentials);
  auto audit = Audit();
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action, "login.failed");
}

TEST_F(AdminAuthTest, TheSystemUserCanNeverLogIn) {
  core::User system;
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    auto u = tx.FindSystemUser(tenant_);
    if (!u) return u.error();
    system = *u;
    return {};
  }));
  EXPECT_FALSE(core::CanLogIn(system));
  ASSERT_FALSE(LogIn(system.email, ""));
  ASSERT_FALSE(LogIn(system.email, kPassword));
}

TEST_F(AdminAuthTest, ThrottlesAnAccountAfterFiveFailuresEvenWithTheRightPassword) {
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(LogIn("anna@nord.example", "falsch-falsch-falsch"));
  ASSERT_FALSE(LogIn("anna@nord.example", kPassword, "198.51.100.0"));
  EXPECT_EQ(failure_, LoginFailure::kThrottled);
  f_.clock.Advance(minutes(16));
  ASSERT_TRUE(LogIn("anna@nord.example", kPassword, "198.51.100.0"));
}

TEST_F(AdminAuthTest, ThrottlesAnAddressTryingManyAccounts) {
  AdminAuthOptions options;
  options.max_failures_per_address = 6;  // the default (20) only makes the test slower
  AdminAuth auth(*f_.store, f_.clock, f_.crypto, options);
  for (int i = 0; i < 6; ++i) {
    ASSERT_FALSE(auth.Login("user" + std::to_string(i) + "@nord.example", "falsch-falsch-falsch",
                            "203.0.113.0", "", &failure_));
    EXPECT_EQ(failure_, LoginFailure::kWrongCredentials);
  }
  ASSERT_FALSE(auth.Login("anna@nord.example", kPassword, "203.0.113.0", "", &failure_));
  EXPECT_EQ(failure_, LoginFailure::kThrottled);
  ASSERT_TRUE(auth.Login("anna@nord.example", kPassword, "192.0.2.0", "", &failure_));
}

TEST_F(AdminAuthTest, ASuccessfulLoginForgetsTheAccountsFailures) {
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(LogIn("anna@nord.example", "falsch-falsch-falsch"));
  ASSERT_TRUE(LogIn("anna@nord.example", kPassword));
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(LogIn("anna@nord.example", "falsch-falsch-falsch"));
  ASSERT_TRUE(LogIn("anna@nord.example", kPassword));
}

TEST_F(AdminAuthTest, SessionsEndWhenIdle) {
  auto login = LogIn("anna@nord.example", kPassword);
  ASSERT_TRUE(login);
  f_.clock.Advance(minutes(20));
  ASSERT_TRUE(auth_.Resolve(login->token));  // and touched
  f_.clock.Advance(minutes(20));
  ASSERT_TRUE(auth_.Resolve(login->token));
  f_.clock.Advance(minutes(31));
  auto ended = auth_.Resolve(login->token);
  ASSERT_FALSE(ended);
  EXPECT_EQ(ended.error().code, core::ErrorCode::kNotFound);
}

TEST_F(AdminAuthTest, SessionsEndAtTheirAbsoluteExpiryHoweverActive) {
  auto login = LogIn("anna@nord.example", kPassword);
  ASSERT_TRUE(login);
  for (int i = 0; i < 24; ++i) {
    f_.clock.Advance(minutes(29));
    ASSERT_TRUE(auth_.Resolve(login->token)) << i;
  }
  f_.clock.Advance(minutes(29));  // 12 h 05 min after login
  EXPECT_FALSE(auth_.Resolve(login->token));
}

TEST_F(AdminAuthTest, LogoutAndDeactivationEndTheSession) {
  auto first = LogIn("anna@nord.example", kPassword);
  auto second = LogIn("anna@nord.example", kPassword);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(auth_.Logout(first->token, "203.0.113.0"));
  EXPECT_FALSE(auth_.Resolve(first->token));
  ASSERT_TRUE(auth_.Resolve(second->token));
  SetActive(false);
  EXPECT_FALSE(auth_.Resolve(second->token));
  ASSERT_FALSE(LogIn("anna@nord.example", kPassword));
  SetActive(true);
  ASSERT_TRUE(LogIn("anna@nord.example", kPassword));
}

TEST_F(AdminAuthTest, LoggingInAgainRevokesTheBrowsersPreviousSession) {
  auto first = LogIn("anna@nord.example", kPassword);
  ASSERT_TRUE(first);
  auto second = LogIn("anna@nord.example", kPassword, "203.0.113.0", first->token);
  ASSERT_TRUE(second);
  EXPECT_NE(first->token, second->token);
  EXPECT_FALSE(auth_.Resolve(first->token));
  EXPECT_TRUE(auth_.Resolve(second->token));
}

TEST_F(AdminAuthTest, AUserOfTwoTenantsLogsIntoTheOneWhosePasswordMatches) {
  core::TenantId sued = f_.AddTenant("sued");
  ASSERT_TRUE(CreateUser(*f_.store, f_.crypto, sued, "anna@nord.example", "Anna Süd",
                         core::Role::kAdmin, "ein-anderes-passwort"));
  auto login = LogIn("anna@nord.example", "ein-anderes-passwort");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->principal.tenant.id, sued);
  login = LogIn("anna@nord.example", kPassword);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->principal.tenant.id, tenant_);
}

TEST_F(AdminAuthTest, TheAuditLogFiltersByUserActionAndTime) {
  ASSERT_TRUE(LogIn("anna@nord.example", kPassword));
  f_.clock.Advance(hours(1));
  ASSERT_FALSE(LogIn("anna@nord.example", "falsch-falsch-falsch"));
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    core::AuditQuery q;
    q.action_prefix = "login.";
    auto failed = tx.ListAudit(tenant_, q);
    EXPECT_TRUE(failed && failed->size() == 1u);
    q = {};
    q.to = f_.clock.Now() - minutes(30);
    auto early = tx.ListAudit(tenant_, q);
    EXPECT_TRUE(early && early->size() == 1u && (*early)[0].action == "login");
    q = {};
    q.user = user_ + 1000;
    auto nobody = tx.ListAudit(tenant_, q);
    EXPECT_TRUE(nobody && nobody->empty());
    auto other = tx.ListAudit(tenant_ + 1000, {});
    EXPECT_TRUE(other && other->empty());
    return {};
  }));
}

}  // namespace
}  // namespace consentd::app
