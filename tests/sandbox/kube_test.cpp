// The emulated Kubernetes API server driven by the real kubectl: each test starts the service
// in-process on the healthy scenario (optionally patched first), writes a kubeconfig into its own
// HOME (kubectl caches discovery there) and checks kubectl's real output and exit codes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "runtime/background_process.h"
#include "runtime/process.h"
#include "runtime/crypto.h"
#include "runtime/text.h"
#include "scenario.h"
#include "service.h"
#include "support.h"

namespace infra_dod::sandbox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class KubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    load_healthy(shared_);
    if (HasFatalFailure()) return;
    shared_.scenario["kube"]["rollout_ms"] = 300;
    shared_.on_pods_replaced = [this](const std::string& ns, const std::string& name) {
      std::lock_guard lock(mu_);
      replaced_.push_back(ns + "/" + name);
    };
    home_ = fs::temp_directory_path() / ("infra-dod-kube-test-" + random_hex(6));
    fs::create_directories(home_);
  }

  void TearDown() override {
    service_.reset();
    std::error_code ec;
    fs::remove_all(home_, ec);
  }

  json& kube() { return shared_.scenario["kube"]; }

  void start() {
    service_ = make_kube_service(shared_);
    port_ = service_->start();
    std::ofstream out(home_ / "kubeconfig");
    out << "apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster: {server: \"http://127.0.0.1:" << port_
        << "\"}\ncontexts:\n- name: sandbox\n  context: {cluster: sandbox, user: sandbox, namespace: default}\n"
           "current-context: sandbox\nusers:\n- name: sandbox\n  user: {}\n";
  }

  ProcessResult kubectl(std::vector<std::string> args,
                        std::chrono::milliseconds deadline = std::chrono::seconds(40)) {
    ProcessSpec spec;
    spec.argv = {"kubectl"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env["HOME"] = home_.string();
    spec.env["KUBECONFIG"] = (home_ / "kubeconfig").string();
    spec.env["KUBECACHEDIR"] = std::nullopt;
    spec.deadline = deadline;
    spec.kill_grace = std::chrono::milliseconds(200);
    return run_process(spec);
  }

  json get_json(const std::vector<std::string>& args) {
    auto argv = args;
    argv.insert(argv.end(), {"-n", "default", "-o", "json"});
    const auto r = kubectl(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  std::vector<std::string> replaced() {
    std::lock_guard lock(mu_);
    return replaced_;
  }

  static std::string revision(const json& obj) {
    return obj["metadata"]["annotations"].value("deployment.kubernetes.io/revision", "");
  }

  Shared shared_;
  std::unique_ptr<Service> service_;
  fs::path home_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> replaced_;
};

TEST_F(KubeTest, GetDeploymentPrintsTheRolledOutObject) {
  start();
  const json d = get_json({"get", "deployment", "langfuse"});
  ASSERT_TRUE(d.is_object());
  EXPECT_EQ(d["kind"], "Deployment");
  EXPECT_EQ(d["apiVersion"], "apps/v1");
  EXPECT_EQ(d["metadata"]["name"], "langfuse");
  EXPECT_EQ(revision(d), "2");
  EXPECT_FALSE(d["metadata"].value("resourceVersion", "").empty());
  EXPECT_EQ(d["spec"]["replicas"], 2);
  const auto& pod = d["spec"]["template"]["spec"];
  EXPECT_EQ(pod["containers"][0]["name"], "langfuse-web");
  EXPECT_EQ(pod["containers"][0]["image"], "acraiagentdev.azurecr.io/langfuse/langfuse:3.29.0");
  EXPECT_EQ(pod["containers"][0]["ports"][0]["containerPort"], 3000);
  EXPECT_TRUE(starts_with(pod["initContainers"][0]["image"].get<std::string>(),
                          "acraiagentdev.azurecr.io/langfuse/langfuse-migrate@sha256:"));
  EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"], "langfuse");
  EXPECT_EQ(d["status"]["observedGeneration"], d["metadata"]["generation"]);
  EXPECT_EQ(d["status"]["updatedReplicas"], 2);
  EXPECT_EQ(d["status"]["availableReplicas"], 2);

  const auto status = kubectl({"rollout", "status", "deployment/langfuse", "-n", "default", "--timeout=10s"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(status.out, "deployment \"langfuse\" successfully rolled out\n");
}

TEST_F(KubeTest, GetServiceEndpointsSecretAndReplicaSets) {
  start();
  const json svc = get_json({"get", "service", "langfuse-internal"});
  EXPECT_EQ(svc["spec"]["type"], "ClusterIP");
  EXPECT_TRUE(starts_with(svc["spec"]["clusterIP"].get<std::string>(), "10.0."));
  EXPECT_FALSE(svc["spec"].contains("externalIPs"));
  EXPECT_EQ(svc["spec"]["ports"][0]["port"], 3000);
  EXPECT_EQ(svc["spec"]["selector"]["app.kubernetes.io/name"], "langfuse");
  EXPECT_EQ(svc["status"]["loadBalancer"], json::object());

  const json services = get_json({"get", "services"});
  EXPECT_EQ(services["kind"], "List");
  EXPECT_EQ(services["items"].size(), 2u);

  const json ep = get_json({"get", "endpoints", "langfuse-internal"});
  EXPECT_EQ(ep["kind"], "Endpoints");
  EXPECT_EQ(ep["subsets"][0]["addresses"].size(), 2u);

  const json slices = get_json({"get", "endpointslices", "-l", "kubernetes.io/service-name=langfuse-internal"});
  ASSERT_EQ(slices["items"].size(), 1u);
  EXPECT_EQ(slices["items"][0]["kind"], "EndpointSlice");
  for (const auto& e : slices["items"][0]["endpoints"]) EXPECT_EQ(e["conditions"]["ready"], true);

  const json secret = get_json({"get", "secret", "langfuse-secrets"});
  EXPECT_EQ(secret["type"], "Opaque");
  EXPECT_EQ(secret["data"]["langfuse-public-key"], base64_encode("pk-lf-sandbox-public-0001"));
  EXPECT_EQ(secret["data"]["langfuse-secret-key"], base64_encode(R"(sk-lf-planted "quoted" back\slash 100% ünïcode 0002)"));
  EXPECT_TRUE(secret["data"].contains("database-url"));

  const json rs = get_json({"get", "replicasets", "-l", "app.kubernetes.io/name=langfuse"});
  ASSERT_EQ(rs["items"].size(), 2u);
  std::set<std::string> revisions;
  for (const auto& r : rs["items"]) {
    revisions.insert(revision(r));
    EXPECT_EQ(r["metadata"]["ownerReferences"][0]["name"], "langfuse");
    EXPECT_TRUE(r["metadata"]["labels"].contains("pod-template-hash"));
  }
  EXPECT_EQ(revisions, (std::set<std::string>{"1", "2"}));

  const json by_name = get_json({"get", "replicasets", "--field-selector", "metadata.name=langfuse-7d4b9c6f8c"});
  ASSERT_EQ(by_name["items"].size(), 1u);
  EXPECT_EQ(revision(by_name["items"][0]), "1");

  const json ingresses = get_json({"get", "ingresses"});
  EXPECT_EQ(ingresses["items"], json::array());
}

TEST_F(KubeTest, MissingObjectsAreNotFound) {
  start();
  auto r = kubectl({"get", "deployment", "nope", "-n", "default", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Error from server (NotFound): deployments.apps \"nope\" not found\n");
  r = kubectl({"get", "secret", "nope", "-n", "default", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): secrets \"nope\" not found\n");
  r = kubectl({"get", "deployment", "langfuse", "-n", "missing-ns", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): namespaces \"missing-ns\" not found\n");
}

TEST_F(KubeTest, RestartRollsOutNewReplicaSetAndReplacesPodsOnce) {
  kube()["rollout_ms"] = 900;
  start();
  const auto restart = kubectl({"rollout", "restart", "deployment/langfuse", "-n", "default"});
  ASSERT_EQ(restart.exit_code, 0) << restart.err;
  EXPECT_EQ(restart.out, "deployment.apps/langfuse restarted\n");
  EXPECT_TRUE(replaced().empty());

  const auto status = kubectl({"rollout", "status", "deployment/langfuse", "-n", "default", "--timeout=30s"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("Waiting for deployment \"langfuse\" rollout to finish: "), std::string::npos) << status.out;
  EXPECT_TRUE(status.out.ends_with("\ndeployment \"langfuse\" successfully rolled out\n")) << status.out;
  EXPECT_EQ(replaced(), (std::vector<std::string>{"default/langfuse"}));
  EXPECT_NE(status.out.find("Waiting for deployment \"langfuse\" rollout to finish: 1 out of 2 new replicas have been updated...\n"),
            std::string::npos)
      << status.out;
  EXPECT_EQ(status.err, "");

  const json d = get_json({"get", "deployment", "langfuse"});
  EXPECT_EQ(d["metadata"]["generation"], 3);
  EXPECT_EQ(d["status"]["observedGeneration"], 3);
  EXPECT_EQ(revision(d), "3");
  EXPECT_TRUE(d["spec"]["template"]["metadata"]["annotations"].contains("kubectl.kubernetes.io/restartedAt"));
  const json rs = get_json({"get", "replicasets", "-l", "app.kubernetes.io/name=langfuse"});
  ASSERT_EQ(rs["items"].size(), 3u);
  for (const auto& r : rs["items"]) {
    const std::string rev = revision(r);
    EXPECT_EQ(r["spec"]["replicas"], rev == "3" ? 2 : 0) << r["metadata"]["name"];
    if (rev == "3") {
      EXPECT_EQ(r["status"]["readyReplicas"], 2);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(replaced().size(), 1u);
}

TEST_F(KubeTest, UndoServerDryRunChangesNothing) {
  start();
  const json before = get_json({"get", "deployment", "langfuse"});
  const auto undo = kubectl({"rollout", "undo", "deployment/langfuse", "-n", "default", "--dry-run=server"});
  EXPECT_EQ(undo.exit_code, 0) << undo.err;
  EXPECT_EQ(undo.out, "deployment.apps/langfuse rolled back (server dry run)\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(get_json({"get", "deployment", "langfuse"}), before);
  EXPECT_EQ(get_json({"get", "replicasets"})["items"].size(), 2u);
  EXPECT_TRUE(replaced().empty());
}

TEST_F(KubeTest, UndoRollsBackToThePreviousRevision) {
  start();
  const auto undo = kubectl({"rollout", "undo", "deployment/langfuse", "-n", "default"});
  ASSERT_EQ(undo.exit_code, 0) << undo.err;
  EXPECT_EQ(undo.out, "deployment.apps/langfuse rolled back\n");
  const auto status = kubectl({"rollout", "status", "deployment/langfuse", "-n", "default", "--timeout=30s"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(status.out.ends_with("deployment \"langfuse\" successfully rolled out\n")) << status.out;
  EXPECT_EQ(replaced(), (std::vector<std::string>{"default/langfuse"}));

  const json d = get_json({"get", "deployment", "langfuse"});
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["image"], "acraiagentdev.azurecr.io/langfuse/langfuse:3.28.0");
  EXPECT_EQ(revision(d), "3");
  const json old = get_json({"get", "replicaset", "langfuse-7d4b9c6f8c"});
  EXPECT_EQ(revision(old), "3");
  EXPECT_EQ(old["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"], "1");
  EXPECT_EQ(old["spec"]["replicas"], 2);
  EXPECT_EQ(get_json({"get", "replicaset", "langfuse-6c9d8f7b5d"})["spec"]["replicas"], 0);
  EXPECT_EQ(get_json({"get", "replicasets"})["items"].size(), 2u);

  // Rolling back again returns to revision 2's template, now as revision 4.
  const auto again = kubectl({"rollout", "undo", "deployment/langfuse", "-n", "default"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  const auto status2 = kubectl({"rollout", "status", "deployment/langfuse", "-n", "default", "--timeout=30s"});
  EXPECT_EQ(status2.exit_code, 0) << status2.err;
  EXPECT_EQ(revision(get_json({"get", "deployment", "langfuse"})), "4");
}

TEST_F(KubeTest, AFinalizerKeepsADeletedObjectMarkedForDeletion) {
  kube()["objects"]["v1/default/services/langfuse-internal"]["metadata"]["finalizers"] = {"example.com/hold"};
  start();
  auto r = kubectl({"delete", "service", "langfuse-internal", "-n", "default", "--wait=false"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "service \"langfuse-internal\" deleted\n");
  const json svc = get_json({"get", "service", "langfuse-internal"});
  EXPECT_TRUE(svc["metadata"].contains("deletionTimestamp")) << svc.dump();
  EXPECT_EQ(svc["metadata"]["finalizers"], json::array({"example.com/hold"}));
  // A second delete changes nothing: the stamp stays as it was.
  r = kubectl({"delete", "service", "langfuse-internal", "-n", "default", "--wait=false"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(get_json({"get", "service", "langfuse-internal"})["metadata"]["deletionTimestamp"],
            svc["metadata"]["deletionTimestamp"]);
}

TEST_F(KubeTest, UndoWithoutHistoryFails) {
  kube()["objects"].erase("apps/v1/default/replicasets/langfuse-7d4b9c6f8c");
  start();
  const auto undo = kubectl({"rollout", "undo", "deployment/langfuse", "-n", "default", "--dry-run=server"});
  EXPECT_EQ(undo.exit_code, 1);
  EXPECT_EQ(undo.out, "");
  EXPECT_EQ(undo.err, "error: no rollout history found for deployment \"langfuse\"\n");
}

TEST_F(KubeTest, DeleteThenNotFound) {
  start();
  auto r = kubectl({"delete", "deployment", "langfuse", "-n", "default"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps \"langfuse\" deleted\n");
  r = kubectl({"get", "deployment", "langfuse", "-n", "default", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): deployments.apps \"langfuse\" not found\n");
  EXPECT_EQ(get_json({"get", "replicasets"})["items"], json::array());

  r = kubectl({"delete", "service", "langfuse-internal", "-n", "default"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "service \"langfuse-internal\" deleted\n");
  r = kubectl({"get", "service", "langfuse-internal", "-n", "default", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): services \"langfuse-internal\" not found\n");
  EXPECT_EQ(get_json({"get", "services"})["items"].size(), 1u);

  r = kubectl({"delete", "deployment", "langfuse", "-n", "default"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): deployments.apps \"langfuse\" not found\n");
}

TEST_F(KubeTest, InjectedForbiddenIsAKubernetesStatus) {
  const std::string message =
      "deployments.apps \"langfuse\" is forbidden: User \"operator@sandbox.example\" cannot get resource "
      "\"deployments\" in API group \"apps\" in the namespace \"default\"";
  kube()["faults"] = json::array(
      {{{"match", "^GET /apis/apps/v1/namespaces/default/deployments/langfuse$"}, {"status", 403}, {"message", message}}});
  start();
  const auto r = kubectl({"get", "deployment", "langfuse", "-n", "default", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Error from server (Forbidden): " + message + "\n");
  // Only the matched request fails.
  EXPECT_EQ(get_json({"get", "service", "langfuse-internal"})["kind"], "Service");
}

TEST_F(KubeTest, ProgressDeadlineExceededFailsRolloutStatus) {
  kube()["rollout_outcome"] = "progress_deadline_exceeded";
  start();
  ASSERT_EQ(kubectl({"rollout", "restart", "deployment/langfuse", "-n", "default"}).exit_code, 0);
  const auto status = kubectl({"rollout", "status", "deployment/langfuse", "-n", "default", "--timeout=20s"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_TRUE(status.err.ends_with("error: deployment \"langfuse\" exceeded its progress deadline\n")) << status.err;
  EXPECT_LT(status.elapsed, std::chrono::seconds(10));
  EXPECT_TRUE(replaced().empty());
}

TEST_F(KubeTest, StalledRolloutTimesOutAndStopEndsTheWatch) {
  kube()["rollout_outcome"] = "stall";
  start();
  ASSERT_EQ(kubectl({"rollout", "restart", "deployment/langfuse", "-n", "default"}).exit_code, 0);
  const auto status = kubectl({"rollout", "status", "deployment/langfuse", "-n", "default", "--timeout=1s"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.out.find("Waiting for deployment \"langfuse\" rollout to finish"), std::string::npos) << status.out;
  EXPECT_TRUE(status.err.ends_with("error: timed out waiting for the condition\n")) << status.err;

  // A client still watching must not hold the server up when it stops.
  ProcessResult watching;
  std::thread client([&] {
    // kubectl retries a refused watch past its own --timeout, so the process deadline ends it.
    watching = kubectl({"rollout", "status", "deployment/langfuse", "-n", "default", "--timeout=1500ms"},
                       std::chrono::milliseconds(1200));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto t0 = std::chrono::steady_clock::now();
  service_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(600));
  client.join();
  EXPECT_FALSE(watching.succeeded());
  EXPECT_TRUE(replaced().empty());
}

TEST_F(KubeTest, DiscoveryAndWatchOnTheWire) {
  start();
  httplib::Client client("127.0.0.1", port_);
  auto version = client.Get("/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
  EXPECT_EQ(json::parse(version->body)["minor"], "32");
  auto groups = client.Get("/apis");
  ASSERT_TRUE(groups);
  std::set<std::string> names;
  const json group_list = json::parse(groups->body);
  for (const auto& g : group_list["groups"]) names.insert(g["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"apps", "discovery.k8s.io", "networking.k8s.io"}));
  auto missing = client.Get("/apis/batch/v1");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["kind"], "Status");

  auto list = client.Get("/apis/apps/v1/namespaces/default/deployments?fieldSelector=metadata.name%3Dlangfuse");
  ASSERT_TRUE(list);
  const json l = json::parse(list->body);
  EXPECT_EQ(l["kind"], "DeploymentList");
  EXPECT_FALSE(l["metadata"]["resourceVersion"].get<std::string>().empty());
  ASSERT_EQ(l["items"].size(), 1u);
  auto bad = client.Get("/apis/apps/v1/namespaces/default/deployments?fieldSelector=spec.paused%3Dtrue");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["message"], "field label not supported: spec.paused");

  // With no resourceVersion the watch starts with the current object, then ends at timeoutSeconds.
  const auto t0 = std::chrono::steady_clock::now();
  auto watch = client.Get(
      "/apis/apps/v1/namespaces/default/deployments?watch=true&fieldSelector=metadata.name%3Dlangfuse&timeoutSeconds=1");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(watch);
  EXPECT_EQ(watch->status, 200);
  EXPECT_EQ(watch->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(watch->get_header_value("Transfer-Encoding"), "chunked");
  const json first = json::parse(watch->body.substr(0, watch->body.find('\n')));
  EXPECT_EQ(first["type"], "ADDED");
  EXPECT_EQ(first["object"]["kind"], "Deployment");
  EXPECT_EQ(first["object"]["metadata"]["name"], "langfuse");
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::milliseconds(1800));
}

// Exec and port-forward: kubectl 1.32 tries a websocket first (v5.channel.k8s.io for exec,
// SPDY/3.1 tunnelled for port-forward) and falls back to a SPDY upgrade only when the websocket
// upgrade fails.
const char kProbe[] = "// infra-dod tcp probe\n";

TEST_F(KubeTest, ExecRunsTheProbeOverAWebsocketAndAnswersFromThePodsNetwork) {
  start();
  const auto r = kubectl({"exec", "langfuse-6c9d8f7b5d-k8x2q", "-c", "langfuse-web", "--", "node", "-e", kProbe,
                          "nsc-pg-langfuse-dev.postgres.database.azure.com", "5432", "500"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json line = json::parse(r.out, nullptr, false);
  EXPECT_EQ(line["address"], "10.20.4.4");
  EXPECT_EQ(line["connected"], true);
}

TEST_F(KubeTest, ExecOfACommandTheImageLacksFailsAsTheRuntimeSays) {
  kube()["exec"]["missing"] = {"node"};
  start();
  const auto r = kubectl({"exec", "langfuse-6c9d8f7b5d-k8x2q", "--", "node", "-e", kProbe, "x", "1", "1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("executable file not found in $PATH"), std::string::npos) << r.err;
}

TEST_F(KubeTest, ExecIntoAMissingPodIsNotFound) {
  start();
  const auto r = kubectl({"exec", "no-such-pod", "--", "node", "-e", kProbe});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pods \"no-such-pod\" not found"), std::string::npos) << r.err;
}

TEST_F(KubeTest, AForbiddenExecIsForbiddenOnBothTransports) {
  kube()["faults"] = {{{"match", "/pods/[^/]+/exec"}, {"status", 403}, {"code", "Forbidden"},
                       {"message", "pods \"p\" is forbidden: cannot create resource \"pods/exec\""}}};
  start();
  const auto r = kubectl({"exec", "langfuse-6c9d8f7b5d-k8x2q", "--", "node", "-e", kProbe});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Forbidden"), std::string::npos) << r.err;
}

class PortForwardTest : public KubeTest {
 protected:
  // A plain HTTP server standing in for the LangFuse service behind the pod's port 3000.
  void SetUp() override {
    KubeTest::SetUp();
    backend_.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("hello from the pod", "text/plain"); });
    backend_port_ = backend_.bind_to_any_port("127.0.0.1");
    backend_thread_ = std::thread([this] { backend_.listen_after_bind(); });
    shared_.service_port = [this](const std::string& s) { return s == "langfuse" ? backend_port_ : 0; };
  }
  void TearDown() override {
    backend_.stop();
    if (backend_thread_.joinable()) backend_thread_.join();
    KubeTest::TearDown();
  }
  // `kubectl port-forward` until its line, one GET through it, then the forward is ended.
  std::string get_through_forward(std::map<std::string, std::optional<std::string>> extra_env = {}) {
    BackgroundProcess pf;
    ProcessSpec spec;
    spec.argv = {"kubectl", "port-forward", "svc/langfuse-internal", ":3000", "--address=127.0.0.1"};
    spec.env = {{"HOME", home_.string()}, {"KUBECONFIG", (home_ / "kubeconfig").string()}};
    for (auto& [k, v] : extra_env) spec.env[k] = v;
    EXPECT_TRUE(pf.start(spec));
    const auto line = pf.wait_for_line([](const std::string& l) { return l.rfind("Forwarding from 127.0.0.1:", 0) == 0; },
                                       std::chrono::seconds(30));
    if (!line) return "no forward: " + line.error().message;
    const int port = std::stoi(line.value().substr(26));
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    std::string body;
    for (int i = 0; i < 3; ++i) {  // three connections: three stream pairs on one session
      const auto res = client.Get("/");
      body = res ? res->body : "request failed";
    }
    return body;
  }
  httplib::Server backend_;
  int backend_port_ = 0;
  std::thread backend_thread_;
};

TEST_F(PortForwardTest, TunnelsSpdyInAWebsocketAsKubectlTriesFirst) {
  kube()["port_forward"] = {{"3000", "langfuse"}};
  start();
  EXPECT_EQ(get_through_forward(), "hello from the pod");
}

TEST_F(PortForwardTest, SpeaksSpdyOnTheUpgradedSocketWhenKubectlFallsBack) {
  kube()["port_forward"] = {{"3000", "langfuse"}};
  start();
  EXPECT_EQ(get_through_forward({{"KUBECTL_PORT_FORWARD_WEBSOCKETS", "false"}}), "hello from the pod");
}

TEST_F(PortForwardTest, RefusesToStartWhenNoPodIsRunning) {
  for (const char* pod : {"v1/default/pods/langfuse-6c9d8f7b5d-k8x2q", "v1/default/pods/langfuse-6c9d8f7b5d-w4n7t"})
    kube()["objects"][pod]["status"]["phase"] = "Pending";
  start();
  const auto r = kubectl({"port-forward", "svc/langfuse-internal", ":3000", "--pod-running-timeout=2s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pod is not running. Current status=Pending"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace infra_dod::sandbox
