// Copyright fleetsim authors.

#include "src/proc_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/unique_fd.h"

namespace fleetsim {

absl::StatusOr<std::string> ReadProcFile(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    const std::string msg = absl::StrCat(path, ": ", strerror(err));
    if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(msg);
    return absl::UnavailableError(msg);
  }
  // 4 KiB covers most files in one read; /proc/stat and diskstats grow the buffer.
  std::string out(std::min<size_t>(4096, max_bytes + 1), '\0');
  size_t len = 0;
  for (;;) {
    if (len == out.size()) {
      if (out.size() > max_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(path, ": larger than ", max_bytes));
      }
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(fd.get(), out.data() + len, out.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat(path, ": read: ", strerror(errno)));
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  out.resize(len);
  return out;
}

std::optional<std::string> ReadFirstLine(const std::string& path) {
  absl::StatusOr<std::string> s = ReadProcFile(path, 64 << 10);
  if (!s.ok()) return std::nullopt;
  absl::string_view v = *s;
  v = v.substr(0, v.find('\n'));
  return std::string(absl::StripAsciiWhitespace(v));
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return names;
  while (struct dirent* e = ::readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<size_t> CountDirEntries(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return std::nullopt;
  size_t n = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    ++n;
  }
  ::closedir(d);
  return n;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<absl::string_view> SplitLines(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::vector<absl::string_view> SplitFields(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
}

}  // namespace fleetsim
