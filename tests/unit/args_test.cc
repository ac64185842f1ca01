// Tests for services/cli/args.h: the CLI's words and --flags.
#include "services/cli/args.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::cli {
namespace {

using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               const std::set<std::string>& boolean_flags = {}) {
  return Args::Parse(argv, boolean_flags);
}

TEST(Args, ReadsBothFlagForms) {
  SV_ASSERT_OK_AND_ASSIGN(
      Args args, ParseArgs({"campaign", "create", "--name=Spring list", "--queue", "bdc-nl"}));
  EXPECT_THAT(args.words(), ElementsAre("campaign", "create"));
  EXPECT_TRUE(args.Has("name"));
  EXPECT_TRUE(args.Has("queue"));
  EXPECT_FALSE(args.Has("kind"));
  EXPECT_EQ(args.GetOr("name", "?"), "Spring list");
  EXPECT_EQ(args.GetOr("queue", "?"), "bdc-nl");
  EXPECT_EQ(args.GetOr("kind", "passive-list"), "passive-list");
  EXPECT_FALSE(args.Get("kind").has_value());
}

TEST(Args, KeepsEverythingAfterTheFirstEqualsSign) {
  SV_ASSERT_OK_AND_ASSIGN(Args args, ParseArgs({"--filter=a=b", "--empty="}));
  EXPECT_EQ(args.GetOr("filter", "?"), "a=b");
  ASSERT_TRUE(args.Get("empty").has_value());
  EXPECT_EQ(*args.Get("empty"), "");
}

TEST(Args, RepeatedFlagsKeepEveryValueInOrder) {
  SV_ASSERT_OK_AND_ASSIGN(Args args, ParseArgs({"--dealer", "vandijk", "--dealer=bdc-nl-2",
                                                "--name", "x", "--dealer", "autohaus"}));
  EXPECT_THAT(args.GetAll("dealer"), ElementsAre("vandijk", "bdc-nl-2", "autohaus"));
  EXPECT_EQ(args.GetOr("dealer", "?"), "autohaus");  // Get gives the last one
  EXPECT_THAT(args.GetAll("name"), ElementsAre("x"));
  EXPECT_THAT(args.GetAll("missing"), IsEmpty());
}

TEST(Args, BooleanFlagsTakeNoValue) {
  SV_ASSERT_OK_AND_ASSIGN(Args args, ParseArgs({"list", "--json", "campaigns"}, {"json"}));
  EXPECT_EQ(args.GetOr("json", "?"), "true");
  EXPECT_THAT(args.words(), ElementsAre("list", "campaigns"));

  // The same argv without "json" declared boolean swallows the next word as its value.
  SV_ASSERT_OK_AND_ASSIGN(Args other, ParseArgs({"list", "--json", "campaigns"}));
  EXPECT_EQ(other.GetOr("json", "?"), "campaigns");
  EXPECT_THAT(other.words(), ElementsAre("list"));
}

TEST(Args, BooleanFlagAtTheEndNeedsNoValue) {
  SV_ASSERT_OK_AND_ASSIGN(Args args, ParseArgs({"dealer", "list", "--json"}, {"json"}));
  EXPECT_TRUE(args.Has("json"));
}

TEST(Args, ReadsUnderscoreAsDash) {
  SV_ASSERT_OK_AND_ASSIGN(
      Args args,
      ParseArgs({"--dealer_id=vandijk", "--queue_id", "bdc-nl", "--dry_run"}, {"dry-run"}));
  EXPECT_EQ(args.GetOr("dealer-id", "?"), "vandijk");
  EXPECT_EQ(args.GetOr("queue-id", "?"), "bdc-nl");
  EXPECT_EQ(args.GetOr("dry-run", "?"), "true");
  EXPECT_FALSE(args.Has("dealer_id"));
  // Values are left alone.
  SV_ASSERT_OK_AND_ASSIGN(Args values, ParseArgs({"--name=my_campaign"}));
  EXPECT_EQ(values.GetOr("name", "?"), "my_campaign");
}

TEST(Args, CollectsWordsInOrder) {
  SV_ASSERT_OK_AND_ASSIGN(
      Args args,
      ParseArgs({"lead", "--json", "get", "--dealer", "vandijk", "42", "--", "-x"}, {"json"}));
  EXPECT_THAT(args.words(), ElementsAre("lead", "get", "42", "--", "-x"));
  EXPECT_EQ(args.GetOr("dealer", "?"), "vandijk");
}

TEST(Args, MissingValueIsAnError) {
  EXPECT_THAT(ParseArgs({"campaign", "create", "--name"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--name")));
}

TEST(Args, RequireNamesTheFlag) {
  SV_ASSERT_OK_AND_ASSIGN(Args args, ParseArgs({"--name=Spring", "--queue="}));
  SV_ASSERT_OK_AND_ASSIGN(std::string name, args.Require("name"));
  EXPECT_EQ(name, "Spring");
  EXPECT_THAT(args.Require("caller-id"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--caller-id")));
  // Given but empty counts as missing.
  EXPECT_THAT(args.Require("queue"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--queue")));
}

TEST(Args, GetIntParsesOrFallsBackOrNamesTheFlag) {
  SV_ASSERT_OK_AND_ASSIGN(Args args, ParseArgs({"--limit", "25", "--offset=-3", "--page=abc"}));
  SV_ASSERT_OK_AND_ASSIGN(int limit, args.GetInt("limit", 10));
  EXPECT_EQ(limit, 25);
  SV_ASSERT_OK_AND_ASSIGN(int offset, args.GetInt("offset", 0));
  EXPECT_EQ(offset, -3);
  SV_ASSERT_OK_AND_ASSIGN(int fallback, args.GetInt("size", 10));
  EXPECT_EQ(fallback, 10);
  EXPECT_THAT(args.GetInt("page", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--page")));
}

TEST(Args, OnlyFlagsNamesTheUnknownFlag) {
  SV_ASSERT_OK_AND_ASSIGN(Args args,
                          ParseArgs({"--name=x", "--colour=red", "--dealer_id=vandijk"}));
  EXPECT_THAT(args.OnlyFlags({"name", "colour", "dealer-id"}), IsOk());
  EXPECT_THAT(args.OnlyFlags({"name", "dealer-id"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--colour")));
  EXPECT_THAT(args.OnlyFlags({}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--name")));
}

TEST(Args, NoArgumentsIsFine) {
  SV_ASSERT_OK_AND_ASSIGN(Args args, ParseArgs({}));
  EXPECT_THAT(args.words(), IsEmpty());
  EXPECT_THAT(args.OnlyFlags({}), IsOk());
}

}  // namespace
}  // namespace secondvoice::cli
