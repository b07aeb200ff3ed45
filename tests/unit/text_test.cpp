#include "runtime/crypto.h"
#include "runtime/text.h"

#include <gtest/gtest.h>

namespace infra_dod {

TEST(Text, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xfb\xff", true, false), "-_8");
}

TEST(Text, Base64DecodesWhatItEncodes) {
  for (const std::string s : {"", "f", "fo", "foo", "sk-lf-sandbox-secret-0001"}) EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_decode(base64_encode("\xfb\xff", true, false)), "\xfb\xff");
  EXPECT_FALSE(base64_decode("not base64!"));
}

TEST(Text, Sha256OfEmptyStringIsTheKnownDigest) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Text, SplitListTrimsAndDropsEmptyParts) {
  EXPECT_EQ(split_list(" a, b ,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_list("").empty());
}

TEST(Text, DropSourceLocationRemovesGtestsFileLinePrefix) {
  EXPECT_EQ(drop_source_location("/src/suites/x.cpp:24\nopt-in: set X=1 to run"), "opt-in: set X=1 to run");
  EXPECT_EQ(drop_source_location("no location here"), "no location here");
}

TEST(Text, DropSourceLocationKeepsWhatFollowsTheLastLineNumberOfTheFirstLine) {
  EXPECT_EQ(drop_source_location("x.cpp:24: Failure\nmore"), ": Failure\nmore");
  EXPECT_EQ(drop_source_location("a:1:2:3\nrest"), "rest");
  EXPECT_EQ(drop_source_location("time 10:30 is not a location:\nrest"), "is not a location:\nrest");
  EXPECT_EQ(drop_source_location("first line\nx.cpp:24\nrest"), "first line\nx.cpp:24\nrest");
}

// Defect 12: std::regex recursed per character and a 100,000-character line crashed the report.
TEST(Text, DropSourceLocationSurvivesAHundredThousandCharacterLine) {
  const std::string line(100000, 'a');
  EXPECT_EQ(drop_source_location(line), line);
  EXPECT_EQ(drop_source_location(line + ":12\nrest"), "rest");
}

TEST(Text, UtcStampsAreIso8601WithZone) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'800'000'000'123));
  EXPECT_EQ(utc_iso(t), "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(utc_compact(t), "20270115T080000Z");
}

}  // namespace infra_dod
