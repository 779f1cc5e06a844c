// Copyright fleetsim authors.
//
// units_test: `make install` and the systemd units, with no systemd running. Installs the
// programs under test into a temporary DESTDIR with tools/install.sh (what `make install`
// runs; called directly so that the programs installed are the ones under test, also in the
// sanitizer builds, and no rebuild happens), checks the layout, that a reinstall changes
// nothing and keeps config files changed since, that the flagfiles name only real flags and
// agree with each other and with the unit, and that `systemd-analyze verify` accepts every
// installed unit without a single warning.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/testlib/files.h"
#include "tests/testlib/subprocess.h"

namespace fleetsim::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPrefix = "/usr/local";
constexpr const char* kUnitDir = "/usr/local/lib/systemd/system";
const char* const kPrograms[] = {"fleetsim", "fleetsim-agent", "fleetsim-target"};

std::string SrcDir() {
  const char* dir = getenv("FLEETSIM_SRC_DIR");
  return dir != nullptr && *dir != '\0' ? dir : ".";
}

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// The full path of `name` on $PATH, or "".
std::string FindOnPath(const std::string& name) {
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (!dir.empty() && IsExecutable(candidate)) return candidate;
  }
  return "";
}

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv to completion (at most 30 s) in the test's directory.
Result RunProgram(const std::vector<std::string>& argv, const std::string& log) {
  std::remove(log.c_str());
  Subprocess p = Subprocess::Start(argv, log);
  std::optional<int> status = p.Wait(absl::Seconds(30));
  Result r;
  r.code = status.has_value() ? ExitCode(*status) : -1;
  r.output = p.Log();
  return r;
}

Result Install(const std::string& destdir, const std::string& log) {
  return RunProgram({SrcDir() + "/tools/install.sh", destdir, kPrefix, BinDir()}, log);
}

// Every file and directory under `root` (relative path -> contents, "<dir>" or "-> target").
std::map<std::string, std::string> Tree(const std::string& root) {
  std::map<std::string, std::string> tree;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(e.path(), root).string();
    if (e.is_symlink()) {
      tree[rel] = "-> " + fs::read_symlink(e.path()).string();
    } else if (e.is_directory()) {
      tree[rel] = "<dir>";
    } else {
      tree[rel] = ReadFile(e.path().string());
    }
  }
  return tree;
}

// The flags a flagfile sets, name -> value; with `commented`, also the "#--name=value"
// examples.
std::map<std::string, std::string> Flags(const std::string& path, bool commented) {
  std::map<std::string, std::string> flags;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    absl::string_view l = line;
    if (commented) absl::ConsumePrefix(&l, "#");
    if (!absl::ConsumePrefix(&l, "--")) continue;
    std::pair<std::string, std::string> kv = absl::StrSplit(l, absl::MaxSplits('=', 1));
    flags[kv.first] = kv.second;
  }
  return flags;
}

// The value of `key` in a unit file (the last one set), or "".
std::string Directive(const std::string& unit_text, const std::string& key) {
  std::string value;
  std::istringstream in(unit_text);
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, key + "=")) value = line.substr(key.size() + 1);
  }
  return value;
}

// "30s" or "10s" -> 30, 10; -1 for anything else (the units and flagfiles use seconds).
int Seconds(absl::string_view text) {
  int n;
  return absl::ConsumeSuffix(&text, "s") && absl::SimpleAtoi(text, &n) ? n : -1;
}

TEST(InstallTest, LaysOutProgramsUnitsConfigDocsAndLogDir) {
  TempDir dir;
  const std::string root = dir.File("root");
  Result r = Install(root, dir.File("install.log"));
  ASSERT_EQ(r.code, 0) << r.output;

  for (const char* prog : kPrograms) {
    if (!IsExecutable(BinPath(prog))) continue;  // not built on this branch: not installed
    SCOPED_TRACE(prog);
    const std::string bin = absl::StrCat(root, kPrefix, "/bin/", prog);
    EXPECT_TRUE(IsExecutable(bin));
    EXPECT_EQ(fs::file_size(bin), fs::file_size(BinPath(prog)));
    const std::string unit = ReadFile(absl::StrCat(root, kUnitDir, "/", prog, ".service"));
    ASSERT_FALSE(unit.empty());
    EXPECT_FALSE(absl::StrContains(unit, "@PREFIX@")) << "a placeholder left in the unit";
    EXPECT_TRUE(
        absl::StartsWith(Directive(unit, "ExecStart"),
                         absl::StrCat(kPrefix, "/bin/", prog, " --flagfile=/etc/fleetsim/")))
        << Directive(unit, "ExecStart");
  }
  EXPECT_TRUE(IsExecutable(BinPath("fleetsim")));
  for (const char* f : {"fleetsim.flags", "agent.flags", "target.flags", "scenarios/rdp.yaml",
                        "scenarios/beacon.yaml"}) {
    EXPECT_EQ(ReadFile(absl::StrCat(root, "/etc/fleetsim/", f)),
              ReadFile(absl::StrCat(SrcDir(), "/conf/", f)))
        << f;
  }
  EXPECT_EQ(ReadFile(root + "/etc/logrotate.d/fleetsim"),
            ReadFile(SrcDir() + "/conf/logrotate.d/fleetsim"));
  EXPECT_TRUE(fs::is_directory(root + "/var/log/fleetsim"));
  EXPECT_EQ(ReadFile(absl::StrCat(root, kPrefix, "/share/doc/fleetsim/README.md")),
            ReadFile(SrcDir() + "/README.md"));
  EXPECT_TRUE(fs::exists(absl::StrCat(root, kPrefix, "/share/doc/fleetsim/scenarios.md")));
  // Only the service's flagfile is installed, not the one for `make run`.
  EXPECT_FALSE(fs::exists(root + "/etc/fleetsim/fleetsim-local.flags"));

  // Again: nothing changes, nothing is reported as installed.
  const auto before = Tree(root);
  r = Install(root, dir.File("install2.log"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(Tree(root), before);
  EXPECT_FALSE(absl::StrContains(r.output, "install: " + root)) << r.output;
}

TEST(InstallTest, KeepsConfigFilesChangedSinceAndInstallsTheNewOnesBeside) {
  TempDir dir;
  const std::string root = dir.File("root");
  ASSERT_EQ(Install(root, dir.File("install.log")).code, 0);
  const std::string flags = root + "/etc/fleetsim/fleetsim.flags";
  const std::string logrotate = root + "/etc/logrotate.d/fleetsim";
  const std::string shipped_flags = ReadFile(SrcDir() + "/conf/fleetsim.flags");
  const std::string shipped_logrotate = ReadFile(SrcDir() + "/conf/logrotate.d/fleetsim");
  WriteFile(flags, shipped_flags + "--v=1\n");
  WriteFile(logrotate, "# mine\n");
  // An edited unit is code, not config: it is replaced (drop-ins are the way to change it).
  const std::string unit = absl::StrCat(root, kUnitDir, "/fleetsim.service");
  const std::string shipped_unit = ReadFile(unit);
  WriteFile(unit, "edited");

  Result r = Install(root, dir.File("install2.log"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(ReadFile(flags), shipped_flags + "--v=1\n");
  EXPECT_EQ(ReadFile(flags + ".dist"), shipped_flags);
  EXPECT_TRUE(absl::StrContains(r.output, "kept " + flags)) << r.output;
  EXPECT_EQ(ReadFile(logrotate), "# mine\n");
  // Not logrotate.d/fleetsim.dist: logrotate would read it as a second config.
  EXPECT_EQ(ReadFile(logrotate + ".dpkg-dist"), shipped_logrotate);
  EXPECT_FALSE(fs::exists(logrotate + ".dist"));
  EXPECT_EQ(ReadFile(unit), shipped_unit);
  for (const char* f : {"agent.flags", "target.flags", "scenarios/rdp.yaml"}) {
    EXPECT_FALSE(fs::exists(absl::StrCat(root, "/etc/fleetsim/", f, ".dist"))) << f;
  }

  // Again: the same state.
  const auto before = Tree(root);
  ASSERT_EQ(Install(root, dir.File("install3.log")).code, 0);
  EXPECT_EQ(Tree(root), before);

  // Back to the shipped version: the .dist has nothing left to say and goes.
  WriteFile(flags, shipped_flags);
  ASSERT_EQ(Install(root, dir.File("install4.log")).code, 0);
  EXPECT_FALSE(fs::exists(flags + ".dist"));
}

TEST(InstallTest, FlagfilesNameOnlyRealFlagsAndAgree) {
  // gflags silently ignores an unknown flag in a flagfile, so a typo there would be
  // dropped without a word: check every name (examples in comments too) against --help.
  const std::map<std::string, std::string> flagfiles = {{"fleetsim.flags", "fleetsim"},
                                                        {"fleetsim-local.flags", "fleetsim"},
                                                        {"target.flags", "fleetsim-target"},
                                                        {"agent.flags", "fleetsim-agent"}};
  TempDir dir;
  for (const auto& [file, prog] : flagfiles) {
    SCOPED_TRACE(file);
    if (!IsExecutable(BinPath(prog))) continue;  // fleetsim-agent not built on this branch
    const std::string help = RunProgram({BinPath(prog), "--help"}, dir.File(prog + ".help")).output;
    const auto flags = Flags(absl::StrCat(SrcDir(), "/conf/", file), /*commented=*/true);
    EXPECT_FALSE(flags.empty());
    for (const auto& [name, value] : flags) {
      EXPECT_TRUE(absl::StrContains(help, absl::StrCat("    -", name, " ("))) << "--" << name;
    }
  }

  // The service's settings and make run's are the same but for where files are.
  auto service = Flags(SrcDir() + "/conf/fleetsim.flags", /*commented=*/false);
  auto local = Flags(SrcDir() + "/conf/fleetsim-local.flags", /*commented=*/false);
  EXPECT_EQ(service["scenario"], "/etc/fleetsim/scenarios/rdp.yaml");
  EXPECT_EQ(local["scenario"], "conf/scenarios/rdp.yaml");
  EXPECT_EQ(service["log_dir"], "/var/log/fleetsim");
  EXPECT_TRUE(absl::StartsWith(service["stats_file"], "/var/log/fleetsim/"));
  for (const char* path_flag : {"scenario", "stats_file", "log_dir"}) {
    service.erase(path_flag);
    local.erase(path_flag);
  }
  EXPECT_EQ(service, local);

  // The unit lets a stop take --grace and the master's 5 s after it, with room to spare.
  const std::string unit = ReadFile(SrcDir() + "/systemd/fleetsim.service");
  const int grace = Seconds(service["grace"]);
  ASSERT_GT(grace, 0) << service["grace"];
  EXPECT_GE(Seconds(Directive(unit, "TimeoutStopSec")), grace + 10);

  // The installed service flagfile with the installed scenario passes fleetsim's own
  // validation (durations, --set keys), as does make run's.
  const std::string root = dir.File("root");
  ASSERT_EQ(Install(root, dir.File("install.log")).code, 0);
  Result r = RunProgram({BinPath("fleetsim"), "--flagfile=" + root + "/etc/fleetsim/fleetsim.flags",
                         "--scenario=" + root + "/etc/fleetsim/scenarios/rdp.yaml", "--check"},
                        dir.File("check.log"));
  EXPECT_EQ(r.code, 0) << r.output;
  r = RunProgram({BinPath("fleetsim"), "--flagfile=" + SrcDir() + "/conf/fleetsim-local.flags",
                  "--scenario=" + SrcDir() + "/conf/scenarios/rdp.yaml", "--check"},
                 dir.File("check-local.log"));
  EXPECT_EQ(r.code, 0) << r.output;
}

TEST(UnitsTest, EveryDirectiveIsCommented) {
  // style.md 7.2: every directive says why. A directive line must follow a comment or
  // another directive of the same commented group, never a blank line or a section.
  for (const char* prog : kPrograms) {
    SCOPED_TRACE(prog);
    std::istringstream in(ReadFile(absl::StrCat(SrcDir(), "/systemd/", prog, ".service")));
    std::string prev;
    int directives = 0;
    for (std::string line; std::getline(in, line); prev = line) {
      if (line.empty() || line[0] == '#' || line[0] == '[') continue;
      ++directives;
      EXPECT_FALSE(prev.empty() || prev[0] == '[') << "uncommented: " << line;
    }
    EXPECT_GT(directives, 10);
  }
}

TEST(UnitsTest, SystemdAnalyzeVerifiesEveryInstalledUnit) {
  const std::string analyze = FindOnPath("systemd-analyze");
  if (analyze.empty()) {
    GTEST_SKIP() << "systemd-analyze not found (Debian package systemd, which "
                    "tools/install_deps.sh installs): units not verified";
  }
  TempDir dir;
  const std::string root = dir.File("root");
  Result r = Install(root, dir.File("install.log"));
  ASSERT_EQ(r.code, 0) << r.output;

  // verify checks that every Exec*= program exists and is executable, and loads the
  // units named in After=/Wants=/WantedBy=. With systemd 252, `--root=DESTDIR` finds
  // ExecStart in the DESTDIR but then fails on what only the host has (/bin/kill of
  // ExecReload, sysinit.target of the default dependencies). So each installed unit is
  // verified as a copy whose ExecStart points into the DESTDIR, everything else
  // unchanged, against the host's own units. A program not built on this branch
  // (fleetsim-agent until it is merged) gets its unit from systemd/ and a stand-in script.
  const std::string copies = dir.File("verify");
  fs::create_directories(copies);
  std::vector<std::string> argv = {analyze, "verify"};
  for (const char* prog : kPrograms) {
    const std::string installed = absl::StrCat(root, kUnitDir, "/", prog, ".service");
    std::string text = ReadFile(installed);
    if (!IsExecutable(BinPath(prog))) {
      ASSERT_FALSE(fs::exists(installed)) << "a unit installed without its program";
      const std::string stand_in = absl::StrCat(root, kPrefix, "/bin/", prog);
      WriteFile(stand_in, "#!/bin/sh\nexit 0\n");
      fs::permissions(stand_in, fs::perms::owner_all | fs::perms::group_exec);
      text = absl::StrReplaceAll(ReadFile(absl::StrCat(SrcDir(), "/systemd/", prog, ".service")),
                                 {{"@PREFIX@", kPrefix}});
    }
    ASSERT_FALSE(text.empty()) << prog;
    text = absl::StrReplaceAll(
        text, {{absl::StrCat("=", kPrefix, "/bin/"), absl::StrCat("=", root, kPrefix, "/bin/")}});
    const std::string copy = absl::StrCat(copies, "/", prog, ".service");
    WriteFile(copy, text);
    argv.push_back(copy);
  }
  r = RunProgram(argv, dir.File("verify.log"));
  EXPECT_EQ(r.code, 0) << r.output;
  // verify exits 0 on an unknown key or a bad value ("..., ignoring"): any line about our
  // units is a failure. Lines about the host's own units are not ours to fix.
  for (absl::string_view line : absl::StrSplit(r.output, '\n', absl::SkipEmpty())) {
    if (absl::StrContains(line, "fleetsim") || absl::StrContains(line, copies)) {
      ADD_FAILURE() << "systemd-analyze verify: " << line;
    } else {
      std::cerr << "systemd-analyze verify (host, ignored): " << line << "\n";
    }
  }

  // The hardening stays: `security` scores exposure from 0 to 100 (shown as 0.0-10.0);
  // each unit scores 15 (1.5, "OK") with systemd 252. Fail above 20.
  for (const char* prog : kPrograms) {
    SCOPED_TRACE(prog);
    r = RunProgram({analyze, "security", "--offline=yes", "--threshold=20", "--no-pager",
                    absl::StrCat(copies, "/", prog, ".service")},
                   dir.File(absl::StrCat("security-", prog, ".log")));
    EXPECT_EQ(r.code, 0) << r.output;
  }
}

}  // namespace
}  // namespace fleetsim::testing
