// ADR-0015's secret resolution contract over literals: the env-stub key normalisation, the
// driver's result line, exception classification and the six runbook criteria.
#include <gtest/gtest.h>

#include "rules/secret_contract.h"

namespace infra_dod {
namespace {

struct KeyCase {
  const char* key;
  const char* expected;
};

// Each case is named after its input in ctest, not after its bytes.
void PrintTo(const KeyCase& c, std::ostream* os) { *os << '"' << c.key << '"'; }

class EnvStubKey : public ::testing::TestWithParam<KeyCase> {};

TEST_P(EnvStubKey, NormalisesAsTheRunbookSays) { EXPECT_EQ(env_stub_key(GetParam().key), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(
    Table, EnvStubKey,
    ::testing::Values(KeyCase{"azure-openai-endpoint", "SECRET_AZURE_OPENAI_ENDPOINT"},
                      KeyCase{"AZURE_OPENAI_ENDPOINT", "SECRET_AZURE_OPENAI_ENDPOINT"},
                      KeyCase{"langfuse.secret.key", "SECRET_LANGFUSE_SECRET_KEY"},
                      KeyCase{"a--b__c..d", "SECRET_A_B_C_D"},        // each run one `_`
                      KeyCase{"a-_-b", "SECRET_A_B"},                 // mixed runs collapse too
                      KeyCase{"__lead-and-trail__", "SECRET_LEAD_AND_TRAIL"},  // trimmed
                      KeyCase{"-x-", "SECRET_X"},
                      KeyCase{"key 1/v2", "SECRET_KEY_1_V2"},
                      KeyCase{"MiXeD9case", "SECRET_MIXED9CASE"},
                      KeyCase{"123", "SECRET_123"},
                      KeyCase{"caf\xc3\xa9-key", "SECRET_CAF_KEY"},  // non-ASCII bytes are separators
                      KeyCase{"---", "SECRET_"},
                      KeyCase{"", "SECRET_"}));

TEST(DriverLine, IsTheLastGetSecretObject) {
  const auto o = parse_driver_line(
      "resolver log line\n{\"driver\": \"other\"}\n"
      "{\"driver\": \"get_secret\", \"stage\": \"call\", \"ok\": false, \"exception\": \"PermanentSecretError\", "
      "\"bases\": [\"SecretError\", \"Exception\", \"BaseException\"], \"classification\": \"Permanent\", "
      "\"message\": \"Scope x does not exist!\", \"elapsed_ms\": 7}\n");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->reported);
  EXPECT_FALSE(o->ok);
  EXPECT_EQ(o->exception, "PermanentSecretError");
  EXPECT_EQ(o->bases.size(), 3u);
  EXPECT_EQ(o->classification, "Permanent");
  EXPECT_EQ(o->elapsed_ms, 7);
}

TEST(DriverLine, CarriesTheValueOnlyWhenPrinted) {
  const auto with = parse_driver_line(
      "{\"driver\": \"get_secret\", \"stage\": \"call\", \"ok\": true, \"non_empty\": true, \"length\": 24, "
      "\"value\": \"https://env-stub.example\"}");
  ASSERT_TRUE(with);
  EXPECT_EQ(with->value, "https://env-stub.example");
  const auto without =
      parse_driver_line("{\"driver\": \"get_secret\", \"stage\": \"call\", \"ok\": true, \"non_empty\": true, \"length\": 43}");
  ASSERT_TRUE(without);
  EXPECT_FALSE(without->value);
  EXPECT_EQ(without->length, 43u);
}

TEST(DriverLine, IsNothingWithoutOne) {
  EXPECT_FALSE(parse_driver_line(""));
  EXPECT_FALSE(parse_driver_line("Traceback (most recent call last):\n  ...\n{\"ok\": true}\n"));
}

CallableOutcome raised(std::string exception, std::vector<std::string> bases = {},
                       std::optional<std::string> classification = std::nullopt) {
  CallableOutcome o;
  o.reported = true;
  o.stage = "call";
  o.exception = std::move(exception);
  o.bases = std::move(bases);
  o.classification = std::move(classification);
  return o;
}

CallableOutcome returned(std::size_t length, std::optional<std::string> value = std::nullopt) {
  CallableOutcome o;
  o.reported = true;
  o.stage = "call";
  o.ok = true;
  o.non_empty = length > 0;
  o.length = length;
  o.value = std::move(value);
  return o;
}

struct ClassCase {
  CallableOutcome outcome;
  const char* kind;
  const char* source;
};

void PrintTo(const ClassCase& c, std::ostream* os) {
  *os << (c.outcome.exception.empty() ? std::string("returned") : c.outcome.exception) << " -> "
      << (*c.kind ? c.kind : "unclassified");
}

class Classification : public ::testing::TestWithParam<ClassCase> {};

TEST_P(Classification, AttributeThenClassNameThenBases) {
  EXPECT_EQ(classify_exception(GetParam().outcome), GetParam().kind);
  EXPECT_EQ(classification_source(GetParam().outcome), GetParam().source);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Classification,
    ::testing::Values(
        ClassCase{raised("PermanentSecretError", {"SecretError", "Exception"}, "Permanent"), "Permanent", "classification attribute"},
        // The attribute wins over a class name that says otherwise.
        ClassCase{raised("PermanentSecretError", {"Exception"}, "transient"), "Transient", "classification attribute"},
        ClassCase{raised("SecretError", {"Exception"}, "SecretClass.PERMANENT"), "Permanent", "classification attribute"},
        // An attribute that names neither leaves it unclassified, whatever the class says.
        ClassCase{raised("TransientSecretError", {"Exception"}, "retryable"), "", ""},
        ClassCase{raised("TransientSecretError", {"SecretError", "Exception"}), "Transient", "class name"},
        ClassCase{raised("RateLimited", {"TransientError", "AppError", "Exception"}), "Transient", "base TransientError"},
        ClassCase{raised("NotFound", {"PermanentFailure", "TransientBase"}), "Permanent", "base PermanentFailure"},
        ClassCase{raised("TimeoutError", {"OSError", "Exception", "BaseException"}), "", ""},
        ClassCase{raised("PermanentOrTransientError", {"Exception"}), "", ""},
        ClassCase{returned(5), "", ""}));

// ---- the whole row ----------------------------------------------------------------------------

EndpointRequest read(const std::string& scope, long status = 200, const std::string& error_code = {}) {
  EndpointRequest r;
  r.method = "GET";
  r.path = "/api/2.0/secrets/get";
  r.scope = scope;
  r.key = "azure-openai-endpoint";
  r.authorization = true;
  r.status = status;
  r.error_code = error_code;
  if (status == 200) {
    r.value_length = 43;
    r.encoded_length = 60;
  }
  return r;
}

FaultCall fault(const std::string& name, const std::string& expected, CallableOutcome outcome, long status) {
  return {name, expected, std::move(outcome), {read("ai-agent-dev", status)}};
}

CallableOutcome permanent() { return raised("PermanentSecretError", {"SecretError", "Exception", "BaseException"}, "Permanent"); }
CallableOutcome transient() { return raised("TransientSecretError", {"SecretError", "Exception", "BaseException"}, "Transient"); }

// What the reference resolver gives on the healthy sandbox.
SecretSmokeObservation healthy() {
  SecretSmokeObservation o;
  o.callable = "sandbox_secrets:get_secret";
  o.key = "azure-openai-endpoint";
  o.stub_variable = "SECRET_AZURE_OPENAI_ENDPOINT";
  o.stub_value = "https://env-stub.example";
  o.timeout_s = 2;
  o.env_first = returned(24, "https://env-stub.example");
  o.databricks_scope = "ai-agent-dev";
  o.fallback_ran = true;
  o.fallback = returned(43);
  o.fallback_requests = {read("ai-agent-dev")};
  o.probe_preferred_scope = "infra-dod-precedence-preferred";
  o.probe_fallback_scope = "infra-dod-precedence-fallback";
  o.precedence = returned(32);
  o.precedence_requests = {read("infra-dod-precedence-preferred")};
  o.faults = {fault("403", "Permanent", permanent(), 403),
              fault("404 missing scope", "Permanent", permanent(), 404),
              fault("404 missing key", "Permanent", permanent(), 404),
              fault("429", "Transient", transient(), 429),
              fault("500", "Transient", transient(), 500),
              fault("503", "Transient", transient(), 503),
              fault("hang", "Transient", transient(), 0)};
  return o;
}

const Finding* finding(const Judgement& j, const std::string& check) {
  for (const auto& f : j.findings)
    if (f.check == check) return &f;
  return nullptr;
}

// The criteria that failed, in the runbook's order.
std::vector<std::string> failed(const Judgement& j) {
  std::vector<std::string> out;
  for (const auto& [check, verdict] : criterion_verdicts(j))
    if (verdict == "fail") out.push_back(check);
  return out;
}

TEST(SecretContract, HealthyPassesEveryCriterion) {
  const auto j = judge_secret_contract(healthy());
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary() << j.error;
  ASSERT_EQ(j.findings.size(), 6u);
  for (const auto& [check, verdict] : criterion_verdicts(j)) EXPECT_EQ(verdict, "pass") << check;
  EXPECT_NE(finding(j, kScopeValuePrinted)->found.find("43 bytes"), std::string::npos);
  EXPECT_NE(finding(j, kScopeValuePrinted)->found.find("DATABRICKS_SECRET_SCOPE"), std::string::npos);
}

TEST(SecretContract, ScopeReadBeforeTheStubFailsOnlyTheNoScopeReadCriterion) {
  auto o = healthy();
  o.env_first_requests = {read("__invalid_scope_for_env_first_check__", 404, "RESOURCE_DOES_NOT_EXIST")};
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(failed(j), std::vector<std::string>{kNoScopeReadWithStub});
  EXPECT_NE(j.failure_summary().find("scope=__invalid_scope_for_env_first_check__"), std::string::npos);
}

TEST(SecretContract, StubNotReturnedFailsBothStepTwoCriteria) {
  auto o = healthy();
  o.env_first = permanent();
  o.env_first.message = "Scope __invalid_scope_for_env_first_check__ does not exist!";
  o.env_first_requests = {read("__invalid_scope_for_env_first_check__", 404, "RESOURCE_DOES_NOT_EXIST")};
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), (std::vector<std::string>{kStubPrinted, kNoScopeReadWithStub}));
}

TEST(SecretContract, AnotherValueThanTheStubIsNotShown) {
  auto o = healthy();
  o.env_first = returned(11, "other-value");
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), (std::vector<std::string>{kStubPrinted, kNoScopeReadWithStub}));
  EXPECT_EQ(j.failure_summary().find("other-value"), std::string::npos);
  EXPECT_NE(j.failure_summary().find("11 bytes"), std::string::npos);
}

TEST(SecretContract, FallbackScopeFirstFailsOnlyThePrecedenceCriterion) {
  auto o = healthy();
  o.precedence_requests = {read("infra-dod-precedence-fallback")};
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), std::vector<std::string>{kPreferredScopeFirst});
  EXPECT_NE(j.failure_summary().find("KEY_VAULT_SECRET_SCOPE"), std::string::npos);
}

TEST(SecretContract, StepThreeReadingTheFallbackFirstFailsPrecedenceWhenTheOperatorSetBoth) {
  auto o = healthy();
  o.key_vault_scope = "kv-backed";
  o.fallback_requests = {read("kv-backed")};
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), std::vector<std::string>{kPreferredScopeFirst});
  EXPECT_EQ(scope_source(o.fallback_requests, o.databricks_scope, o.key_vault_scope), "KEY_VAULT_SECRET_SCOPE");
}

TEST(SecretContract, OnlyTheFallbackScopeSetIsItsSource) {
  auto o = healthy();
  o.databricks_scope.clear();
  o.key_vault_scope = "kv-backed";
  o.fallback_requests = {read("kv-backed")};
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
  EXPECT_NE(finding(j, kScopeValuePrinted)->found.find("KEY_VAULT_SECRET_SCOPE"), std::string::npos);
}

TEST(SecretContract, ThrottlingCalledPermanentFailsTheClassificationCriteria) {
  auto o = healthy();
  o.faults[3].outcome = permanent();
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), (std::vector<std::string>{kClassified, kNoClassificationMismatch}));
  EXPECT_NE(finding(j, kNoClassificationMismatch)->found.find("429 -> Permanent"), std::string::npos);
  EXPECT_NE(finding(j, kNoClassificationMismatch)->found.find("expected Transient"), std::string::npos);
}

TEST(SecretContract, NotFoundCalledTransientFailsTheClassificationCriteria) {
  auto o = healthy();
  o.faults[1].outcome = transient();
  o.faults[2].outcome = transient();
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), (std::vector<std::string>{kClassified, kNoClassificationMismatch}));
  EXPECT_NE(finding(j, kNoClassificationMismatch)->found.find("404 missing scope -> Transient"), std::string::npos);
  EXPECT_NE(finding(j, kNoClassificationMismatch)->found.find("404 missing key -> Transient"), std::string::npos);
}

TEST(SecretContract, AHangTheCallableDoesNotGiveUpOnIsAMismatch) {
  auto o = healthy();
  o.faults[6].outcome = CallableOutcome{};
  o.faults[6].outcome.problem = "timed out after 120 s";
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), (std::vector<std::string>{kClassified, kNoClassificationMismatch}));
  EXPECT_NE(j.failure_summary().find("did not give up after its 2 s timeout"), std::string::npos);
}

TEST(SecretContract, AnUnclassifiedTimeoutIsAMismatch) {
  auto o = healthy();
  o.faults[6].outcome = raised("TimeoutError", {"OSError", "Exception", "BaseException"});
  const auto j = judge_secret_contract(o);
  EXPECT_NE(finding(j, kNoClassificationMismatch)->found.find("hang -> unclassified (TimeoutError"), std::string::npos);
}

TEST(SecretContract, AFaultCallThatNeverReachedTheEndpointIsAMismatch) {
  auto o = healthy();
  o.faults[0].requests.clear();
  const auto j = judge_secret_contract(o);
  EXPECT_NE(finding(j, kNoClassificationMismatch)->found.find("without a scope read"), std::string::npos);
}

TEST(SecretContract, AThrottledStepThreeCannotBeJudged) {
  auto o = healthy();
  o.fallback = transient();
  o.fallback_requests = {read("ai-agent-dev", 429, "REQUEST_LIMIT_EXCEEDED")};
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("throttled"), std::string::npos) << j.error;
  EXPECT_NE(j.error.find("429 REQUEST_LIMIT_EXCEEDED"), std::string::npos) << j.error;
  // The other criteria keep their verdicts, in the error too.
  EXPECT_NE(j.error.find(std::string(kStubPrinted) + " pass"), std::string::npos) << j.error;
  EXPECT_NE(j.error.find(std::string(kScopeValuePrinted) + " not judged"), std::string::npos) << j.error;
  EXPECT_EQ(criterion_verdicts(j)[1].second, "not judged");
}

struct BlockedCase {
  long status;
  const char* code;
  const char* words;
};

void PrintTo(const BlockedCase& c, std::ostream* os) { *os << "HTTP " << c.status << ' ' << c.code; }

class StepThreeBlocked : public ::testing::TestWithParam<BlockedCase> {};

TEST_P(StepThreeBlocked, ByTheWorkspaceIsAnError) {
  auto o = healthy();
  o.fallback = GetParam().status == 429 || GetParam().status >= 500 ? transient() : permanent();
  o.fallback_requests = {read("ai-agent-dev", GetParam().status, GetParam().code)};
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find(GetParam().words), std::string::npos) << j.error;
}

INSTANTIATE_TEST_SUITE_P(Table, StepThreeBlocked,
                         ::testing::Values(BlockedCase{429, "REQUEST_LIMIT_EXCEEDED", "throttled"},
                                           BlockedCase{503, "TEMPORARILY_UNAVAILABLE", "failed the scope read"},
                                           BlockedCase{403, "PERMISSION_DENIED", "READ permission"},
                                           BlockedCase{404, "RESOURCE_DOES_NOT_EXIST", "check DATABRICKS_SECRET_SCOPE and SECRET_SMOKE_KEY"},
                                           BlockedCase{0, "", "did not answer"}));

TEST(SecretContract, AnUnreachableWorkspaceIsAnError) {
  auto o = healthy();
  o.fallback = transient();
  o.fallback_requests = {read("ai-agent-dev", 502)};
  o.fallback_requests[0].upstream_error = "unreachable: connection refused";
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("could not reach DATABRICKS_HOST"), std::string::npos);
}

TEST(SecretContract, AFailureElsewhereWinsOverWhatCouldNotBeJudged) {
  auto o = healthy();
  o.fallback = transient();
  o.fallback_requests = {read("ai-agent-dev", 429, "REQUEST_LIMIT_EXCEEDED")};
  o.faults[3].outcome = permanent();
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.error.find("throttled"), std::string::npos);
}

TEST(SecretContract, RaisingAfterTheWorkspaceAnsweredFails) {
  auto o = healthy();
  o.fallback = permanent();
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), std::vector<std::string>{kScopeValuePrinted});
  EXPECT_NE(j.failure_summary().find("after the workspace answered 200"), std::string::npos);
}

TEST(SecretContract, AnEmptyOrUndecodedValueFails) {
  auto o = healthy();
  o.fallback = returned(0);
  EXPECT_EQ(failed(judge_secret_contract(o)), std::vector<std::string>{kScopeValuePrinted});
  o.fallback = returned(60);  // the base64 text of a 43-byte secret
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(failed(j), std::vector<std::string>{kScopeValuePrinted});
  EXPECT_NE(j.failure_summary().find("not decoded"), std::string::npos);
}

TEST(SecretContract, NoScopeVariableLeavesStepThreeUnjudged) {
  auto o = healthy();
  o.databricks_scope.clear();
  o.fallback_ran = false;
  o.fallback = {};
  o.fallback_requests.clear();
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("neither DATABRICKS_SECRET_SCOPE nor KEY_VAULT_SECRET_SCOPE"), std::string::npos);
}

TEST(SecretContract, ACallableThatCannotBeImportedCannotBeJudged) {
  auto o = healthy();
  o.env_first = raised("ModuleNotFoundError", {"ImportError", "Exception"});
  o.env_first.stage = "import";
  o.env_first.message = "No module named 'sandbox_secretz'";
  const auto j = judge_secret_contract(o);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("could not be imported: ModuleNotFoundError"), std::string::npos) << j.error;
}

}  // namespace
}  // namespace infra_dod
