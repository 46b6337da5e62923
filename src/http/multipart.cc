#include "http/multipart.h"

#include <algorithm>
#include <cctype>

namespace consentd::http {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `key=` among the `;`-separated parameters of a header value; quotes removed
// (with \" and \\ unescaped). nullopt when absent.
std::optional<std::string> HeaderParam(std::string_view value, std::string_view key) {
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t semi = value.find(';', pos);
    while (semi != std::string_view::npos) {
      // A ';' inside quotes does not end the parameter.
      auto quotes = std::count(value.begin() + static_cast<long>(pos),
                               value.begin() + static_cast<long>(semi), '"');
      if (quotes % 2 == 0) break;
      semi = value.find(';', semi + 1);
    }
    std::string_view param = TrimSpaces(value.substr(pos, semi - pos));
    pos = semi == std::string_view::npos ? value.size() : semi + 1;
    auto eq = param.find('=');
    if (eq == std::string_view::npos || Lower(TrimSpaces(param.substr(0, eq))) != key) continue;
    std::string_view raw = TrimSpaces(param.substr(eq + 1));
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::string(raw);
    std::string out;
    for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
      out += raw[i];
    }
    return out;
  }
  return std::nullopt;
}

// Reads the header lines of a part into `part`; false when it is not a named form-data part.
bool ReadPartHeaders(std::string_view headers, MultipartPart& part) {
  bool named = false;
  while (!headers.empty()) {
    auto end = headers.find("\r\n");
    std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = Lower(TrimSpaces(line.substr(0, colon)));
    std::string_view value = TrimSpaces(line.substr(colon + 1));
    if (name == "content-type") part.content_type = std::string(value);
    if (name != "content-disposition") continue;
    if (Lower(value.substr(0, value.find(';'))) != "form-data") return false;
    auto field = HeaderParam(value, "name");
    if (!field || field->empty()) return false;
    part.name = *field;
    part.filename = HeaderParam(value, "filename");
    named = true;
  }
  return named;
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  if (Lower(TrimSpaces(content_type.substr(0, content_type.find(';')))) != "multipart/form-data") {
    return std::nullopt;
  }
  auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) return std::nullopt;
  return boundary;
}

core::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body,
                                                        std::string_view boundary) {
  const auto invalid = [](std::string m) { return core::InvalidArgument("multipart: " + m); };
  const std::string dash = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash;
  if (body.substr(0, dash.size()) != dash) return invalid("no opening boundary");
  std::size_t pos = dash.size();
  std::vector<MultipartPart> parts;
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // the closing boundary
    if (body.substr(pos, 2) != "\r\n") return invalid("malformed boundary line");
    pos += 2;
    auto header_end = body.find("\r\n\r\n", pos);
    // A part without headers has its blank line right away.
    bool no_headers = body.substr(pos, 2) == "\r\n";
    if (!no_headers && header_end == std::string_view::npos) return invalid("headers not ended");
    std::string_view headers = no_headers ? "" : body.substr(pos, header_end - pos);
    pos = no_headers ? pos + 2 : header_end + 4;
    auto next = body.find(delimiter, pos);
    if (next == std::string_view::npos) return invalid("no closing boundary");
    MultipartPart part;
    if (!ReadPartHeaders(headers, part)) return invalid("part without a form-data name");
    part.body = std::string(body.substr(pos, next - pos));
    parts.push_back(std::move(part));
    pos = next + delimiter.size();
  }
}

const MultipartPart* FindPart(const std::vector<MultipartPart>& parts, std::string_view name) {
  auto it = std::find_if(parts.begin(), parts.end(),
                         [&](const MultipartPart& p) { return p.name == name; });
  return it == parts.end() ? nullptr : &*it;
}

}  // namespace consentd::http
