// Admin-only screen for the CRM integration: GET/POST /admin/integration (API keys: create,
// shown once, revoke; webhook endpoints: add, secret shown once, pause/resume, remove) and
// GET /admin/integration/webhooks/{id} (an endpoint's delivery log).
#pragma once

#include <optional>

#include "http/admin_area.h"
#include "http/admin_areas.h"

namespace consentd::http {

// Thread-safe; keeps a copy of the services (whose members it borrows).
class AdminIntegrationArea final : public AdminArea {
 public:
  explicit AdminIntegrationArea(const AdminServices& services) : services_(services) {}
  std::optional<Response> Handle(const AdminContext& ctx) override;

 private:
  Response Act(const AdminContext& ctx);
  // The page; `notice` (when not null) is shown above the tables: {text, secret?, is_error}.
  Response Page(const AdminContext& ctx, const core::Form& form, const core::FieldErrors& errors,
                const nlohmann::json& notice, int status);
  Response DeliveryLog(const AdminContext& ctx, std::int64_t endpoint);

  const AdminServices services_;
};

}  // namespace consentd::http
