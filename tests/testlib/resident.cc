// Copyright fleetsim authors.

#include "tests/testlib/resident.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "glog/logging.h"

namespace fleetsim::testing {
namespace {

uintptr_t PageSize() { return static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)); }

uintptr_t PageStart(const void* p) { return reinterpret_cast<uintptr_t>(p) & ~(PageSize() - 1); }

}  // namespace

std::set<size_t> ResidentPages(const void* base, size_t len) {
  const uintptr_t start = PageStart(base);
  const uintptr_t end = reinterpret_cast<uintptr_t>(base) + len;
  const size_t pages = (end - start + PageSize() - 1) / PageSize();
  std::vector<unsigned char> vec(pages);
  PCHECK(mincore(reinterpret_cast<void*>(start), end - start, vec.data()) == 0) << "mincore";
  std::set<size_t> resident;
  for (size_t i = 0; i < pages; ++i) {
    if (vec[i] & 1) resident.insert(i);
  }
  return resident;
}

std::set<size_t> WrittenPages(const void* base, size_t len) {
  const uintptr_t start = PageStart(base);
  const uintptr_t end = reinterpret_cast<uintptr_t>(base) + len;
  const size_t pages = (end - start + PageSize() - 1) / PageSize();
  std::vector<uint64_t> entries(pages);
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  PCHECK(fd >= 0) << "/proc/self/pagemap";
  const ssize_t want = static_cast<ssize_t>(pages * sizeof(uint64_t));
  const ssize_t got = pread(fd, entries.data(), want, static_cast<off_t>(start / PageSize() * 8));
  close(fd);
  CHECK_EQ(got, want) << "/proc/self/pagemap";
  constexpr uint64_t kPresent = uint64_t{1} << 63;
  constexpr uint64_t kExclusive = uint64_t{1} << 56;
  std::set<size_t> written;
  for (size_t i = 0; i < pages; ++i) {
    if ((entries[i] & kPresent) && (entries[i] & kExclusive)) written.insert(i);
  }
  return written;
}

std::set<size_t> PagesOf(const void* base, const void* begin, const void* end) {
  std::set<size_t> pages;
  if (begin == end) return pages;
  const uintptr_t start = PageStart(base);
  const uintptr_t first = (PageStart(begin) - start) / PageSize();
  const uintptr_t last =
      (PageStart(static_cast<const unsigned char*>(end) - 1) - start) / PageSize();
  for (uintptr_t p = first; p <= last; ++p) pages.insert(p);
  return pages;
}

}  // namespace fleetsim::testing
