#pragma once
// An exclusive advisory lock on a file, held while the object lives. Runs of ctest on one build
// tree share its gtest-xml folder and run record, so they take turns through this.
#include <filesystem>

namespace infra_dod {

class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& file);
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
