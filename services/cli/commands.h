// The secondvoice CLI's commands.
#ifndef SECONDVOICE_SERVICES_CLI_COMMANDS_H_
#define SECONDVOICE_SERVICES_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace secondvoice::cli {

// Runs the command in `args` (argv without the program name); returns the exit code:
// 0 success, 1 the call failed, 2 bad usage.
int Main(const std::vector<std::string>& args);

}  // namespace secondvoice::cli

#endif  // SECONDVOICE_SERVICES_CLI_COMMANDS_H_
