// How long IndexWriter::Put takes for one large body. The time is printed, not asserted, since it
// depends on the machine; what is asserted is that the item is then found as usual.
// SLUICE_INDEX_TIMING_MB=50 times a 50 MB body instead of the default 20 MB.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"
#include "index/index_writer.h"
#include "index/search.h"

namespace sluice::index {
namespace {

// `count` distinct made-up words of 2 to 10 letters, some with English endings so that the
// stemmer has work to do.
std::vector<std::string> Vocabulary(size_t count, std::mt19937& random) {
  static constexpr std::string_view kConsonants = "bcdfghklmnprstvz";
  static constexpr std::string_view kVowels = "aeiou";
  static constexpr std::string_view kEndings[] = {"", "", "", "s", "ed", "ing", "ly", "ness"};
  std::vector<std::string> words;
  std::unordered_set<std::string> seen;
  while (words.size() < count) {
    std::string word;
    const int syllables = 1 + static_cast<int>(random() % 3);
    for (int i = 0; i < syllables; ++i) {
      word += kConsonants[random() % kConsonants.size()];
      word += kVowels[random() % kVowels.size()];
    }
    word += kEndings[random() % std::size(kEndings)];
    if (seen.insert(word).second) words.push_back(std::move(word));
  }
  return words;
}

// About `bytes` bytes of sentences of words drawn from a 50,000-word vocabulary.
std::string GeneratedText(size_t bytes) {
  std::mt19937 random(20240601);
  const std::vector<std::string> vocabulary = Vocabulary(50000, random);
  std::string text;
  text.reserve(bytes + 64);
  for (int word_in_sentence = 0; text.size() < bytes; ++word_in_sentence) {
    std::string word = vocabulary[random() % vocabulary.size()];
    if (word_in_sentence == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
    text += word;
    if (word_in_sentence == 11) {
      text += ".\n";
      word_in_sentence = -1;
    } else {
      text += ' ';
    }
  }
  return text;
}

size_t BodyMegabytes() {
  const char* value = std::getenv("SLUICE_INDEX_TIMING_MB");
  return value != nullptr && std::atoi(value) > 0 ? static_cast<size_t>(std::atoi(value)) : 20;
}

TEST(PutTimingTest, LargeBodyFromALargeVocabulary) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("put_timing_test_" + base::NewUuid());
  std::string body = GeneratedText(BodyMegabytes() << 20);
  body += "\nThe quetzal sang at the very end.";
  IndexDocument item;
  item.uri = "huge";
  item.title = "Generated text";
  item.body = std::move(body);
  {
    auto writer = IndexWriter::Open(dir);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    const auto start = std::chrono::steady_clock::now();
    const base::Status put = (*writer)->Put(item);
    const auto put_done = std::chrono::steady_clock::now();
    ASSERT_TRUE(put.ok()) << put.ToString();
    ASSERT_TRUE((*writer)->Commit().ok());
    const auto commit_done = std::chrono::steady_clock::now();
    using Seconds = std::chrono::duration<double>;
    std::cout << "[ timing ] Put of a " << item.body.size()
              << "-byte body: " << Seconds(put_done - start).count()
              << " s; Commit: " << Seconds(commit_done - put_done).count() << " s\n";
  }
  SearchRequest request;
  for (const char* q : {"\"quetzal sang\"", "quetzals", "title:generated"}) {
    request.q = q;
    auto response = Search({dir}, request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_EQ(response->hits.size(), 1u) << q;
    EXPECT_EQ(response->hits[0].uri, "huge") << q;
  }
  request.q = "\"sang quetzal\"";
  auto reversed = Search({dir}, request);
  ASSERT_TRUE(reversed.ok()) << reversed.status().ToString();
  EXPECT_EQ(reversed->total_count, 0u);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace sluice::index
