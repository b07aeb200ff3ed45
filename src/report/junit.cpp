#include "report/junit.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "runtime/text.h"

namespace infra_dod {
namespace {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

Result<Doc> parse_xml(const std::string& xml, const std::string& origin) {
  xmlDoc* d = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), origin.c_str(), nullptr,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
  if (!d) return Error{ErrorKind::protocol, origin + ": not well-formed XML"};
  return Doc(d);
}

std::string attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string text_of(xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

bool is(xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

Result<std::string> slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorKind::not_found, "cannot read " + file.string()};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<std::vector<CtestCase>> parse_ctest_junit(const std::string& xml, const std::string& origin) {
  auto doc = parse_xml(xml, origin);
  if (!doc) return doc.error();
  xmlNode* root = xmlDocGetRootElement(doc.value().get());
  if (!root || !is(root, "testsuite"))
    return Error{ErrorKind::protocol, origin + ": not a ctest JUnit file (root is not <testsuite>)"};
  std::vector<CtestCase> out;
  for (xmlNode* n = root->children; n; n = n->next) {
    if (!is(n, "testcase")) continue;
    CtestCase c;
    c.name = attr(n, "name");
    c.status = attr(n, "status");
    const std::string t = attr(n, "time");
    c.time = t.empty() ? 0.0 : std::strtod(t.c_str(), nullptr);
    for (xmlNode* k = n->children; k; k = k->next) {
      if (is(k, "skipped")) c.skipped_message = attr(k, "message");
      if (is(k, "failure") && c.skipped_message.empty()) c.skipped_message = attr(k, "message");
      if (is(k, "system-out")) c.output = text_of(k);
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<CtestCase>> read_ctest_junit(const std::filesystem::path& file) {
  auto text = slurp(file);
  if (!text) return text.error();
  return parse_ctest_junit(text.value(), file.string());
}

}  // namespace infra_dod
