#include "codec/compression.h"

#include <gtest/gtest.h>

namespace sluice::codec {
namespace {

TEST(CompressionTest, ParsesWireNamesInAnyCase) {
  struct Case {
    std::string_view name;
    Compression expected;
  };
  for (const Case& c :
       {Case{"UNCOMPRESSED", Compression::kUncompressed},
        Case{"Uncompressed", Compression::kUncompressed}, Case{"ZLIB", Compression::kZlib},
        Case{"ZLib", Compression::kZlib}, Case{"GZIP", Compression::kGzip},
        Case{"GZip", Compression::kGzip}, Case{"gzip", Compression::kGzip},
        Case{"DEFLATE", Compression::kDeflate}, Case{"Deflate", Compression::kDeflate},
        Case{"LZMA", Compression::kLzma}, Case{"lzma", Compression::kLzma}}) {
    auto parsed = ParseCompression(c.name);
    ASSERT_TRUE(parsed.ok()) << c.name << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, c.expected) << c.name;
  }
}

TEST(CompressionTest, NameRoundTripsThroughParse) {
  for (Compression c : {Compression::kUncompressed, Compression::kZlib, Compression::kGzip,
                        Compression::kDeflate, Compression::kLzma}) {
    auto parsed = ParseCompression(CompressionName(c));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(CompressionName(Compression::kGzip), "GZIP");
}

TEST(CompressionTest, RejectsUnknownNameListingAcceptedOnes) {
  for (std::string_view bad : {"BROTLI", "", "ZLIB ", "gz"}) {
    auto parsed = ParseCompression(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("'" + std::string(bad) + "'"), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("UNCOMPRESSED, ZLIB, GZIP, DEFLATE, LZMA"),
              std::string::npos)
        << parsed.status().message();
  }
}

TEST(CompressionTest, SniffsBatchFilesByTheirMagicBytes) {
  EXPECT_EQ(SniffCompression("\x1f\x8b\x08"), Compression::kGzip);
  EXPECT_EQ(SniffCompression("\x78\x9c"), Compression::kZlib);
  EXPECT_EQ(SniffCompression("\x78\x9d"), Compression::kUncompressed);  // fails the check
  EXPECT_EQ(SniffCompression("{\"addOrUpdate\":[]}"), Compression::kUncompressed);
  EXPECT_EQ(SniffCompression(""), Compression::kUncompressed);
}

}  // namespace
}  // namespace sluice::codec
