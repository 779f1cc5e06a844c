// Copyright fleetsim authors.

#include "tests/testlib/prom_check.h"

#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>

namespace fleetsim::testing {
namespace {

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names (colon allowed), without ':' for labels.
bool ValidName(const std::string& s, bool colon) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && !(colon && c == ':')) {
      return false;
    }
  }
  return true;
}

// promtool's camelCase lint: a lowercase letter followed by an uppercase one.
bool CamelCase(const std::string& s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (std::islower(static_cast<unsigned char>(s[i])) &&
        std::isupper(static_cast<unsigned char>(s[i + 1]))) {
      return true;
    }
  }
  return false;
}

bool ParseValue(const std::string& v, double* out) {
  if (v == "NaN" || v == "+Inf" || v == "-Inf") return true;
  char* end = nullptr;
  *out = strtod(v.c_str(), &end);
  return !v.empty() && end == v.c_str() + v.size();
}

// promtool's lintUnitAbbreviations: "_s_" inside or "_s" at the end, and the like.
bool HasAbbreviatedUnit(const std::string& name) {
  static const char* kAbbrev[] = {"s",  "ms", "us", "ns", "sec", "b", "kb",
                                  "mb", "gb", "tb", "pb", "m",   "h", "d"};
  for (const char* a : kAbbrev) {
    const std::string mid = std::string("_") + a + "_", end = std::string("_") + a;
    if (name.find(mid) != std::string::npos) return true;
    if (name.size() >= end.size() && name.compare(name.size() - end.size(), end.size(), end) == 0) {
      return true;
    }
  }
  return false;
}

// Splits `name{labels} value` into parts; parses labels into (name, value) pairs.
bool SplitSample(const std::string& line, std::string* name, std::vector<std::string>* labels,
                 std::string* value, std::string* err) {
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  *name = line.substr(0, i);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t eq = line.find('=', i);
      if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        *err = "bad label syntax";
        return false;
      }
      std::string lname = line.substr(i, eq - i);
      if (!ValidName(lname, false)) {
        *err = "bad label name '" + lname + "'";
        return false;
      }
      if (CamelCase(lname)) {
        *err = "camelCase label name '" + lname + "'";
        return false;
      }
      size_t j = eq + 2;
      bool closed = false;
      for (; j < line.size(); ++j) {
        if (line[j] == '\\') {
          if (j + 1 >= line.size() ||
              (line[j + 1] != '\\' && line[j + 1] != '"' && line[j + 1] != 'n')) {
            *err = "bad escape in label value";
            return false;
          }
          ++j;
        } else if (line[j] == '"') {
          closed = true;
          break;
        } else if (line[j] == '\n') {
          break;
        }
      }
      if (!closed) {
        *err = "unterminated label value";
        return false;
      }
      labels->push_back(lname);
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) {
      *err = "unterminated label set";
      return false;
    }
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') {
    *err = "no space before value";
    return false;
  }
  *value = line.substr(i + 1);
  const size_t sp = value->find(' ');  // an optional timestamp
  if (sp != std::string::npos) *value = value->substr(0, sp);
  return true;
}

}  // namespace

std::vector<std::string> PromFormatProblems(const std::string& text) {
  std::vector<std::string> p;
  if (text.empty() || text.back() != '\n') p.push_back("does not end with a newline");
  std::map<std::string, std::string> type_of;
  std::set<std::string> help_of, finished, series;
  std::string current;
  std::stringstream ss(text);
  std::string line;
  int n = 0;
  while (std::getline(ss, line)) {
    ++n;
    const std::string at = "line " + std::to_string(n) + ": ";
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::stringstream ls(line);
      std::string hash, kind, name;
      ls >> hash >> kind >> name;
      if (kind != "HELP" && kind != "TYPE") continue;  // a comment
      if (!ValidName(name, true)) p.push_back(at + "bad metric name '" + name + "'");
      if (name != current) {
        if (finished.count(name) > 0) p.push_back(at + "family '" + name + "' seen twice");
        if (!current.empty()) finished.insert(current);
        current = name;
      }
      if (kind == "HELP") {
        if (!help_of.insert(name).second) p.push_back(at + "second HELP for " + name);
        std::string rest;
        std::getline(ls, rest);
        if (rest.size() <= 1) p.push_back(name + " no help text");
      } else {
        std::string type;
        ls >> type;
        if (type != "counter" && type != "gauge" && type != "untyped" && type != "histogram" &&
            type != "summary") {
          p.push_back(at + "bad type '" + type + "'");
        }
        if (type_of.count(name) > 0) p.push_back(at + "second TYPE for " + name);
        type_of[name] = type;
        const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
        if (type == "counter" && !total) {
          p.push_back(name + " counter metrics should have \"_total\" suffix");
        }
        if (type != "counter" && total) {
          p.push_back(name + " non-counter metrics should not have \"_total\" suffix");
        }
        if (CamelCase(name)) p.push_back(name + " camelCase metric name");
        if (HasAbbreviatedUnit(name)) p.push_back(name + " abbreviated unit in name");
        if (help_of.count(name) == 0) p.push_back(name + " TYPE without a HELP before it");
      }
      continue;
    }
    std::string name, value, err;
    std::vector<std::string> labels;
    if (!SplitSample(line, &name, &labels, &value, &err)) {
      p.push_back(at + err + ": " + line);
      continue;
    }
    if (!ValidName(name, true)) p.push_back(at + "bad metric name '" + name + "'");
    if (name != current) p.push_back(at + name + " sample outside its family (" + current + ")");
    if (type_of.count(name) == 0) p.push_back(at + name + " has no TYPE");
    std::set<std::string> uniq(labels.begin(), labels.end());
    if (uniq.size() != labels.size()) p.push_back(at + "duplicate label name");
    const std::string series_key = line.substr(0, line.rfind(' '));
    if (!series.insert(series_key).second) p.push_back(at + "duplicate series " + series_key);
    double v;
    if (!ParseValue(value, &v)) p.push_back(at + "bad value '" + value + "'");
  }
  return p;
}

std::map<std::string, double> PromSamples(const std::string& text) {
  std::map<std::string, double> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    double v = 0;
    ParseValue(line.substr(sp + 1), &v);
    out[line.substr(0, sp)] = v;
  }
  return out;
}

}  // namespace fleetsim::testing
