// `infra-dod bundle`: one output folder of `infra-dod run` packed into a .tar.gz to attach to the
// ticket, with a SHA-256 manifest of every file inside it, after the same secret scan the report
// makes; `--verify` checks a bundle against its manifest.
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "commands.h"
#include "runtime/crypto.h"
#include "runtime/evidence.h"
#include "runtime/leak_scan.h"
#include "runtime/process.h"
#include "runtime/run.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kHelp = R"(usage: infra-dod bundle DIR [--output FILE.tar.gz]
       infra-dod bundle --verify FILE.tar.gz

Packs an `infra-dod run` output folder (the table, JUnit, evidence, the run's records) into one
.tar.gz, ready to attach to the ticket. MANIFEST.sha256 inside it lists the SHA-256 of every
other file (`sha256sum -c` reads it too). Symbolic links (evidence-dir) are left out: what they
point at is in the folder already. The folder is scanned for registered secrets and raw
token/cookie markers first, as the report does; a leak means no bundle.

  --output   default DIR.tar.gz beside DIR
  --verify   unpack into a temporary folder and check every file against the manifest, and that
             no file is missing from it
Exit: 0 ok; 1 a leak, or a verify mismatch; 2 bad input.
)";

// Every regular file under root (relative, sorted), symbolic links and the manifest left out.
std::vector<fs::path> files_under(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_symlink(ec)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    const auto rel = it->path().lexically_relative(root);
    if (rel != "MANIFEST.sha256") out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

int verify(const fs::path& archive) {
  std::error_code ec;
  if (!fs::is_regular_file(archive, ec)) {
    std::fprintf(stderr, "infra-dod bundle: %s: no such file\n", archive.string().c_str());
    return 2;
  }
  const fs::path tmp = fs::temp_directory_path() / ("infra-dod-verify-" + random_hex(6));
  fs::create_directories(tmp, ec);
  ProcessSpec tar;
  tar.argv = {"tar", "-xzf", fs::absolute(archive).string(), "-C", tmp.string()};
  const auto r = run_process(tar);
  if (!r.succeeded()) {
    std::fprintf(stderr, "infra-dod bundle: cannot unpack %s: %s\n", archive.string().c_str(), r.describe().c_str());
    fs::remove_all(tmp, ec);
    return 1;
  }
  // The archive holds one top folder.
  fs::path root = tmp;
  for (const auto& e : fs::directory_iterator(tmp, ec))
    if (e.is_directory()) root = e.path();
  std::ifstream manifest(root / "MANIFEST.sha256");
  if (!manifest) {
    std::fprintf(stderr, "infra-dod bundle: %s holds no MANIFEST.sha256\n", archive.string().c_str());
    fs::remove_all(tmp, ec);
    return 1;
  }
  std::map<std::string, std::string> listed;
  for (std::string line; std::getline(manifest, line);) {
    if (line.size() < 67 || line[64] != ' ' || line[65] != ' ') continue;
    listed[line.substr(66)] = line.substr(0, 64);
  }
  int problems = 0;
  std::size_t checked = 0;
  for (const auto& rel : files_under(root)) {
    const auto it = listed.find(rel.string());
    if (it == listed.end()) {
      std::printf("NOT IN MANIFEST: %s\n", rel.string().c_str());
      ++problems;
      continue;
    }
    const bool same = sha256_hex(file_bytes(root / rel)) == it->second;
    if (!same) {
      std::printf("CHANGED: %s\n", rel.string().c_str());
      ++problems;
    }
    ++checked;
    listed.erase(it);
  }
  for (const auto& [rel, _] : listed) {
    std::printf("MISSING: %s\n", rel.c_str());
    ++problems;
  }
  fs::remove_all(tmp, ec);
  std::printf("%s: %zu file(s) checked against MANIFEST.sha256, %d problem(s)\n", archive.string().c_str(), checked,
              problems);
  return problems ? 1 : 0;
}

}  // namespace

int cmd_bundle(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const std::string to_verify = take_option(args, "--verify");
  std::string output = take_option(args, "--output");
  if (!to_verify.empty()) {
    if (reject_leftovers("bundle", args)) return 2;
    return verify(to_verify);
  }
  if (args.size() != 1 || starts_with(args.front(), "-")) {
    std::fputs("infra-dod bundle: name the output folder of one `infra-dod run` (see --help)\n", stderr);
    return 2;
  }
  std::error_code ec;
  const fs::path dir = fs::absolute(args.front(), ec).lexically_normal();
  const fs::path root = dir.filename().empty() ? dir.parent_path() : dir;
  if (!fs::is_directory(root, ec)) {
    std::fprintf(stderr, "infra-dod bundle: %s is not a folder\n", args.front().c_str());
    return 2;
  }
  if (output.empty()) output = root.string() + ".tar.gz";
  // The same scan the report makes, with the run's own fingerprints when the folder holds a run.
  std::vector<SecretFingerprint> fingerprints;
  if (auto run = load_run(root / "run")) fingerprints = SecretRegistry::load_fingerprints(fingerprint_file(run.value()));
  const auto leaks = scan_for_leaks({root}, fingerprints);
  for (const auto& l : leaks)
    std::fprintf(stderr, "FAIL: no secret in the bundle: %s:%zu: %s\n", l.file.string().c_str(), l.line, l.what.c_str());
  if (!leaks.empty()) {
    std::fprintf(stderr, "infra-dod bundle: nothing packed; fix the leak first\n");
    return 1;
  }
  const auto files = files_under(root);
  std::string manifest;
  for (const auto& rel : files) manifest += sha256_hex(file_bytes(root / rel)) + "  " + rel.string() + "\n";
  {
    std::ofstream out(root / "MANIFEST.sha256", std::ios::trunc);
    out << manifest;
  }
  ProcessSpec tar;
  tar.argv = {"tar", "-czf", fs::absolute(output).string(), "-C", root.parent_path().string(),
              "--exclude-vcs", "--no-recursion", root.filename().string() + "/MANIFEST.sha256"};
  for (const auto& rel : files) tar.argv.push_back((root.filename() / rel).string());
  const auto r = run_process(tar);
  if (!r.succeeded()) {
    std::fprintf(stderr, "infra-dod bundle: tar failed: %s\n", r.describe().c_str());
    return 1;
  }
  std::printf("bundled %zu file(s) of %s into %s (manifest: MANIFEST.sha256)\n", files.size(), root.string().c_str(),
              output.c_str());
  return 0;
}

}  // namespace infra_dod::cli
