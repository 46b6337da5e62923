#include "http/admin_areas.h"

#include "http/admin_contact_detail.h"
#include "http/admin_contact_list.h"
#include "http/admin_deletions.h"
#include "http/admin_integration.h"
#include "http/admin_mailings.h"
#include "http/admin_settings.h"
#include "http/admin_templates.h"

namespace consentd::http {

std::vector<std::unique_ptr<AdminArea>> MakeAdminAreas(const AdminServices& services) {
  std::vector<std::unique_ptr<AdminArea>> areas;
  areas.push_back(std::make_unique<AdminContactListArea>(services));
  areas.push_back(std::make_unique<AdminContactDetailArea>(services));
  areas.push_back(std::make_unique<AdminMailingsArea>(services));
  areas.push_back(std::make_unique<AdminTemplatesArea>(services));
  areas.push_back(std::make_unique<AdminDeletionsArea>(services));
  areas.push_back(std::make_unique<AdminSettingsArea>(services));
  areas.push_back(std::make_unique<AdminIntegrationArea>(services));
  return areas;
}

}  // namespace consentd::http
