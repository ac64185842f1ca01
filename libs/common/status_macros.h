// RETURN_IF_ERROR / ASSIGN_OR_RETURN: Abseil 20220623 (Debian 12) ships neither.
#ifndef SECONDVOICE_LIBS_COMMON_STATUS_MACROS_H_
#define SECONDVOICE_LIBS_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SV_CONCAT_INNER_(a, b) a##b
#define SV_CONCAT_(a, b) SV_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                                                  \
  do {                                                                         \
    if (absl::Status sv_status_ = (expr); !sv_status_.ok()) return sv_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  SV_ASSIGN_OR_RETURN_IMPL_(SV_CONCAT_(sv_statusor_, __LINE__), lhs, expr)

#define SV_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)     \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // SECONDVOICE_LIBS_COMMON_STATUS_MACROS_H_
