// The DoD run as JUnit that CI servers accept (Jenkins xunit's junit-10.xsd, which Azure
// Pipelines, GitHub and GitLab read too): one <testsuite> per DoD case, its <properties> naming
// the DoD rows, tickets and labels it gives evidence for (the schema allows properties only on a
// suite), and one <testcase> with <skipped message>, <failure> or <error> as the table has it.
#include <set>

#include "report/report.h"
#include "runtime/secrets.h"

namespace infra_dod {

namespace {

// XML 1.0 text: markup escaped, and the control characters the format cannot carry dropped.
std::string xml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r') out += ch;
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

struct CaseEntry {
  const TestOutcome* outcome = nullptr;
  std::vector<std::string> rows, tickets;
};

}  // namespace

std::string render_junit(const Report& rep, const Registry& registry) {
  // Each case once, with every row it gives evidence for.
  std::vector<std::string> order;
  std::map<std::string, CaseEntry> cases;
  for (const auto& r : rep.rows)
    for (const auto& t : r.tests) {
      auto [it, fresh] = cases.try_emplace(t.test);
      if (fresh) order.push_back(t.test);
      it->second.outcome = &t;
      it->second.rows.push_back(r.item->id);
      if (std::find(it->second.tickets.begin(), it->second.tickets.end(), r.item->ticket) == it->second.tickets.end())
        it->second.tickets.push_back(r.item->ticket);
    }
  // <testsuites> has no skipped count in the JUnit schema; each <testsuite> carries its own.
  int failures = 0, errors = 0;
  std::string suites;
  const auto& mask = SecretRegistry::process();
  for (const auto& name : order) {
    const auto& c = cases.at(name);
    const TestOutcome& t = *c.outcome;
    const auto dot = name.find('.');
    const std::string classname = dot == std::string::npos ? name : name.substr(0, dot);
    const std::string method = dot == std::string::npos ? name : name.substr(dot + 1);
    const std::string reason = xml(mask.mask(t.reason));
    std::string body;
    int f = 0, e = 0, s = 0;
    switch (t.status) {
      case Status::fail: f = 1; body = "      <failure type=\"fail\" message=\"" + reason + "\"/>\n"; break;
      case Status::error: e = 1; body = "      <error type=\"error\" message=\"" + reason + "\"/>\n"; break;
      case Status::skipped:
      case Status::manual_pending:
      case Status::not_run:
        s = 1;
        body = "      <skipped message=\"" + xml(to_string(t.status)) + ": " + reason + "\"/>\n";
        break;
      case Status::pass:
      case Status::manual_attested: break;
    }
    std::vector<std::string> console;
    for (const auto& l : t.console) console.push_back(mask.mask(l));
    if (!console.empty()) body += "      <system-out>" + xml(joined(console, "\n")) + "</system-out>\n";
    failures += f;
    errors += e;
    suites += "  <testsuite name=\"" + xml(name) + "\" tests=\"1\" failures=\"" + std::to_string(f) + "\" errors=\"" +
              std::to_string(e) + "\" skipped=\"" + std::to_string(s) + "\" timestamp=\"" + xml(rep.generated_utc) +
              "\">\n    <properties>\n";
    const auto property = [&](const std::string& key, const std::string& value) {
      suites += "      <property name=\"" + xml(key) + "\" value=\"" + xml(value) + "\"/>\n";
    };
    property("dod_items", joined(c.rows, ","));
    property("tickets", joined(c.tickets, ","));
    property("labels", joined(registry.ctest_labels(name), ","));
    property("status", to_string(t.status));
    property("run_id", rep.run_id);
    property("environment", rep.environment);
    for (const auto& ev : t.evidence) property("evidence", ev);
    suites += "    </properties>\n    <testcase name=\"" + xml(method) + "\" classname=\"" + xml(classname) + "\"";
    suites += body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n";
    suites += "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"infra-dod " + xml(rep.environment) +
         "\" tests=\"" + std::to_string(order.size()) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
         std::to_string(errors) + "\">\n" + suites + "</testsuites>\n";
}

}  // namespace infra_dod
