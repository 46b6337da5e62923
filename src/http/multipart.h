// multipart/form-data bodies (RFC 7578), as browsers send a form with a file input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace consentd::http {

// One part: its form field name, the file name when it is a file, its Content-Type, and
// its bytes exactly as sent.
struct MultipartPart {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string body;
};

// The boundary named in a Content-Type header ("multipart/form-data; boundary=xyz",
// quoted or not); nullopt when the type is not multipart/form-data or names none.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// Splits `body` at `boundary`. kInvalidArgument when the body does not start with the
// boundary, a part has no Content-Disposition: form-data with a name, or the closing
// boundary is missing (a cut-off upload). Thread-safe; pure.
core::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body,
                                                        std::string_view boundary);

// The first part named `name`, or null.
const MultipartPart* FindPart(const std::vector<MultipartPart>& parts, std::string_view name);

}  // namespace consentd::http
