#include "rules/ui_smoke.h"

#include <cctype>

#include "runtime/text.h"

namespace infra_dod {

std::string sanitized_summary(const std::string& body, std::size_t max) {
  std::string text;
  bool in_tag = false;
  std::string_view rest(body);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    // Script and style bodies are code, not what the page says.
    for (std::string_view block : {std::string_view("<script"), std::string_view("<style")}) {
      if (rest.size() - i >= block.size() && iequals(rest.substr(i, block.size()), block)) {
        const std::string close = "</" + std::string(block.substr(1)) + ">";
        const auto end = to_lower(std::string(rest.substr(i))).find(close);
        i = end == std::string::npos ? rest.size() - 1 : i + end + close.size() - 1;
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
