#pragma once
// An exclusive advisory lock on a file, held while the object lives. Runs of ctest on one build
// tree share its gtest-xml folder and run record, so they take turns through this.
#include <chrono>
#include <filesystem>

namespace infra_dod {

class FileLock {
 public:
  // Waits up to `patience` for the lock (saying so on stderr once), then gives up: held() false.
  explicit FileLock(const std::filesystem::path& file,
                    std::chrono::seconds patience = std::chrono::minutes(30));
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// The lock file of a build tree.
std::filesystem::path build_tree_lock(const std::filesystem::path& build_dir);

}  // namespace infra_dod
