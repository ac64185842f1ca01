// Reading a whole (small) file: tokens, certificates, keys.
#ifndef SECONDVOICE_LIBS_COMMON_FILE_H_
#define SECONDVOICE_LIBS_COMMON_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace secondvoice {

// The file's bytes; NOT_FOUND naming the path when it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace secondvoice

#endif  // SECONDVOICE_LIBS_COMMON_FILE_H_
