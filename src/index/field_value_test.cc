#include "index/field_value.h"

#include <optional>

#include <gtest/gtest.h>

namespace sluice::index {
namespace {

constexpr int64_t k20020131_115312 = 1012477992000;  // 2002-01-31T11:53:12Z

TEST(ParseDateMsTest, ReadsIso8601WithAndWithoutMillisecondsAndZones) {
  EXPECT_EQ(ParseDateMs("2002-01-31T11:53:12Z"), k20020131_115312);
  EXPECT_EQ(ParseDateMs("2002-01-31 11:53:12.999Z"), k20020131_115312 + 999);
  EXPECT_EQ(ParseDateMs("2002-01-31T11:53:12.5Z"), k20020131_115312 + 500);
  EXPECT_EQ(ParseDateMs("2002-01-31T11:53:12.123456Z"), k20020131_115312 + 123);
  EXPECT_EQ(ParseDateMs("1989-06-13T12:00:00.000Z"), 613742400000);  // the JS client's form
  EXPECT_EQ(ParseDateMs("2002-01-31T11:53:12"), k20020131_115312);   // no zone: UTC
  EXPECT_EQ(ParseDateMs("2002-01-31T13:53:12+02:00"), k20020131_115312);
  EXPECT_EQ(ParseDateMs("2002-01-31T06:53:12-0500"), k20020131_115312);
  EXPECT_EQ(ParseDateMs("2002-01-31T12:53:12+01"), k20020131_115312);
  EXPECT_EQ(ParseDateMs("2002-01-31T11:53Z"), k20020131_115312 - 12000);
  EXPECT_EQ(ParseDateMs("2002-01-31"), k20020131_115312 - (11 * 3600 + 53 * 60 + 12) * 1000);
  EXPECT_EQ(ParseDateMs("  2002-01-31T11:53:12Z \n"), k20020131_115312);
}

TEST(ParseDateMsTest, ReadsSlashedDatesAndTheQuerySyntaxAtSign) {
  EXPECT_EQ(ParseDateMs("2002/01/31 11:53:12"), k20020131_115312);
  EXPECT_EQ(ParseDateMs("2002/01/31@11:53:12"), k20020131_115312);
  EXPECT_EQ(ParseDateMs("2002/1/31 11:53:12"), k20020131_115312);
  EXPECT_EQ(ParseDateMs("2020/01/01"), 1577836800000);
}

TEST(ParseDateMsTest, ReadsHttpDateForms) {
  EXPECT_EQ(ParseDateMs("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);   // RFC 1123
  EXPECT_EQ(ParseDateMs("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777000);  // RFC 850
  EXPECT_EQ(ParseDateMs("Mon, 01-Jan-70 12:00:00 GMT"), 43200000);         // RFC 850
  EXPECT_EQ(ParseDateMs("Sun Nov  6 08:49:37 1994"), 784111777000);        // asctime
  EXPECT_EQ(ParseDateMs("Sun Nov 27 08:49:37 1994"), 785926177000);        // asctime
  EXPECT_EQ(ParseDateMs("1 Sep 85 09:54:48 GMT"), 494416488000);           // RFC 822
  EXPECT_EQ(ParseDateMs("Sunday, 02/17/02 20:01:03 EST"), 1013994063000);  // m/d/y
  EXPECT_EQ(ParseDateMs("Nov 29 2002 7:30PM"), 1038598200000);
  EXPECT_EQ(ParseDateMs("Nov 29 2002 7:30 pm"), 1038598200000);
  EXPECT_EQ(ParseDateMs("Nov 29 2002 12:00AM"), 1038528000000);  // midnight
  EXPECT_EQ(ParseDateMs("Nov 29 2002 12:00PM"), 1038571200000);  // noon
  EXPECT_EQ(ParseDateMs("sun, 06 nov 1994 08:49:37 gmt"), 784111777000);
  EXPECT_EQ(ParseDateMs("Sun, 06 Nov 1994 03:49:37 EST"), 784111777000);
  EXPECT_EQ(ParseDateMs("Sun, 06 Nov 1994 00:49:37 PST"), 784111777000);
  EXPECT_EQ(ParseDateMs("Sun, 06 Nov 1994 09:49:37 +0100"), 784111777000);
  EXPECT_EQ(ParseDateMs("06 November 1994 08:49:37 UTC"), 784111777000);
}

TEST(ParseDateMsTest, ReadsEpochMilliseconds) {
  EXPECT_EQ(ParseDateMs("1376092475000"), 1376092475000);
  EXPECT_EQ(ParseDateMs("0"), 0);
  EXPECT_EQ(ParseDateMs("-1000"), -1000);
}

TEST(ParseDateMsTest, ChecksCalendarAndClock) {
  EXPECT_EQ(ParseDateMs("2024-02-29"), 1709164800000);  // leap year
  EXPECT_EQ(ParseDateMs("1900-03-01"), -2203891200000);
  EXPECT_EQ(ParseDateMs("2023-02-29"), std::nullopt);
  EXPECT_EQ(ParseDateMs("1900-02-29"), std::nullopt);  // not a leap year
  EXPECT_EQ(ParseDateMs("2002-13-01"), std::nullopt);
  EXPECT_EQ(ParseDateMs("2002-00-10"), std::nullopt);
  EXPECT_EQ(ParseDateMs("2002-04-31"), std::nullopt);
  EXPECT_EQ(ParseDateMs("2002-01-31T24:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseDateMs("2002-01-31T11:60:00Z"), std::nullopt);
  EXPECT_EQ(ParseDateMs("Nov 29 2002 13:30PM"), std::nullopt);
}

TEST(ParseDateMsTest, RejectsTextThatIsNotADate) {
  for (const char* text :
       {"", " ", "yesterday", "2002-01-31T11:53:12Q", "2002-01-31T11:53:12Z trailing",
        "2002-01-31-11:53", "Sun, 06 Foo 1994 08:49:37 GMT", "06 Nov 199 08:49:37 GMT",
        "Nov 29 2002", "12.5", "1e3", "--5", "2002-01-31T11", "Sun, 06 Nov 1994 08:49:37 XYZ",
        "1234567890123456789"}) {
    EXPECT_EQ(ParseDateMs(text), std::nullopt) << text;
  }
}

TEST(ParseFieldNumberTest, ReadsValuesByKind) {
  EXPECT_EQ(ParseFieldNumber(FieldKind::kLong, "42"), 42.0);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kLong, "-7"), -7.0);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kLong, "+7"), 7.0);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kLong, "5E0"), 5.0);  // a JSON 5.0 as Boost writes it
  EXPECT_EQ(ParseFieldNumber(FieldKind::kLong, "5.5"), std::nullopt);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kLong64, "9007199254740992"), 9007199254740992.0);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDouble, "5.5E0"), 5.5);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDouble, " 0.25 "), 0.25);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDouble, "1e400"), std::nullopt);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDouble, "nan"), std::nullopt);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDouble, "12abc"), std::nullopt);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDouble, ""), std::nullopt);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDate, "2002-01-31T11:53:12Z"),
            static_cast<double>(k20020131_115312));
  EXPECT_EQ(ParseFieldNumber(FieldKind::kDate, "soon"), std::nullopt);
  EXPECT_EQ(ParseFieldNumber(FieldKind::kString, "42"), std::nullopt);
}

TEST(ParseQueryNumberTest, ReadsNumbersThenDates) {
  EXPECT_EQ(ParseQueryNumber("5"), 5.0);
  EXPECT_EQ(ParseQueryNumber("2.5"), 2.5);
  EXPECT_EQ(ParseQueryNumber("2002/01/31@11:53:12"), static_cast<double>(k20020131_115312));
  EXPECT_EQ(ParseQueryNumber("cheap"), std::nullopt);
}

TEST(FieldKindFromTypeTest, MapsCatalogTypes) {
  EXPECT_EQ(FieldKindFromType("LONG"), FieldKind::kLong);
  EXPECT_EQ(FieldKindFromType("long_64"), FieldKind::kLong64);
  EXPECT_EQ(FieldKindFromType("DOUBLE"), FieldKind::kDouble);
  EXPECT_EQ(FieldKindFromType("DATE"), FieldKind::kDate);
  EXPECT_EQ(FieldKindFromType("STRING"), FieldKind::kString);
  EXPECT_EQ(FieldKindFromType("VECTOR"), FieldKind::kString);
  EXPECT_TRUE(IsNumericKind(FieldKind::kDate));
  EXPECT_FALSE(IsNumericKind(FieldKind::kString));
}

TEST(FieldValueTest, RelativeDates) {
  constexpr int64_t kNow = 1773576000000;    // 2026-03-15T12:00:00Z
  constexpr int64_t kToday = 1773532800000;  // 2026-03-15T00:00:00Z
  constexpr int64_t kDay = 86400000;
  EXPECT_EQ(ParseRelativeDateMs("now", kNow), kNow);
  EXPECT_EQ(ParseRelativeDateMs("Today", kNow), kToday);
  EXPECT_EQ(ParseRelativeDateMs("yesterday", kNow), kToday - kDay);
  EXPECT_EQ(ParseRelativeDateMs("now-90m", kNow), kNow - 90 * 60000);
  EXPECT_EQ(ParseRelativeDateMs("today+2w", kNow), kToday + 14 * kDay);
  EXPECT_EQ(ParseRelativeDateMs("now-1h", kNow), kNow - 3600000);
  EXPECT_EQ(ParseRelativeDateMs("today-1mo", kNow), 1771113600000);  // 2026-02-15
  EXPECT_EQ(ParseRelativeDateMs("today-1y", kNow), 1741996800000);   // 2025-03-15
  // 2024-03-31 minus a month is 2024-02-29, the last day February has.
  EXPECT_EQ(ParseRelativeDateMs("today-1mo", 1711843200000), 1709164800000);
  EXPECT_EQ(ParseRelativeDateMs("now-", kNow), std::nullopt);
  EXPECT_EQ(ParseRelativeDateMs("now-3", kNow), std::nullopt);
  EXPECT_EQ(ParseRelativeDateMs("tomorrow", kNow), std::nullopt);
  EXPECT_EQ(ParseRelativeDateMs("now*2d", kNow), std::nullopt);
}

}  // namespace
}  // namespace sluice::index
