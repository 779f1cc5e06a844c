// Copyright fleetsim authors.

#include "tools/target/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "src/unique_fd.h"

namespace fleetsim::target {

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  {
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) {
      return absl::UnavailableError(absl::StrCat("open ", tmp, ": ", std::strerror(errno)));
    }
    size_t off = 0;
    while (off < contents.size()) {
      ssize_t n = write(fd.get(), contents.data() + off, contents.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string err = std::strerror(errno);
        unlink(tmp.c_str());
        return absl::UnavailableError(absl::StrCat("write ", tmp, ": ", err));
      }
      off += static_cast<size_t>(n);
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("rename ", tmp, " to ", path, ": ", err));
  }
  return absl::OkStatus();
}

}  // namespace fleetsim::target
