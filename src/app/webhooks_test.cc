#include "app/webhooks.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/admin.h"
#include "app/contact_admin.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

using nlohmann::json;

// Records what was posted; answers `status` (settable) to every post.
class FakePoster final : public core::WebhookPoster {
 public:
  struct Recorded {
    std::string url, event_id, event_type, signature, body;
  };
  core::HttpPostResult Post(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body) override {
    Recorded p{url, "", "", "", body};
    for (const auto& [name, value] : headers) {
      if (name == "Consentd-Event-Id") p.event_id = value;
      if (name == "Consentd-Event-Type") p.event_type = value;
      if (name == "Consentd-Signature") p.signature = value;
    }
    std::lock_guard lock(*mu);
    posts->push_back(p);
    return {status, status >= 200 && status < 300 ? "" : "HTTP " + std::to_string(status), 1};
  }
  int status = 204;
  std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<Recorded>> posts = std::make_shared<std::vector<Recorded>>();
};

// Runs on the store CONSENTD_TEST_STORE names (SQLite by default, PostgreSQL in the pg run).
class WebhookTest : public ::testing::Test {
 protected:
  WebhookTest()
      : tenant_(f_.AddTenant("musterimmo")),
        other_(f_.AddTenant("andere")),
        broker_(CreateUser(*f_.store, f_.crypto, tenant_, "makler@example.com", "Max Makler",
                           core::Role::kBroker, "ein-langes-passwort")
                    .value()),
        actor_{tenant_, broker_, "203.0.113.0/24"} {
    options_.allow_http_hosts = {"127.0.0.1"};
    options_.retry_base = std::chrono::seconds(10);
    options_.max_age = std::chrono::hours(1);
  }

  std::int64_t AddEndpoint(const std::string& events = "*") {
    auto added = AddWebhookEndpoint(*f_.store, f_.clock, f_.crypto, options_, actor_,
                                    "https://crm.example/hook", events)
                     .value();
    EXPECT_TRUE(added.errors.empty());
    secret_ = added.endpoint.secret;
    return added.endpoint.id;
  }

  core::ContactId Create(const std::string& email) {
    auto outcome = CreateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_,
                                         {{"email", email}, {"nachname", "Weber"}})
                       .value();
    EXPECT_TRUE(outcome.saved());
    return outcome.id;
  }

  void Update(core::ContactId id, const std::string& ort) {
    EXPECT_TRUE(
        UpdateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_, id, {{"ort", ort}})
            .value()
            .saved());
  }

  WebhookDispatcher Dispatcher(core::Store& store) {
    return WebhookDispatcher(store, f_.clock, f_.crypto, nullptr, options_);
  }

  testing::StoreFixture f_;
  core::TenantId tenant_, other_;
  core::UserId broker_;
  Actor actor_;
  WebhookOptions options_;
  std::string secret_;
};

TEST(WebhookEvents, EachActivityIsItsEvent) {
  core::Activity a;
  a.type = core::ActivityType::kEinwilligung;
  EXPECT_EQ(WebhookEventTypeOf(a), "consent.given");
  a.type = core::ActivityType::kLoeschung;
  EXPECT_EQ(WebhookEventTypeOf(a), "contact.erased");
  a.type = core::ActivityType::kEmailNichtZugestellt;
  EXPECT_EQ(WebhookEventTypeOf(a), "mail.failed");
  a.type = core::ActivityType::kLinkErstellt;
  EXPECT_EQ(WebhookEventTypeOf(a), std::nullopt);
  for (auto type : WebhookEventTypes()) EXPECT_FALSE(type.empty());
}

TEST(WebhookEvents, SignatureIsHmacOverTimestampAndBody) {
  crypto::SodiumCrypto crypto;
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(
      WebhookSignature(crypto, "Jefe", 1700000000, "what do ya want for nothing?"),
      "t=1700000000,v1=" + crypto.HmacSha256Hex("Jefe", "1700000000.what do ya want for nothing?"));
  EXPECT_EQ(crypto.HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookEvents, OnlyHttpsUnlessTheHostIsAllowed) {
  WebhookOptions options;
  options.allow_http_hosts = {"127.0.0.1"};
  auto fields = [&](std::string_view url, std::string_view events = "*") {
    std::vector<std::string> out;
    for (const auto& e : ValidateWebhook(options, url, events)) out.push_back(e.field);
    return out;
  };
  EXPECT_TRUE(fields("https://crm.example/hook").empty());
  EXPECT_TRUE(fields("http://127.0.0.1:8081/hook").empty());
  EXPECT_TRUE(fields("https://[2001:db8::1]:8443/x", "consent.given, consent.withdrawn").empty());
  EXPECT_EQ(fields("http://crm.example/hook"), std::vector<std::string>{"url"});
  EXPECT_EQ(fields("http://127.0.0.1.evil.example/hook"), std::vector<std::string>{"url"});
  EXPECT_EQ(fields("https://user:pw@crm.example/"), std::vector<std::string>{"url"});
  EXPECT_EQ(fields("ftp://crm.example/"), std::vector<std::string>{"url"});
  EXPECT_EQ(fields("https://crm.example/", "consent.given,consent.maybe"),
            std::vector<std::string>{"events"});
}

TEST_F(WebhookTest, EventsArriveInChainOrderSignedAndOnlyOnce) {
  Create("vorher@example.com");  // before the endpoint: not sent
  AddEndpoint();
  auto a = Create("anna@example.com");
  auto b = Create("bernd@example.com");
  Update(a, "Potsdam");
  Update(b, "Leipzig");
  FakePoster poster;
  auto dispatcher = Dispatcher(*f_.store);
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 4);
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 0) << "nothing twice";
  ASSERT_EQ(poster.posts->size(), 4u);
  std::vector<core::ContactId> contacts;
  std::int64_t last_seq = 0;
  for (const auto& p : *poster.posts) {
    json body = json::parse(p.body);
    EXPECT_EQ(body["id"], p.event_id);
    EXPECT_EQ(body["type"], "contact.updated");
    contacts.push_back(body["contact"]["id"].get<core::ContactId>());
    std::int64_t seq = std::stoll(p.event_id.substr(p.event_id.rfind('_') + 1));
    EXPECT_GT(seq, last_seq);
    last_seq = seq;
    auto t = p.signature.substr(2, p.signature.find(',') - 2);
    EXPECT_EQ(p.signature, WebhookSignature(f_.crypto, secret_, std::stoll(t), p.body));
  }
  EXPECT_EQ(contacts, (std::vector<core::ContactId>{a, b, a, b}));
  EXPECT_EQ(json::parse((*poster.posts)[2].body)["data"]["changes"][0]["after"], "Potsdam");
}

TEST_F(WebhookTest, AFailingEndpointIsRetriedWithBackoffThenResumesInOrder) {
  auto endpoint = AddEndpoint("contact.updated");
  auto a = Create("anna@example.com");
  FakePoster poster;
  poster.status = 503;
  auto dispatcher = Dispatcher(*f_.store);
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 1);
  Update(a, "Potsdam");
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 0) << "not due before the backoff";
  f_.clock.Advance(std::chrono::seconds(10));
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 1) << "retried, still failing";
  f_.clock.Advance(std::chrono::seconds(15));
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 0) << "the second wait is 20 s";
  f_.clock.Advance(std::chrono::seconds(5));
  poster.status = 200;
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 2);
  ASSERT_EQ(poster.posts->size(), 4u);
  EXPECT_EQ((*poster.posts)[2].event_id, (*poster.posts)[0].event_id) << "the same event again";
  EXPECT_NE((*poster.posts)[3].event_id, (*poster.posts)[2].event_id);
  auto log = ListWebhookAttempts(*f_.store, tenant_, endpoint, 10).value();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].outcome, "delivered");
  EXPECT_EQ(log[3].outcome, "failed");
  EXPECT_EQ(log[3].status_code, 503);
}

TEST_F(WebhookTest, AnEventFailingLongerThanMaxAgeIsAbandonedAndTheStreamGoesOn) {
  auto endpoint = AddEndpoint();
  Create("anna@example.com");
  FakePoster poster;
  poster.status = 400;
  auto dispatcher = Dispatcher(*f_.store);
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 1);
  f_.clock.Advance(std::chrono::hours(2));
  Create("bernd@example.com");
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 2) << "abandoned the first, failed the second";
  auto log = ListWebhookAttempts(*f_.store, tenant_, endpoint, 10).value();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].outcome, "abandoned");
  EXPECT_EQ(log[0].outcome, "failed");
}

TEST_F(WebhookTest, AnotherTenantsActsAreNotItsEventsAndInactiveEndpointsRest) {
  auto endpoint = AddEndpoint();
  Actor other_actor = actor_;
  other_actor.tenant = other_;
  other_actor.user = CreateUser(*f_.store, f_.crypto, other_, "a@andere.example", "A",
                                core::Role::kBroker, "ein-langes-passwort")
                         .value();
  ASSERT_TRUE(CreateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, other_actor,
                                    {{"email", "fremd@example.com"}, {"nachname", "Fremd"}})
                  .value()
                  .saved());
  FakePoster poster;
  auto dispatcher = Dispatcher(*f_.store);
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 0);
  ASSERT_TRUE(SetWebhookEndpointActive(*f_.store, f_.clock, actor_, endpoint, false));
  Create("anna@example.com");
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 0);
  ASSERT_TRUE(SetWebhookEndpointActive(*f_.store, f_.clock, actor_, endpoint, true));
  EXPECT_EQ(dispatcher.RunOnce(poster).value(), 1) << "kept its place while inactive";
  EXPECT_EQ(
      SetWebhookEndpointActive(*f_.store, f_.clock, other_actor, endpoint, false).error().code,
      core::ErrorCode::kNotFound);
}

// Two nodes (two stores on one database on PostgreSQL) deliver concurrently: every event
// once, in chain order — one node at a time holds an endpoint.
TEST_F(WebhookTest, TwoNodesDeliverEachEventOnceAndInOrder) {
  AddEndpoint();
  for (int i = 0; i < 30; ++i) Create("k" + std::to_string(i) + "@example.com");
  auto second_store = f_.OpenAnother();
  FakePoster poster;
  FakePoster other = poster;  // shares the record
  options_.events_per_round = 5;
  auto small_first = Dispatcher(*f_.store);
  auto small_second = Dispatcher(*second_store);
  auto delivered = [&] {
    std::lock_guard lock(*poster.mu);
    return poster.posts->size();
  };
  // A round that finds the endpoint leased (or locked) by the other node delivers nothing, and
  // how often that happens depends on timing: each node goes on until all have arrived.
  auto run = [&](WebhookDispatcher& node, FakePoster& to) {
    for (int i = 0; i < 5000 && delivered() < 30; ++i) ASSERT_TRUE(node.RunOnce(to));
  };
  std::thread t1([&] { run(small_first, poster); });
  std::thread t2([&] { run(small_second, other); });
  t1.join();
  t2.join();
  EXPECT_EQ(small_first.RunOnce(poster).value(), 0) << "nothing left, nothing again";
  EXPECT_EQ(small_second.RunOnce(other).value(), 0);
  ASSERT_EQ(poster.posts->size(), 30u);
  std::int64_t last_seq = 0;
  for (const auto& p : *poster.posts) {
    std::int64_t seq = std::stoll(p.event_id.substr(p.event_id.rfind('_') + 1));
    EXPECT_GT(seq, last_seq);
    last_seq = seq;
  }
}

}  // namespace
}  // namespace consentd::app
