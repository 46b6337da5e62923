#include "app/evidence.h"

#include <algorithm>

namespace consentd::app {

core::Status AppendActivity(core::WriteTx& tx, const core::Crypto& crypto, core::TenantId tenant,
                            core::ContactId contact, core::ActivityType type, core::UserId author,
                            core::Time now, const nlohmann::json& payload) {
  auto head = tx.LockChainHead(tenant);
  if (!head) return head.error();
  core::Activity a;
  a.tenant_id = tenant;
  a.seq = head->seq + 1;
  a.contact_id = contact;
  a.type = type;
  a.author_user_id = author;
  a.created_at = now;
  a.payload = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  a.payload_sha256 = crypto.Sha256Hex(a.payload);
  a.prev_hash = head->hash;
  a.hash = crypto.Sha256Hex(core::ChainInput(a));
  return tx.AppendActivity(a);
}

namespace {

// Checks one activity against its predecessor's hash; "" when it verifies.
std::string CheckLink(const core::Activity& a, const std::string& expected_prev,
                      std::int64_t expected_seq, const core::Crypto& crypto) {
  if (a.seq != expected_seq) return "gap in sequence";
  if (a.prev_hash != expected_prev) return "prev_hash does not match the previous hash";
  if (!a.payload.empty() && crypto.Sha256Hex(a.payload) != a.payload_sha256) {
    return "payload does not match its digest";
  }
  if (crypto.Sha256Hex(core::ChainInput(a)) != a.hash) return "hash does not match";
  return "";
}

// The chain's last activity (`seq`, `hash`; 0 and the genesis hash when empty) must be the
// one its stored head names: activities removed from the end leave the head behind them.
core::Status CheckEnd(core::ReadTx& tx, std::int64_t seq, const std::string& hash,
                      ChainReport& report) {
  auto head = tx.FindChainHead(report.tenant);
  if (!head) return head.error();
  const std::int64_t head_seq = *head ? (*head)->seq : 0;
  const std::string head_hash = *head ? (*head)->hash : std::string(core::kGenesisHash);
  if (head_seq == seq && head_hash == hash) return {};
  report.broken_at_seq = std::min(seq, head_seq) + 1;
  report.problem = "the chain ends at seq " + std::to_string(seq) + ", its head names seq " +
                   std::to_string(head_seq) +
                   (head_seq == seq ? " with another hash" : " (activities missing at the end?)");
  return {};
}

core::Status VerifyChain(core::ReadTx& tx, const core::Crypto& crypto, ChainReport& report) {
  constexpr int kPage = 1000;
  std::string prev(core::kGenesisHash);
  std::int64_t seq = 0;
  for (;;) {
    auto page = tx.ListChain(report.tenant, seq, kPage);
    if (!page) return page.error();
    for (const auto& a : *page) {
      std::string problem = CheckLink(a, prev, seq + 1, crypto);
      if (!problem.empty()) {
        report.broken_at_seq = a.seq;
        report.problem = problem;
        return {};
      }
      prev = a.hash;
      seq = a.seq;
      ++report.checked;
    }
    if (static_cast<int>(page->size()) < kPage) return CheckEnd(tx, seq, prev, report);
  }
}

}  // namespace

core::Result<std::vector<ChainReport>> VerifyChains(core::Store& store,
                                                    const core::Crypto& crypto) {
  std::vector<ChainReport> reports;
  auto status = store.Read([&](core::ReadTx& tx) -> core::Status {
    auto tenants = tx.ListTenants();
    if (!tenants) return tenants.error();
    for (const auto& t : *tenants) {
      ChainReport report{t.id, t.slug, 0, std::nullopt, ""};
      CONSENTD_RETURN_IF_ERROR(VerifyChain(tx, crypto, report));
      reports.push_back(report);
    }
    return {};
  });
  if (!status) return status.error();
  return reports;
}

}  // namespace consentd::app
