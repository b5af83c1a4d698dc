#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/fs.h"
#include "base/random.h"
#include "blob/blob_store.h"

namespace sluice::blob {
namespace {

namespace fs = std::filesystem;
using base::StatusCode;

constexpr size_t kChunk = 65536;
constexpr size_t kTag = 16;
constexpr size_t kHeader = 48;
constexpr size_t kSealedChunk = kChunk + kTag;

MasterKey RandomMasterKey() {
  MasterKey key;
  base::RandomBytes(std::as_writable_bytes(std::span(key)));
  return key;
}

std::string PseudoRandomBytes(size_t size, uint32_t seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(generator());
  return out;
}

// Independent of the store's incremental hasher: one-shot EVP_Digest.
std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr), 1);
  return base::HexEncode(std::string_view(reinterpret_cast<char*>(digest), length));
}

std::string ReadRaw(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteRaw(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<fs::path> RegularFilesUnder(const fs::path& root) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

// Feeds `data` in appends whose sizes cycle through awkward values.
base::Result<BlobInfo> WriteBlob(BlobStore& store, std::string_view key, std::string_view data) {
  static constexpr size_t kAppendSizes[] = {1, 7, 4099, 65537, 333, 131071, 0};
  SLUICE_ASSIGN_OR_RETURN(auto writer, store.Create(key));
  size_t offset = 0;
  for (size_t i = 0; offset < data.size(); ++i) {
    size_t take = std::min(kAppendSizes[i % std::size(kAppendSizes)], data.size() - offset);
    SLUICE_RETURN_IF_ERROR(writer->Append(data.substr(offset, take)));
    offset += take;
  }
  return writer->Commit();
}

// Reads with buffer sizes that straddle chunk boundaries; the first error wins,
// whether Open or a Read reports it.
base::Result<std::string> ReadBlob(BlobStore& store, std::string_view key) {
  static constexpr size_t kBufferSizes[] = {1, 13, 70001, 4097, 65536};
  SLUICE_ASSIGN_OR_RETURN(auto reader, store.Open(key));
  std::string out;
  std::vector<char> buffer(70001);
  for (size_t i = 0;; ++i) {
    SLUICE_ASSIGN_OR_RETURN(size_t n,
                            reader->Read(buffer.data(), kBufferSizes[i % std::size(kBufferSizes)]));
    if (n == 0) break;
    out.append(buffer.data(), n);
  }
  if (out.size() != reader->size()) {
    return base::Internal("read " + std::to_string(out.size()) + " bytes but size() says " +
                          std::to_string(reader->size()));
  }
  return out;
}

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("blob_store_test_" + base::NewUuid());
    master_key_ = RandomMasterKey();
    auto store = OpenLocalBlobStore(root_, master_key_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { fs::remove_all(root_); }

  // The one blob file in the store (tests that use it store a single blob).
  fs::path OnlyBlobFile() {
    auto files = RegularFilesUnder(root_ / "blobs");
    EXPECT_EQ(files.size(), 1u);
    return files.empty() ? fs::path() : files.front();
  }

  void ExpectDataLoss(std::string_view key, std::string_view expected_detail,
                      std::string_view context) {
    auto read = ReadBlob(*store_, key);
    ASSERT_EQ(read.status().code(), StatusCode::kDataLoss)
        << context << ": " << read.status().ToString();
    EXPECT_NE(read.status().message().find("'" + std::string(key) + "'"), std::string::npos)
        << read.status().message();
    EXPECT_NE(read.status().message().find(expected_detail), std::string::npos)
        << context << ": " << read.status().message();
  }

  fs::path root_;
  MasterKey master_key_;
  std::unique_ptr<BlobStore> store_;
};

class RoundTripTest : public LocalBlobStoreTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(RoundTripTest, ReadsBackWhatWasWritten) {
  const size_t size = GetParam();
  const std::string data = PseudoRandomBytes(size, static_cast<uint32_t>(size));
  auto info = WriteBlob(*store_, "uploads/file.bin", data);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, size);
  EXPECT_EQ(info->sha256_hex, Sha256Hex(data));

  auto read = ReadBlob(*store_, "uploads/file.bin");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->size(), size);
  EXPECT_TRUE(*read == data) << "contents differ";

  const size_t chunks = std::max<size_t>(1, (size + kChunk - 1) / kChunk);
  EXPECT_EQ(fs::file_size(OnlyBlobFile()), kHeader + chunks * kTag + size);
  EXPECT_TRUE(fs::is_empty(root_ / "tmp"));
}

INSTANTIATE_TEST_SUITE_P(Sizes, RoundTripTest,
                         ::testing::Values(0, 1, 65535, 65536, 65537, 5 * 1000 * 1000));

TEST_F(LocalBlobStoreTest, Sha256MatchesPublishedVector) {
  auto info = WriteBlob(*store_, "abc", "abc");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Decrypts a stored file following only the README's description of the format,
// so the documentation and the code cannot drift apart.
TEST_F(LocalBlobStoreTest, FileFollowsDocumentedFormat) {
  const std::string data = PseudoRandomBytes(150000, 3);
  ASSERT_TRUE(WriteBlob(*store_, "doc", data).ok());
  const std::string file = ReadRaw(OnlyBlobFile());
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  ASSERT_EQ(file.substr(0, 16), std::string("SLUICEBL\0\0\0\1\0\1\0\0", 16));

  // HKDF-SHA256 (RFC 5869) by hand: PRK = HMAC(salt, master); OKM = HMAC(PRK, info || 0x01).
  unsigned char prk[32];
  unsigned int length = 0;
  ASSERT_NE(HMAC(EVP_sha256(), bytes + 16, 32, master_key_.data(), 32, prk, &length), nullptr);
  const std::string info = std::string("sluice blob v1") + '\x01';
  unsigned char blob_key[32];
  ASSERT_NE(HMAC(EVP_sha256(), prk, 32, reinterpret_cast<const unsigned char*>(info.data()),
                 info.size(), blob_key, &length),
            nullptr);

  std::string plaintext;
  const size_t chunk_count = 3;
  for (size_t index = 0; index < chunk_count; ++index) {
    const bool is_final = index + 1 == chunk_count;
    const size_t offset = kHeader + index * kSealedChunk;
    const size_t cipher_size = is_final ? file.size() - offset - kTag : kChunk;
    unsigned char nonce[12] = {};
    nonce[11] = static_cast<unsigned char>(index);
    std::string aad = file.substr(0, kHeader) + std::string(7, '\0') + static_cast<char>(index) +
                      static_cast<char>(is_final ? 1 : 0);
    std::vector<unsigned char> out(cipher_size + 16);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    int total = 0;
    ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, blob_key, nonce), 1);
    ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &n, reinterpret_cast<unsigned char*>(aad.data()),
                                static_cast<int>(aad.size())),
              1);
    ASSERT_EQ(
        EVP_DecryptUpdate(ctx, out.data(), &total, bytes + offset, static_cast<int>(cipher_size)),
        1);
    ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
                                  const_cast<unsigned char*>(bytes + offset + cipher_size)),
              1);
    EXPECT_EQ(EVP_DecryptFinal_ex(ctx, out.data() + total, &n), 1) << "chunk " << index;
    EVP_CIPHER_CTX_free(ctx);
    plaintext.append(reinterpret_cast<char*>(out.data()), cipher_size);
  }
  EXPECT_TRUE(plaintext == data);
}

TEST_F(LocalBlobStoreTest, FlippingAnyByteIsDataLoss) {
  const std::string key = "tamper/me";
  ASSERT_TRUE(WriteBlob(*store_, key, PseudoRandomBytes(2 * kChunk + 1000, 4)).ok());
  const fs::path path = OnlyBlobFile();
  const std::string original = ReadRaw(path);
  const size_t chunk1 = kHeader + kSealedChunk;
  const size_t final_chunk = kHeader + 2 * kSealedChunk;

  struct Flip {
    size_t offset;
    std::string expected_detail;
  };
  std::vector<Flip> flips = {
      {0, "magic"},                                   // header magic
      {11, "version"},                                // header version
      {13, "chunk size"},                             // header chunk size
      {kHeader + 5, "chunk 0 of 3"},                  // first chunk ciphertext
      {chunk1 + kChunk / 2, "chunk 1 of 3"},          // middle chunk ciphertext
      {chunk1 + kChunk + 3, "chunk 1 of 3"},          // middle chunk tag
      {final_chunk, "chunk 2 of 3 (final)"},          // final chunk ciphertext
      {original.size() - 1, "chunk 2 of 3 (final)"},  // final chunk tag
  };
  // Every salt byte: the salt feeds the key and, as part of the header, every AAD.
  for (size_t offset = 16; offset < kHeader; ++offset) flips.push_back({offset, "chunk"});
  std::mt19937 generator(5);
  for (int i = 0; i < 24; ++i) flips.push_back({generator() % original.size(), ""});

  for (const Flip& flip : flips) {
    std::string tampered = original;
    tampered[flip.offset] = static_cast<char>(tampered[flip.offset] ^ 0x01);
    WriteRaw(path, tampered);
    ExpectDataLoss(key, flip.expected_detail, "flip at offset " + std::to_string(flip.offset));
  }
  WriteRaw(path, original);
  EXPECT_TRUE(ReadBlob(*store_, key).ok()) << "untampered file must still read";
}

TEST_F(LocalBlobStoreTest, TruncationIsDataLoss) {
  const std::string key = "truncate/me";
  ASSERT_TRUE(WriteBlob(*store_, key, PseudoRandomBytes(3 * kChunk + 10, 6)).ok());
  const fs::path path = OnlyBlobFile();
  const std::string original = ReadRaw(path);
  const size_t cuts[] = {
      0,
      kHeader,                          // header only
      kHeader + kSealedChunk,           // at a chunk boundary
      kHeader + 2 * kSealedChunk,       // at a chunk boundary
      kHeader + 3 * kSealedChunk,       // the whole final chunk dropped
      kHeader + kSealedChunk + 1000,    // mid-chunk
      kHeader + 3 * kSealedChunk + 20,  // mid final chunk
      original.size() - 1,              // last tag byte
  };
  for (size_t cut : cuts) {
    WriteRaw(path, std::string_view(original).substr(0, cut));
    auto read = ReadBlob(*store_, key);
    EXPECT_EQ(read.status().code(), StatusCode::kDataLoss)
        << "cut at " << cut << ": " << read.status().ToString();
  }
}

TEST_F(LocalBlobStoreTest, ExtraBytesAreDataLoss) {
  for (size_t plaintext_size : {size_t{1000}, kChunk}) {
    const std::string key = "extend/" + std::to_string(plaintext_size);
    ASSERT_TRUE(WriteBlob(*store_, key, PseudoRandomBytes(plaintext_size, 7)).ok());
    const fs::path path = OnlyBlobFile();
    const std::string original = ReadRaw(path);
    // 16 zero bytes would pass for an empty final chunk if the format let it.
    for (size_t extra : {size_t{1}, size_t{16}, size_t{17}, kSealedChunk}) {
      WriteRaw(path, original + std::string(extra, '\0'));
      auto read = ReadBlob(*store_, key);
      EXPECT_EQ(read.status().code(), StatusCode::kDataLoss)
          << plaintext_size << " + " << extra << ": " << read.status().ToString();
    }
    ASSERT_TRUE(store_->Remove(key).ok());
  }
}

TEST_F(LocalBlobStoreTest, WrongMasterKeyIsDataLoss) {
  ASSERT_TRUE(WriteBlob(*store_, "secret", "top secret contents").ok());
  auto other = OpenLocalBlobStore(root_, RandomMasterKey());
  ASSERT_TRUE(other.ok());
  auto read = ReadBlob(**other, "secret");
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << read.status().ToString();
  EXPECT_NE(read.status().message().find("master key"), std::string::npos);
  auto same = OpenLocalBlobStore(root_, master_key_);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*ReadBlob(**same, "secret"), "top secret contents");
}

TEST_F(LocalBlobStoreTest, AbandonedWriterLeavesNothing) {
  {
    auto writer = store_->Create("abandoned");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(PseudoRandomBytes(3 * kChunk, 8)).ok());
    EXPECT_FALSE(fs::is_empty(root_ / "tmp")) << "the partial blob is written as it streams";
  }
  EXPECT_EQ(store_->Open("abandoned").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(root_ / "tmp"));
  EXPECT_TRUE(RegularFilesUnder(root_).empty());
}

TEST_F(LocalBlobStoreTest, AbandonedWriterKeepsPreviousBlob) {
  ASSERT_TRUE(WriteBlob(*store_, "k", "old").ok());
  {
    auto writer = store_->Create("k");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("new").ok());
  }
  EXPECT_EQ(*ReadBlob(*store_, "k"), "old");
}

TEST_F(LocalBlobStoreTest, CommitReplacesExistingBlob) {
  ASSERT_TRUE(WriteBlob(*store_, "k", PseudoRandomBytes(100000, 9)).ok());
  auto info = WriteBlob(*store_, "k", "replacement");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 11u);
  EXPECT_EQ(*ReadBlob(*store_, "k"), "replacement");
  EXPECT_EQ(RegularFilesUnder(root_).size(), 1u);
}

TEST_F(LocalBlobStoreTest, ReaderKeepsItsSnapshotWhenReplacedOrRemoved) {
  ASSERT_TRUE(WriteBlob(*store_, "k", "first version").ok());
  auto reader = store_->Open("k");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(WriteBlob(*store_, "k", "second").ok());
  ASSERT_TRUE(store_->Remove("k").ok());
  char buf[64];
  auto n = (*reader)->Read(buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "first version");
}

TEST_F(LocalBlobStoreTest, WriterRefusesUseAfterCommit) {
  auto writer = store_->Create("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("x").ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ((*writer)->Append("y").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*ReadBlob(*store_, "k"), "x");
}

TEST_F(LocalBlobStoreTest, RemoveDeletesAndToleratesAbsence) {
  ASSERT_TRUE(WriteBlob(*store_, "a/b", "bytes").ok());
  ASSERT_TRUE(store_->Remove("a/b").ok());
  EXPECT_EQ(store_->Open("a/b").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Remove("a/b").ok());
  EXPECT_TRUE(store_->Remove("never/written").ok());
  EXPECT_TRUE(RegularFilesUnder(root_).empty());
}

TEST_F(LocalBlobStoreTest, KeyAndItsPrefixCoexist) {
  const std::string long_segment(512, 's');  // longer than a file name may be
  ASSERT_TRUE(WriteBlob(*store_, "a", "one").ok());
  ASSERT_TRUE(WriteBlob(*store_, "a/b", "two").ok());
  ASSERT_TRUE(WriteBlob(*store_, long_segment, "three").ok());
  EXPECT_EQ(*ReadBlob(*store_, "a"), "one");
  EXPECT_EQ(*ReadBlob(*store_, "a/b"), "two");
  EXPECT_EQ(*ReadBlob(*store_, long_segment), "three");
}

TEST_F(LocalBlobStoreTest, BadKeysAreRejected) {
  for (const std::string& key :
       std::vector<std::string>{"../x", "a//b", "", "a/./b", std::string(513, 'k')}) {
    EXPECT_EQ(store_->Create(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Open(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Remove(key).code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_TRUE(fs::is_empty(root_ / "tmp"));
}

TEST_F(LocalBlobStoreTest, OpeningCleansLeftoverTempFiles) {
  WriteRaw(root_ / "tmp" / "crashed-upload.part", "partial");
  ASSERT_TRUE(WriteBlob(*store_, "kept", "kept").ok());
  auto reopened = OpenLocalBlobStore(root_, master_key_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(fs::is_empty(root_ / "tmp"));
  EXPECT_EQ(*ReadBlob(**reopened, "kept"), "kept");
}

TEST_F(LocalBlobStoreTest, DiskHoldsNoPlaintext) {
  const std::string marker = "SLUICE-PLAINTEXT-MARKER-7f3a";
  std::string data;
  for (int i = 0; i < 5000; ++i) data += marker;
  ASSERT_TRUE(WriteBlob(*store_, "visible-key-name", data).ok());
  ASSERT_TRUE(WriteBlob(*store_, "small", marker).ok());
  auto files = RegularFilesUnder(root_);
  ASSERT_EQ(files.size(), 2u);
  for (const fs::path& file : files) {
    EXPECT_EQ(ReadRaw(file).find(marker), std::string::npos) << file;
    EXPECT_EQ(file.string().find("visible-key-name"), std::string::npos) << file;
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u) << file << " is readable by others";
  }
}

TEST_F(LocalBlobStoreTest, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4;
  constexpr int kBlobsPerThread = 8;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBlobsPerThread; ++i) {
        const std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        const std::string data = PseudoRandomBytes(1000 + 20000 * i, t * 100 + i);
        // Every thread also rewrites one shared key: last rename wins, never a mix.
        if (!WriteBlob(*store_, key, data).ok()) ++failures[t];
        if (!WriteBlob(*store_, "shared", data).ok()) ++failures[t];
        auto read = ReadBlob(*store_, key);
        if (!read.ok() || *read != data) ++failures[t];
        if (!ReadBlob(*store_, "shared").ok()) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_TRUE(fs::is_empty(root_ / "tmp"));
}

// Not an assertion: a log line to notice gross regressions in the crypto path.
TEST_F(LocalBlobStoreTest, ReportsThroughput) {
  constexpr size_t kTotal = 64 * 1024 * 1024;
  const std::string piece = PseudoRandomBytes(1 << 20, 10);
  const auto start = std::chrono::steady_clock::now();
  auto writer = store_->Create("throughput");
  ASSERT_TRUE(writer.ok());
  for (size_t done = 0; done < kTotal; done += piece.size()) {
    ASSERT_TRUE((*writer)->Append(piece).ok());
  }
  ASSERT_TRUE((*writer)->Commit().ok());
  const auto written = std::chrono::steady_clock::now();
  auto reader = store_->Open("throughput");
  ASSERT_TRUE(reader.ok());
  std::vector<char> buffer(1 << 20);
  size_t total_read = 0;
  for (;;) {
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    total_read += *n;
  }
  const auto read_done = std::chrono::steady_clock::now();
  ASSERT_EQ(total_read, kTotal);
  auto mb_per_s = [](std::chrono::steady_clock::duration d) {
    return 64.0 / std::max(1e-9, std::chrono::duration<double>(d).count());
  };
  std::printf("[ blob     ] 64 MiB: write+commit %.0f MB/s, read %.0f MB/s\n",
              mb_per_s(written - start), mb_per_s(read_done - written));
}

}  // namespace
}  // namespace sluice::blob
