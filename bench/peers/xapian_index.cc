// Raw Xapian indexing of a list of text files, the peer of Sluice's ingestion:
//   xapian_index LIST_FILE DB_DIR COMMIT_EVERY [replace|add]
// Each file is one document: its name as the title (prefix S, as Sluice indexes titles), its
// text through a TermGenerator (English stemmer, STEM_SOME, positions), the path plus the
// first 200 bytes as the document data, upserted by the unique term "Q"+path (replace, the
// default) or added. Commits every COMMIT_EVERY documents and at the end.
// Prints `docs=N bytes=B seconds=S` (the time includes reading the files and the last commit).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <xapian.h>

static std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

static std::string TitleOf(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".txt") == 0)
    name.resize(name.size() - 4);
  return name;
}

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: xapian_index LIST_FILE DB_DIR COMMIT_EVERY [replace|add]\n");
    return 2;
  }
  const long commit_every = std::atol(argv[3]);
  const bool replace = argc < 5 || std::string(argv[4]) == "replace";
  if (commit_every <= 0 || (argc == 5 && !replace && std::string(argv[4]) != "add")) {
    std::fprintf(stderr, "xapian_index: bad COMMIT_EVERY or mode\n");
    return 2;
  }
  try {
    std::ifstream list(argv[1]);
    if (!list) {
      std::fprintf(stderr, "xapian_index: cannot open %s\n", argv[1]);
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    Xapian::WritableDatabase db(argv[2], Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator generator;
    generator.set_stemmer(Xapian::Stem("english"));
    generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    long docs = 0;
    unsigned long long bytes = 0;
    std::string path;
    while (std::getline(list, path)) {
      if (path.empty()) continue;
      const std::string text = ReadAll(path);
      const std::string title = TitleOf(path);
      Xapian::Document doc;
      generator.set_document(doc);
      generator.index_text(title, 1, "S");
      generator.index_text(title);
      generator.increase_termpos();
      generator.index_text(text);
      doc.set_data(path + "\n" + text.substr(0, 200));
      const std::string id = "Q" + path;
      doc.add_boolean_term(id);
      if (replace) {
        db.replace_document(id, doc);
      } else {
        db.add_document(doc);
      }
      ++docs;
      bytes += text.size();
      if (docs % commit_every == 0) db.commit();
    }
    db.commit();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("docs=%ld bytes=%llu seconds=%.6f\n", docs, bytes, seconds);
  } catch (const Xapian::Error& e) {
    std::fprintf(stderr, "xapian_index: %s\n", e.get_description().c_str());
    return 1;
  }
  return 0;
}
