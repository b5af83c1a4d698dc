#include "extract/xml_extractor.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "extract/test_util.h"

namespace sluice::extract {
namespace {

using testing_util::Extract;

// "Billion laughs": ten levels of ten references each. Expanded it would be 3 GB of "lol";
// Sluice never expands an entity, so it finishes at once with the document's own text.
TEST(XmlExtractorTest, EntityBombDoesNotExpand) {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int level = 1; level <= 9; ++level) {
    xml += "<!ENTITY lol" + std::to_string(level) + " \"";
    const std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
    for (int i = 0; i < 10; ++i) xml += "&" + previous + ";";
    xml += "\">\n";
  }
  xml += "]>\n<lolz>before &lol9; after</lolz>";
  const auto started = std::chrono::steady_clock::now();
  auto text = Extract(".xml", xml);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "before after");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// An external entity (XXE) naming a local file is never read.
TEST(XmlExtractorTest, ExternalEntityIsNotLoaded) {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE data [\n<!ENTITY secret SYSTEM "
      "\"file:///etc/passwd\">\n]>\n<data>start &secret; end</data>";
  auto text = Extract(".xml", xml);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "start end");
  EXPECT_EQ(text->body.find("root:"), std::string::npos);
}

TEST(XmlExtractorTest, ParameterEntityIsNotLoaded) {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE data [<!ENTITY % pe SYSTEM \"file:///etc/passwd\"> "
      "%pe;]>\n<data>after the dtd</data>";
  auto text = Extract(".xml", xml);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "after the dtd");
  EXPECT_TRUE(text->warnings.empty()) << text->warnings.front();
}

TEST(XmlExtractorTest, ExternalDtdIsNotFetched) {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE data SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n"
      "<data>text &undeclared; more</data>";
  auto text = Extract(".xml", xml);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "text more");
}

// Ten thousand nested elements: the SAX parser keeps no tree, so all the text comes out.
TEST(XmlExtractorTest, DeepNestingIsReadWhole) {
  std::string xml = "<?xml version=\"1.0\"?>";
  for (int i = 0; i < 10'000; ++i) xml += "<d>w" + std::to_string(i) + " ";
  for (int i = 0; i < 10'000; ++i) xml += "</d>";
  auto text = Extract(".xml", xml);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_TRUE(text->body.starts_with("w0 w1 w2 ")) << text->body.substr(0, 40);
  EXPECT_TRUE(text->body.ends_with("w9998 w9999")) << text->warnings.size();
  EXPECT_TRUE(text->warnings.empty());
}

TEST(XmlExtractorTest, MalformedXmlKeepsTheTextBeforeTheError) {
  auto text = Extract(".xml", "<a>one <b>two</a> three");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "one two");
  ASSERT_EQ(text->warnings.size(), 1u);
  EXPECT_TRUE(text->warnings[0].ends_with("the text after it was not extracted"));
}

// The declared encoding is honoured: ISO-8859-1 bytes come out as UTF-8.
TEST(XmlExtractorTest, DeclaredEncodingIsConverted) {
  auto text =
      Extract(".xml", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><p>caf\xe9 na\xefve</p>");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "caf\xc3\xa9 na\xc3\xafve");
}

}  // namespace
}  // namespace sluice::extract
