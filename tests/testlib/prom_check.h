// Copyright fleetsim authors.
//
// prom_check: checks a Prometheus text exposition against the format rules and
// promtool's lint (so tests need no promtool), and parses its samples for assertions.

#ifndef FLEETSIM_TESTS_TESTLIB_PROM_CHECK_H_
#define FLEETSIM_TESTS_TESTLIB_PROM_CHECK_H_

#include <map>
#include <string>
#include <vector>

namespace fleetsim::testing {

// Every problem found, one message each; empty when the text is clean. Checks: line
// syntax, HELP and TYPE before a family's samples and once each, samples of a family
// contiguous, metric and label name charsets, label value escapes, duplicate label
// names or series, float values, counters ending in _total and nothing else doing so,
// no camelCase names or labels, no abbreviated-unit tokens, a final newline.
std::vector<std::string> PromFormatProblems(const std::string& text);

// "name{a=\"b\",...}" (as written) -> value, for every sample line.
std::map<std::string, double> PromSamples(const std::string& text);

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_PROM_CHECK_H_
