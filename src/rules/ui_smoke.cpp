#include "rules/ui_smoke.h"

#include <cctype>

#include "runtime/text.h"

namespace infra_dod {

namespace {

// `needle` (lower-case ASCII) in `hay` at or after `from`, ignoring case, without copying.
std::size_t find_ignoring_case(std::string_view hay, std::string_view needle, std::size_t from) {
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + k])) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// The page's first MiB says what it is; a larger body is not read further.
constexpr std::size_t kScanBytes = std::size_t{1} << 20;

}  // namespace

// One pass over at most kScanBytes: each script or style block is skipped by searching forward
// from where it starts (the old copy-and-lower-case of the rest per block was quadratic).
std::string sanitized_summary(const std::string& body, std::size_t max) {
  std::string text;
  bool in_tag = false;
  std::string_view rest = std::string_view(body).substr(0, kScanBytes);
  // A cut body ends at its last whole tag, not inside one.
  if (rest.size() < body.size()) rest = rest.substr(0, rest.rfind('>') == std::string_view::npos ? 0 : rest.rfind('>') + 1);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    // Script and style bodies are code, not what the page says.
    for (std::string_view block : {std::string_view("<script"), std::string_view("<style")}) {
      if (rest.size() - i >= block.size() && iequals(rest.substr(i, block.size()), block)) {
        const std::string close = "</" + std::string(block.substr(1)) + ">";
        const auto end = find_ignoring_case(rest, close, i + block.size());
        i = end == std::string_view::npos ? rest.size() - 1 : end + close.size() - 1;
        in_tag = false;
        break;
      }
    }
    const char c = rest[i];
    if (c == '<') {
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
      text += ' ';
    } else if (!in_tag) {
      text += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
    }
  }
  std::string folded;
  for (char c : text)
    if (!(c == ' ' && (folded.empty() || folded.back() == ' '))) folded += c;
  return truncate_utf8(trim(folded), max);
}

Judgement judge_ui_answer(long http_code, const std::string& url) {
  Judgement j;
  j.findings.push_back({"LangFuse UI answers", http_code == 200 || http_code == 302, "http_code 200 or 302",
                        "http_code " + std::to_string(http_code), url});
  return j.conclude();
}

}  // namespace infra_dod
