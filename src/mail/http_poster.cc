#include "mail/http_poster.h"

#include <curl/curl.h>

#include <chrono>

namespace consentd::mail {

struct CurlWebhookPoster::Impl {
  CURL* curl = nullptr;
  int timeout_seconds = 10;
};

namespace {

// The answer's body is not needed (and never logged): drop it.
size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

CurlWebhookPoster::CurlWebhookPoster(int timeout_seconds) : impl_(std::make_unique<Impl>()) {
  impl_->curl = curl_easy_init();
  impl_->timeout_seconds = timeout_seconds;
}

CurlWebhookPoster::~CurlWebhookPoster() {
  if (impl_->curl) curl_easy_cleanup(impl_->curl);
}

core::HttpPostResult CurlWebhookPoster::Post(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body) {
  core::HttpPostResult result;
  CURL* curl = impl_->curl;
  if (!curl) {
    result.error = "curl could not be initialised";
    return result;
  }
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers)
    list = curl_slist_append(list, (name + ": " + value).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(impl_->timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(impl_->timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is an answer, not a detour
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "consentd-webhooks/1");
  const auto start = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(curl);
  result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  curl_slist_free_all(list);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (code != CURLE_OK) {
    result.error = curl_easy_strerror(code);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result.status = static_cast<int>(status);
  if (status < 200 || status > 299) result.error = "HTTP " + std::to_string(status);
  return result;
}

}  // namespace consentd::mail
