// Copyright fleetsim authors.
//
// files: temporary directories and whole-file reads for tests.

#ifndef FLEETSIM_TESTS_TESTLIB_FILES_H_
#define FLEETSIM_TESTS_TESTLIB_FILES_H_

#include <string>
#include <vector>

namespace fleetsim::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction
// unless $FLEETSIM_KEEP_TEST_DIRS is set (for post-mortems).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The file's contents, or "" if it cannot be read.
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);
// Lines of the file (without newlines); a last line lacking its newline is dropped, so a
// reader never sees half a record a writer is still appending.
std::vector<std::string> ReadCompleteLines(const std::string& path);

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_FILES_H_
