// The areas of the admin UI, built once per server.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/webhooks.h"
#include "core/ports.h"
#include "core/store.h"
#include "http/admin_area.h"

namespace consentd::http {

// What areas are built from; all borrowed, outliving the areas.
struct AdminServices {
  core::Store& store;
  const core::Clock& clock;
  const core::Crypto& crypto;
  const core::PhoneNormalizer& phones;
  const AdminPages& pages;
  std::string base_url;  // where personal links point to (https://einwilligung.example.de)
  app::WebhookOptions webhooks = {};  // which webhook URLs the operator allows
};

// Every area, in the order they are asked.
std::vector<std::unique_ptr<AdminArea>> MakeAdminAreas(const AdminServices& services);

}  // namespace consentd::http
