// Copyright fleetsim authors.
//
// resident: which pages of a mapping are in memory (mincore), so that tests can assert what
// a piece of code faults in. Used only by tests.

#ifndef FLEETSIM_TESTS_TESTLIB_RESIDENT_H_
#define FLEETSIM_TESTS_TESTLIB_RESIDENT_H_

#include <cstddef>
#include <set>

namespace fleetsim::testing {

// The pages of [base, base + len) that mincore() reports resident, as indices from the page
// holding `base` (0 for that page). For a private anonymous mapping that includes pages only
// read (they map the shared zero page); for a shared (memfd) mapping, pages in the file's
// page cache, whichever process touched them. REQUIRES: the range is mapped.
std::set<size_t> ResidentPages(const void* base, size_t len);

// The pages of the private mapping [base, base + len) that this process has its own copy of
// (it wrote them), as indices like ResidentPages()'s: present and exclusively mapped in
// /proc/self/pagemap. Unlike mincore(), pages only read (mapped to the kernel's shared zero
// page, which costs no memory) are not included. Meaningless for pages shared after fork().
std::set<size_t> WrittenPages(const void* base, size_t len);

// The indices (as above, from the page holding `base`) of the pages that the bytes
// [begin, end) lie on; none if begin == end. REQUIRES: base <= begin <= end.
std::set<size_t> PagesOf(const void* base, const void* begin, const void* end);

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_RESIDENT_H_
