// Copyright fleetsim authors.
//
// yaml_util: reading a yaml-cpp tree with errors that name file, line and field path.
// Every accessor returns absl::Status / StatusOr; yaml-cpp's exceptions stop here.

#ifndef FLEETSIM_SRC_YAML_UTIL_H_
#define FLEETSIM_SRC_YAML_UTIL_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml-cpp/yaml.h"

namespace fleetsim {

// A node together with where it is: the file, and its path from the root
// ("roles.device.connections.access.steps[1]"). Cheap to copy (yaml-cpp nodes are handles).
class YamlRef {
 public:
  YamlRef(const std::string* file, YAML::Node node, std::string path)
      : file_(file), node_(node), path_(std::move(path)) {}
  YamlRef(const YamlRef&) = default;
  // Rebinds. (YAML::Node's own operator= overwrites the node it refers to, in the tree:
  // a default assignment here would silently edit the scenario being compiled.)
  YamlRef& operator=(const YamlRef& o) {
    file_ = o.file_;
    node_.reset(o.node_);
    path_ = o.path_;
    return *this;
  }

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }
  int line() const;  // 1-based; 0 if the node has no mark

  // yaml-cpp throws when a missing node (from a const lookup) is asked its type; these
  // ask IsDefined() first, which never throws.
  bool IsDefined() const { return node_.IsDefined(); }
  bool IsMap() const { return node_.IsDefined() && node_.IsMap(); }
  bool IsSeq() const { return node_.IsDefined() && node_.IsSequence(); }
  bool IsScalar() const { return node_.IsDefined() && node_.IsScalar(); }
  // True for a scalar written in quotes ("12" is text, 12 is a number).
  bool IsQuoted() const { return IsScalar() && node_.Tag() == "!"; }
  const std::string& Scalar() const { return node_.Scalar(); }

  // The child `key` of a map (an undefined node if absent; see Has()).
  YamlRef Child(absl::string_view key) const;
  bool Has(absl::string_view key) const;
  // The i-th element of a sequence.
  YamlRef At(size_t i) const;
  size_t size() const { return IsMap() || IsSeq() ? node_.size() : 0; }

  // "FILE:LINE: PATH: msg" as InvalidArgument.
  absl::Status Error(absl::string_view msg) const;
  // The same for a key of this map (points at the key's value when present).
  absl::Status ErrorAt(absl::string_view key, absl::string_view msg) const;

  // Fails if this map has a key outside `allowed`, naming it and the allowed ones.
  absl::Status CheckKeys(std::initializer_list<absl::string_view> allowed) const;
  absl::Status ExpectMap() const;
  absl::Status ExpectSeq() const;
  absl::Status ExpectScalar() const;

  // Typed scalars. Integers accept decimal, 0x hex, 0o octal, 0b binary and a sign.
  absl::StatusOr<int64_t> Int() const;
  absl::StatusOr<uint64_t> Uint() const;
  absl::StatusOr<double> Double() const;
  absl::StatusOr<bool> Bool() const;
  absl::StatusOr<std::string> String() const;
  // A duration with units ("500ms").
  absl::StatusOr<absl::Duration> Duration() const;
  // A fraction written "10%" or 0.1, in [0, 1].
  absl::StatusOr<double> Fraction() const;

 private:
  const std::string* file_;
  YAML::Node node_;
  std::string path_;
};

// Parses an integer the way scenario files write them ("0x4653", "-5", "0b101").
bool ParseYamlInt(absl::string_view text, int64_t* out);
bool ParseYamlUint(absl::string_view text, uint64_t* out);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_YAML_UTIL_H_
