#include "runtime/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>

#include "runtime/clock.h"

namespace infra_dod {

FileLock::FileLock(const std::filesystem::path& file, std::chrono::seconds patience) {
  fd_ = ::open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd_ < 0) return;
  bool told = false;
  const auto r = poll_until(SystemClock::instance(), patience, std::chrono::milliseconds(100), [&](int, auto) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
    if (!told) std::fprintf(stderr, "waiting for %s (another run holds it)\n", file.c_str());
    told = true;
    return false;
  });
  if (r.outcome != PollOutcome::done) {
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
