// core::WebhookPoster over HTTP(S), built on libcurl: one easy handle per poster, so the
// connection to an endpoint stays open between events.
#pragma once

#include <memory>
#include <string>

#include "core/webhook.h"

namespace consentd::mail {

class CurlWebhookPoster final : public core::WebhookPoster {
 public:
  explicit CurlWebhookPoster(int timeout_seconds);
  ~CurlWebhookPoster() override;
  CurlWebhookPoster(const CurlWebhookPoster&) = delete;
  CurlWebhookPoster& operator=(const CurlWebhookPoster&) = delete;

  core::HttpPostResult Post(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace consentd::mail
