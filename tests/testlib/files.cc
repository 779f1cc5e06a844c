// Copyright fleetsim authors.

#include "tests/testlib/files.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "glog/logging.h"

namespace fleetsim::testing {

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/fleetsim-test-XXXXXX";
  char* p = mkdtemp(tmpl.data());
  PCHECK(p != nullptr) << tmpl;
  path_ = p;
}

TempDir::~TempDir() {
  if (getenv("FLEETSIM_KEEP_TEST_DIRS") != nullptr) {
    LOG(INFO) << "keeping " << path_;
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  CHECK(out.good()) << path;
}

std::vector<std::string> ReadCompleteLines(const std::string& path) {
  std::string all = ReadFile(path);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(all.substr(start, nl - start));
  }
  return lines;
}

}  // namespace fleetsim::testing
