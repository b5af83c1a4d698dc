#include <cstddef>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "web/assets.h"
#include "web/embedded_files.h"

// Generated from src/web/testdata by the same script that embeds web/.
namespace sluice::web::testdata {
std::span<const internal::EmbeddedFile> EmbeddedFiles();
}  // namespace sluice::web::testdata

namespace sluice::web {
namespace {

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kJavaScript = "application/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";

std::string ReadSourceFile(const std::string& name) {
  std::ifstream in(std::string(SLUICE_WEB_SOURCE_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open web/" << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const internal::EmbeddedFile* FindTestFile(std::string_view path) {
  for (const internal::EmbeddedFile& file : testdata::EmbeddedFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

// The values of every `attribute="..."` in `html`.
std::vector<std::string> AttributeValues(std::string_view html, std::string_view attribute) {
  std::vector<std::string> values;
  const std::string opening = " " + std::string(attribute) + "=\"";
  for (size_t at = html.find(opening); at != std::string_view::npos;
       at = html.find(opening, at + 1)) {
    const size_t start = at + opening.size();
    const size_t end = html.find('"', start);
    if (end == std::string_view::npos) break;
    values.emplace_back(html.substr(start, end - start));
  }
  return values;
}

TEST(FindAssetTest, RootIsTheContentBrowserPage) {
  const Asset* page = FindAsset("/");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->content_type, kHtml);
  EXPECT_NE(page->body.find("Sluice Content Browser"), std::string_view::npos);
  EXPECT_EQ(FindAsset("/index.html"), page);
}

TEST(FindAssetTest, ScriptAndStyleSheetHaveTheirContentTypes) {
  const Asset* script = FindAsset("/app.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->content_type, kJavaScript);
  EXPECT_NE(script->body.find("'use strict'"), std::string_view::npos);

  const Asset* style = FindAsset("/style.css");
  ASSERT_NE(style, nullptr);
  EXPECT_EQ(style->content_type, kCss);
}

TEST(FindAssetTest, UnknownPathsAreNotFound) {
  for (std::string_view path : {"", "app.js", "/app.js/", "/App.js", "/app.js?v=1", "/missing.js",
                                "/../web/app.js", "//app.js", "/index.htm"}) {
    EXPECT_EQ(FindAsset(path), nullptr) << path;
  }
}

TEST(FindAssetTest, EmbeddedBytesEqualTheFilesInWebFolder) {
  for (const char* name : {"index.html", "app.js", "style.css"}) {
    const Asset* asset = FindAsset(std::string("/") + name);
    ASSERT_NE(asset, nullptr) << name;
    EXPECT_EQ(asset->body, ReadSourceFile(name)) << name;
  }
}

TEST(FindAssetTest, PageLoadsOnlyEmbeddedSameOriginFiles) {
  const std::string_view html = FindAsset("/")->body;
  std::vector<std::string> references = AttributeValues(html, "src");
  for (std::string& href : AttributeValues(html, "href")) references.push_back(href);
  ASSERT_FALSE(references.empty());
  for (const std::string& reference : references) {
    if (reference.starts_with("#") || reference == "data:,") continue;
    EXPECT_NE(FindAsset(reference), nullptr)
        << "index.html refers to " << reference << ", which is not an embedded file";
  }
}

TEST(EmbedFilesTest, EveryByteValueSurvivesEmbedding) {
  const internal::EmbeddedFile* file = FindTestFile("/all_bytes.bin");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(file->asset.body.size(), 256u);
  for (size_t i = 0; i < 256; ++i) {
    EXPECT_EQ(static_cast<unsigned char>(file->asset.body[i]), i) << "byte " << i;
  }
  EXPECT_EQ(file->asset.content_type, "application/octet-stream");
}

TEST(EmbedFilesTest, EmptyAndNestedFilesAreEmbeddedUnderTheirRelativePath) {
  const internal::EmbeddedFile* empty = FindTestFile("/empty.txt");
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->asset.body.empty());
  EXPECT_EQ(empty->asset.content_type, "text/plain; charset=utf-8");

  const internal::EmbeddedFile* nested = FindTestFile("/nested/tiny.css");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->asset.body, "p { color: red; }\n");
  EXPECT_EQ(nested->asset.content_type, kCss);
  EXPECT_EQ(testdata::EmbeddedFiles().size(), 3u);
}

TEST(ContentTypeTest, FollowsTheExtension) {
  EXPECT_EQ(internal::ContentTypeForFileName("index.html"), kHtml);
  EXPECT_EQ(internal::ContentTypeForFileName("a/b.js"), kJavaScript);
  EXPECT_EQ(internal::ContentTypeForFileName("style.css"), kCss);
  EXPECT_EQ(internal::ContentTypeForFileName("logo.svg"), "image/svg+xml");
  EXPECT_EQ(internal::ContentTypeForFileName("app.js.map"), "application/octet-stream");
  EXPECT_EQ(internal::ContentTypeForFileName("README"), "application/octet-stream");
}

}  // namespace
}  // namespace sluice::web
