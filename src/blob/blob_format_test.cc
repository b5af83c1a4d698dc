#include "blob/blob_format.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/random.h"
#include "blob/blob_store.h"

namespace sluice::blob {
namespace {

namespace fs = std::filesystem;
using base::StatusCode;

TEST(BlobKeyTest, AcceptsWellFormedKeys) {
  for (const std::string& key : std::vector<std::string>{
           "a", "uploads/2024/file-1.bin", "A.b_c-D/0", "..a/b..", std::string(512, 'k')}) {
    EXPECT_TRUE(ValidateBlobKey(key).ok()) << key << ": " << ValidateBlobKey(key).ToString();
  }
}

TEST(BlobKeyTest, RejectsMalformedKeys) {
  const std::string bad[] = {"",    "../x", "a//b", "a/./b", std::string(513, 'k'),
                             "/a",  "a/",   ".",    "..",    "a/..",
                             "a b", "a\\b", "é",    "a\nb",  std::string("a\0b", 3)};
  for (const std::string& key : bad) {
    base::Status status = ValidateBlobKey(key);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << "key '" << key << "'";
  }
}

TEST(BlobKeyTest, ErrorSaysWhatAndWhere) {
  EXPECT_NE(ValidateBlobKey("ab/c d").message().find("0x20 at offset 4"), std::string::npos)
      << ValidateBlobKey("ab/c d").message();
  EXPECT_NE(ValidateBlobKey("a//b").message().find("empty segment at offset 2"), std::string::npos)
      << ValidateBlobKey("a//b").message();
  EXPECT_NE(ValidateBlobKey(std::string(513, 'k')).message().find("513"), std::string::npos);
}

TEST(BlobFormatTest, HeaderRoundTripsAndRejectsForeignFiles) {
  format::Salt salt{};
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<unsigned char>(i * 7 + 1);
  format::Header header = format::MakeHeader(salt);
  EXPECT_EQ(std::string(header.begin(), header.begin() + 8), "SLUICEBL");
  // version 1 and chunk size 65536, both big-endian
  EXPECT_EQ(std::string(header.begin() + 8, header.begin() + 16),
            std::string("\0\0\0\1\0\1\0\0", 8));
  auto parsed = format::ParseHeader(header, "blob 'k'");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, salt);

  format::Header wrong_magic = header;
  wrong_magic[0] = 'X';
  EXPECT_EQ(format::ParseHeader(wrong_magic, "blob 'k'").status().code(), StatusCode::kDataLoss);
  format::Header wrong_version = header;
  wrong_version[11] = 2;
  auto version_error = format::ParseHeader(wrong_version, "blob 'k'").status();
  EXPECT_EQ(version_error.code(), StatusCode::kDataLoss);
  EXPECT_NE(version_error.message().find("version 2"), std::string::npos)
      << version_error.message();
  format::Header wrong_chunk_size = header;
  wrong_chunk_size[13] = 2;
  EXPECT_EQ(format::ParseHeader(wrong_chunk_size, "blob 'k'").status().code(),
            StatusCode::kDataLoss);
}

TEST(BlobFormatTest, NonceIsBigEndianCounter) {
  format::Nonce nonce = format::ChunkNonce(0x0102030405060708ull);
  EXPECT_EQ(std::string(nonce.begin(), nonce.end()),
            std::string("\0\0\0\0\x01\x02\x03\x04\x05\x06\x07\x08", 12));
}

TEST(BlobFormatTest, AadIsHeaderIndexAndFinalFlag) {
  format::Header header = format::MakeHeader(format::Salt{});
  format::Aad aad = format::ChunkAad(header, 258, true);
  EXPECT_TRUE(std::equal(header.begin(), header.end(), aad.begin()));
  EXPECT_EQ(std::string(aad.begin() + 48, aad.end()), std::string("\0\0\0\0\0\0\x01\x02\x01", 9));
  EXPECT_EQ(format::ChunkAad(header, 258, false).back(), 0);
}

TEST(BlobFormatTest, LayoutFollowsFileSize) {
  constexpr uint64_t kChunk = 65536 + 16;
  struct Case {
    uint64_t file_size, chunks, final_size, plaintext;
  };
  const Case cases[] = {
      {48 + 16, 1, 0, 0},
      {48 + 17, 1, 1, 1},
      {48 + kChunk, 1, 65536, 65536},
      {48 + kChunk + 17, 2, 1, 65537},
      {48 + 3 * kChunk, 3, 65536, 3 * 65536},
  };
  for (const Case& c : cases) {
    auto layout = format::LayoutForFileSize(c.file_size, "blob 'k'");
    ASSERT_TRUE(layout.ok()) << c.file_size << ": " << layout.status().ToString();
    EXPECT_EQ(layout->chunk_count, c.chunks) << c.file_size;
    EXPECT_EQ(layout->final_chunk_plaintext_size, c.final_size) << c.file_size;
    EXPECT_EQ(layout->plaintext_size, c.plaintext) << c.file_size;
  }
  for (uint64_t bad : {uint64_t{0}, uint64_t{47}, uint64_t{48}, uint64_t{48 + 15}, 48 + kChunk + 1,
                       48 + kChunk + 15}) {
    EXPECT_EQ(format::LayoutForFileSize(bad, "blob 'k'").status().code(), StatusCode::kDataLoss)
        << bad;
  }
  EXPECT_EQ(format::Layout::ChunkOffset(2), 48 + 2 * kChunk);
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("blob_key_test_" + base::NewUuid());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(KeyFileTest, CreatesPrivateKeyOnceAndReloadsIt) {
  const fs::path path = dir_ / "keys" / "master.key";
  auto created = LoadOrCreateKeyFile(path);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_NE(*created, MasterKey{}) << "key must be random, not zero";

  auto reloaded = LoadOrCreateKeyFile(path);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ(*reloaded, *created);
  auto on_disk = base::ReadFile(path);
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(*on_disk, std::string(created->begin(), created->end()));
  // Only the key file remains: the temp file used to create it is gone.
  EXPECT_EQ(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()), 1);

  auto other = LoadOrCreateKeyFile(dir_ / "keys" / "other.key");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *created);
}

TEST_F(KeyFileTest, WrongSizeIsDataLossAndNotOverwritten) {
  ASSERT_TRUE(base::MakeDirs(dir_).ok());
  const fs::path path = dir_ / "master.key";
  ASSERT_TRUE(base::WriteFileAtomic(path, std::string(31, 'x'), 0600).ok());
  auto loaded = LoadOrCreateKeyFile(path);
  EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(loaded.status().message().find("31 bytes"), std::string::npos)
      << loaded.status().message();
  EXPECT_EQ(*base::ReadFile(path), std::string(31, 'x'));
}

}  // namespace
}  // namespace sluice::blob
