// secondvoice: the command-line tool for campaign managers and operators. It talks to the
// daemon over gRPC; `secondvoice help` lists the commands.
#include <string>
#include <vector>

#include "services/cli/commands.h"

int main(int argc, char** argv) {
  return secondvoice::cli::Main(std::vector<std::string>(argv + 1, argv + argc));
}
