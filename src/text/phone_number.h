// core::PhoneNormalizer on Google's libphonenumber.
#pragma once

#include "core/ports.h"

namespace consentd::text {

// Thread-safe (libphonenumber's PhoneNumberUtil is a thread-safe singleton).
class LibPhoneNumberNormalizer final : public core::PhoneNormalizer {
 public:
  std::optional<std::string> Normalize(std::string_view input,
                                       std::string_view region) const override;
};

}  // namespace consentd::text
