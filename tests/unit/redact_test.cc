// Tests for libs/common/redact.h and the logger that uses it: no phone number or e-mail address
// reaches a log line, and ids, counts and times stay readable.
#include "libs/common/redact.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/common/log.h"

namespace secondvoice {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Redact, MasksPhoneNumbersButTheirLastTwoDigits) {
  EXPECT_EQ(Redact("+31612345678"), "+*********78");
  EXPECT_EQ(Redact("call 0612345678 now"), "call ********78 now");
  EXPECT_EQ(Redact("06 1234 5678"), "** **** **78");
  EXPECT_EQ(Redact("(020) 123-4567"), "(***) ***-**67");
  EXPECT_EQ(Redact("+31 6 12345678, +32 470 12 34 56"), "+** * ******78, +** *** ** ** 56");
  EXPECT_EQ(Redact("0031612345678"), "***********78");
}

TEST(Redact, MasksTheLocalPartOfEMailAddresses) {
  EXPECT_EQ(Redact("jan.jansen@example.nl"), "j***@example.nl");
  EXPECT_EQ(Redact("to <Piet+auto@garage-bakker.co.uk>, cc a@b.nl"),
            "to <P***@garage-bakker.co.uk>, cc a***@b.nl");
}

TEST(Redact, LeavesIdsCountsTimesAndOtherAtSignsAlone) {
  for (const char* text : {
           "lead 10000000 claimed by agent:anna",
           "2026-11-24T10:36:08.378Z took 0.0123456789 s",
           "attempt on lead 123456789: ABORTED",
           "Key (lead_id)=(98765432101) already exists",
           "v1.0123456789",
           "user@localhost says hi",
           "@ alone, and x@ too",
           "short 012345 and +3161234 numbers",
       }) {
    EXPECT_EQ(Redact(text), text);
  }
}

TEST(Redact, NothingOfTheNumberIsLeftButTheEnd) {
  const std::string line =
      Redact("INVALID_ARGUMENT: phone '+31 6 1234 5678' of jan@example.nl duplicates lead 42");
  EXPECT_THAT(line, Not(HasSubstr("1234")));
  EXPECT_THAT(line, Not(HasSubstr("jan@")));
  EXPECT_THAT(line, HasSubstr("lead 42"));
  EXPECT_THAT(line, HasSubstr("78'"));
}

// What SV_LOG writes to stderr, captured through a pipe.
std::string Logged(const std::string& message) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  dup2(fds[1], STDERR_FILENO);
  SV_LOG(Warning) << message;
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, n);
  close(fds[0]);
  return out;
}

TEST(Log, WritesNoPhoneNumberOrEMailAddress) {
  const std::string line = Logged("story of 0612345678 <anna.smit@example.nl>: UNAVAILABLE");
  EXPECT_THAT(line, HasSubstr("story of ********78 <a***@example.nl>: UNAVAILABLE"));
  EXPECT_THAT(line, Not(HasSubstr("0612345678")));
  EXPECT_THAT(line, Not(HasSubstr("anna.smit")));
  // The line's own time (which starts with a digit run) is kept.
  EXPECT_THAT(line, ::testing::MatchesRegex("W20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T.*\n"));
}

}  // namespace
}  // namespace secondvoice
