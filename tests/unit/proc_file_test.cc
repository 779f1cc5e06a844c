// Copyright fleetsim authors.

#include "src/proc_file.h"

#include "gtest/gtest.h"
#include "tests/testlib/files.h"

namespace fleetsim {
namespace {

TEST(ProcFileTest, ReadsWholeFilesOfAnySize) {
  testing::TempDir dir;
  const std::string big(300000, 'x');  // several buffer doublings
  testing::WriteFile(dir.File("big"), big);
  absl::StatusOr<std::string> got = ReadProcFile(dir.File("big"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, big);
  testing::WriteFile(dir.File("empty"), "");
  EXPECT_EQ(ReadProcFile(dir.File("empty")).value_or("x"), "");
}

TEST(ProcFileTest, ReadsProcFilesThatReportSizeZero) {
  absl::StatusOr<std::string> got = ReadProcFile("/proc/self/stat");
  ASSERT_TRUE(got.ok());
  EXPECT_GT(got->size(), 50u);
}

TEST(ProcFileTest, ErrorsAreStatusesNotCrashes) {
  testing::TempDir dir;
  EXPECT_TRUE(absl::IsNotFound(ReadProcFile(dir.File("missing")).status()));
  EXPECT_TRUE(absl::IsNotFound(ReadProcFile(dir.File("missing/deeper")).status()));
  EXPECT_FALSE(ReadProcFile(dir.path()).ok());  // a directory
  testing::WriteFile(dir.File("big"), std::string(5000, 'x'));
  EXPECT_TRUE(absl::IsResourceExhausted(ReadProcFile(dir.File("big"), 4999).status()));
  EXPECT_TRUE(ReadProcFile(dir.File("big"), 5000).ok());
}

TEST(ProcFileTest, SmallHelpers) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("a"), "  42 \nsecond\n");
  testing::WriteFile(dir.File("b"), "");
  EXPECT_EQ(ReadFirstLine(dir.File("a")), "42");
  EXPECT_EQ(ReadFirstLine(dir.File("b")), "");
  EXPECT_FALSE(ReadFirstLine(dir.File("c")).has_value());
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ListDir(dir.File("nope")).empty());
  EXPECT_EQ(CountDirEntries(dir.path()), 2u);
  EXPECT_FALSE(CountDirEntries(dir.File("nope")).has_value());
  EXPECT_TRUE(PathExists(dir.File("a")));
  EXPECT_FALSE(PathExists(dir.File("c")));
  EXPECT_EQ(SplitLines("a\nb\n").size(), 2u);
  EXPECT_EQ(SplitLines("a\nb").size(), 2u);
  EXPECT_EQ(SplitFields(" a\t b  c ").size(), 3u);
}

}  // namespace
}  // namespace fleetsim
