// Copyright fleetsim authors.
//
// status_macros: RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status plumbing on the control
// plane (config, scenario compilation, planning). Never used on the data path.

#ifndef FLEETSIM_SRC_STATUS_MACROS_H_
#define FLEETSIM_SRC_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FLEETSIM_CONCAT_INNER_(a, b) a##b
#define FLEETSIM_CONCAT_(a, b) FLEETSIM_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status fleetsim_status_ = (expr);            \
    if (!fleetsim_status_.ok()) return fleetsim_status_; \
  } while (0)

// `lhs = value of expr` if OK; otherwise returns the status. `lhs` may be a declaration.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(FLEETSIM_CONCAT_(fleetsim_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

#endif  // FLEETSIM_SRC_STATUS_MACROS_H_
