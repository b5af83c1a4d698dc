#include "index/field_query.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// 2026-03-15T12:00:00Z, what relative dates count from here.
constexpr int64_t kNowMs = 1773576000000;

FieldQueryText Extract(std::string_view query) {
  return ExtractFieldExpressions(query, "fx", kNowMs);
}

// The one expression of `query`, which must have exactly one.
FieldExpression Only(std::string_view query) {
  FieldQueryText text = Extract(query);
  EXPECT_EQ(text.expressions.size(), 1u) << query;
  return text.expressions.empty() ? FieldExpression{} : text.expressions.front();
}

TEST(FieldQueryTest, ReadsEachOperator) {
  struct Case {
    std::string query;
    FieldOperator op;
    std::vector<std::string> values;
  };
  const std::vector<Case> cases = {
      {"@author==bob", FieldOperator::kEqual, {"bob"}},
      {"@author=bob", FieldOperator::kEqual, {"bob"}},
      {"@author<>bob", FieldOperator::kNotEqual, {"bob"}},
      {"@author!=bob", FieldOperator::kNotEqual, {"bob"}},
      {"@price>5", FieldOperator::kGreater, {"5"}},
      {"@price>=5", FieldOperator::kGreaterOrEqual, {"5"}},
      {"@price<5.5", FieldOperator::kLess, {"5.5"}},
      {"@price<=-2", FieldOperator::kLessOrEqual, {"-2"}},
      {"@price==1..10", FieldOperator::kRange, {"1", "10"}},
      {"@day==2020/01/01@00:00:00..2020/12/31",
       FieldOperator::kRange,
       {"2020/01/01@00:00:00", "2020/12/31"}},
      {"@day==\"2002/01/31 11:53:12\"..\"2003/01/31 00:00:00\"",
       FieldOperator::kRange,
       {"2002/01/31 11:53:12", "2003/01/31 00:00:00"}},
      {"@author", FieldOperator::kPresent, {}},
      {"@author==\"Bob Smith\"", FieldOperator::kEqual, {"Bob Smith"}},
      {"@author==\"\"", FieldOperator::kEqual, {""}},
      {"@author==(bob, \"Ann Lee\",carl)", FieldOperator::kEqual, {"bob", "Ann Lee", "carl"}},
      {"@author<>(bob,carl)", FieldOperator::kNotEqual, {"bob", "carl"}},
      {"@Sys_Author2==X", FieldOperator::kEqual, {"X"}},
  };
  for (const Case& c : cases) {
    FieldExpression expression = Only(c.query);
    EXPECT_EQ(expression.op, c.op) << c.query;
    EXPECT_EQ(expression.values, c.values) << c.query;
  }
  EXPECT_EQ(Only("@Sys_Author2==X").name, "sys_author2");
}

TEST(FieldQueryTest, ReplacesExpressionsAndKeepsTheRest) {
  FieldQueryText text =
      Extract("report (@author==bob OR @author==\"ann lee\") -@draft NOT @price>5 \"a @b\"");
  EXPECT_EQ(text.text, "report (fx:0  OR fx:1 ) -fx:2  NOT fx:3  \"a @b\"");
  EXPECT_EQ(text.words, "report (  OR  ) -  NOT   \"a @b\"");
  ASSERT_EQ(text.expressions.size(), 4u);
  EXPECT_EQ(text.expressions[0].name, "author");
  EXPECT_EQ(text.expressions[1].values, std::vector<std::string>{"ann lee"});
  EXPECT_EQ(text.expressions[2].op, FieldOperator::kPresent);
  EXPECT_EQ(text.expressions[3].op, FieldOperator::kGreater);
}

TEST(FieldQueryTest, LeavesTextThatIsNotAnExpression) {
  for (std::string_view query :
       {"mail me@example.com", "@", "@ author", "@1abc==x", "@author==", "@author==(bob",
        "@author==\"open", "@price>(1,2)", "@author.name"}) {
    FieldQueryText text = Extract(query);
    EXPECT_THAT(text.expressions, IsEmpty()) << query;
    EXPECT_EQ(text.text, query);
  }
}

TEST(FieldQueryTest, HasWordsIgnoresOperatorsAndSigns) {
  EXPECT_FALSE(HasWords(""));
  EXPECT_FALSE(HasWords("(  OR  ) -  NOT  + \"\""));
  EXPECT_TRUE(HasWords("( report OR )"));
  EXPECT_TRUE(HasWords("-draft"));
  EXPECT_TRUE(HasWords("or"));  // lower case: a word, as the query parser reads it
}

TEST(FieldQueryTest, RelativeDatesBecomeEpochMs) {
  FieldQueryText text = Extract("@date>=today-7d @date<now @date==yesterday..today+1d");
  ASSERT_TRUE(text.error.empty()) << text.error;
  ASSERT_EQ(text.expressions.size(), 3u);
  constexpr int64_t kToday = 1773532800000;  // 2026-03-15T00:00:00Z
  constexpr int64_t kDay = 86400000;
  EXPECT_EQ(text.expressions[0].values[0], std::to_string(kToday - 7 * kDay));
  EXPECT_EQ(text.expressions[1].values[0], std::to_string(kNowMs));
  EXPECT_EQ(text.expressions[2].values[0], std::to_string(kToday - kDay));
  EXPECT_EQ(text.expressions[2].values[1], std::to_string(kToday + kDay));
  EXPECT_THAT(Extract("@date>today-7x").error, HasSubstr("\"today-7x\" is not a number or a date"));
}

}  // namespace
}  // namespace sluice::index
