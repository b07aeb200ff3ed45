#include "runtime/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace infra_dod {

FileLock::FileLock(const std::filesystem::path& file) {
  fd_ = ::open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path build_tree_lock(const std::filesystem::path& build_dir) {
  return build_dir / ".build-tree.lock";
}

}  // namespace infra_dod
