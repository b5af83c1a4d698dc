// Helpers of the PDF and sandbox tests: a minimal PDF writer (numbered objects, content streams
// that show text in the standard Helvetica font, a document information dictionary, a classic
// cross-reference table with the byte offset of every object), scratch files, and qpdf.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace sluice::extract::testing_util {

class PdfWriter {
 public:
  // Reserves the next object number, for objects that refer to each other.
  int Reserve() {
    objects_.emplace_back();
    return static_cast<int>(objects_.size());
  }
  // Sets the body of a reserved object: "<< /Type /Page ... >>", "[1 0 R]", "42" ...
  void Set(int id, std::string body) { objects_[id - 1] = std::move(body); }
  int Add(std::string body) {
    const int id = Reserve();
    Set(id, std::move(body));
    return id;
  }
  // A stream object holding `data` as is.
  int AddStream(std::string_view data) {
    std::string body = "<< /Length " + std::to_string(data.size()) + " >>\nstream\n";
    body += data;
    body += "\nendstream";
    return Add(std::move(body));
  }

  // The whole file. `xref_shift` moves every offset of the cross-reference table by that many
  // bytes, which makes a damaged file that readers have to reconstruct.
  std::string Finish(int root, int info = 0, int64_t xref_shift = 0) const {
    std::string pdf = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects_.size(); ++i) {
      offsets.push_back(pdf.size());
      pdf += std::to_string(i + 1) + " 0 obj\n" + objects_[i] + "\nendobj\n";
    }
    const size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects_.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t offset : offsets) {
      char entry[32];
      std::snprintf(entry, sizeof entry, "%010lld 00000 n \n",
                    static_cast<long long>(offset) + static_cast<long long>(xref_shift));
      pdf += entry;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects_.size() + 1) + " /Root " +
           std::to_string(root) + " 0 R";
    if (info != 0) pdf += " /Info " + std::to_string(info) + " 0 R";
    pdf += " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
  }

 private:
  std::vector<std::string> objects_;
};

// A PDF literal string: "(text)" with its delimiters and backslashes escaped. The bytes are
// taken as they are (WinAnsiEncoding in a content stream, PDFDocEncoding in the info dict).
inline std::string PdfLiteral(std::string_view bytes) {
  std::string out = "(";
  for (char c : bytes) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out + ")";
}

// A PDF text string for the info dictionary: ASCII as a literal string, anything else as
// UTF-16BE with a byte order mark, in hex.
inline std::string PdfTextString(std::string_view utf8) {
  bool ascii = true;
  for (char c : utf8) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return PdfLiteral(utf8);
  std::string out = "<FEFF";
  auto hex = [&out](unsigned unit) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%04X", unit);
    out += digits;
  };
  for (size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    const int length = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    char32_t cp = length == 1 ? b : b & (0x3f >> (length - 1));
    for (int k = 1; k < length; ++k) cp = (cp << 6) | (utf8[i + k] & 0x3f);
    i += length;
    if (cp >= 0x10000) {
      hex(0xd800 + ((cp - 0x10000) >> 10));
      hex(0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      hex(cp);
    }
  }
  return out + ">";
}

// The entries of a document information dictionary; empty ones are left out. Dates are PDF
// dates ("D:20240301100000Z").
struct PdfInfo {
  std::string title{};
  std::string author{};
  std::string subject{};
  std::string keywords{};
  std::string creator{};
  std::string created{};
  std::string modified{};
};

// Text shown at a position of a page, in Helvetica.
struct PdfText {
  double x = 72, y = 720;
  std::string text;  // WinAnsiEncoding bytes
};

// Builds documents of text pages in Helvetica (WinAnsiEncoding).
class TextPdfBuilder {
 public:
  TextPdfBuilder() : pages_(writer_.Reserve()), font_(writer_.Reserve()) {
    writer_.Set(font_,
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                "/Encoding /WinAnsiEncoding >>");
  }

  // A page showing `lines` one under the other from its top left corner.
  void AddPage(const std::vector<std::string>& lines) {
    std::vector<PdfText> texts;
    double y = 720;
    for (const auto& line : lines) {
      texts.push_back({72, y, line});
      y -= 14;
    }
    AddPageAt(texts);
  }
  // A page showing each text at its position.
  void AddPageAt(const std::vector<PdfText>& texts) {
    std::string content;
    for (const auto& text : texts) {
      content += "BT /F1 12 Tf " + std::to_string(text.x) + " " + std::to_string(text.y) + " Td " +
                 PdfLiteral(text.text) + " Tj ET\n";
    }
    AddPageWithContents(std::to_string(writer_.AddStream(content)) + " 0 R");
  }
  // A page whose /Contents is `contents` ("5 0 R", "[5 0 R 5 0 R]").
  void AddPageWithContents(const std::string& contents) {
    kids_.push_back(writer_.Add("<< /Type /Page /Parent " + std::to_string(pages_) +
                                " 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 " +
                                std::to_string(font_) + " 0 R >> >> /Contents " + contents +
                                " >>"));
  }
  // A stream that pages may share through AddPageWithContents.
  int AddContentStream(std::string_view content) { return writer_.AddStream(content); }

  std::string Finish(const PdfInfo& info = {}, int64_t xref_shift = 0) {
    std::string kids;
    for (int kid : kids_) kids += std::to_string(kid) + " 0 R ";
    writer_.Set(pages_, "<< /Type /Pages /Kids [" + kids + "] /Count " +
                            std::to_string(kids_.size()) + " >>");
    const int root = writer_.Add("<< /Type /Catalog /Pages " + std::to_string(pages_) + " 0 R >>");
    std::string entries;
    auto entry = [&entries](std::string_view key, const std::string& value, bool date) {
      if (value.empty()) return;
      entries +=
          "/" + std::string(key) + " " + (date ? PdfLiteral(value) : PdfTextString(value)) + " ";
    };
    entry("Title", info.title, false);
    entry("Author", info.author, false);
    entry("Subject", info.subject, false);
    entry("Keywords", info.keywords, false);
    entry("Creator", info.creator, false);
    entry("CreationDate", info.created, true);
    entry("ModDate", info.modified, true);
    const int info_id = entries.empty() ? 0 : writer_.Add("<< " + entries + ">>");
    return writer_.Finish(root, info_id, xref_shift);
  }

 private:
  PdfWriter writer_;
  int pages_;
  int font_;
  std::vector<int> kids_;
};

// A directory of scratch files, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string name = (std::filesystem::temp_directory_path() / "sluice-pdf-XXXXXX").string();
    if (mkdtemp(name.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = name;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::filesystem::path Write(const std::string& name, std::string_view bytes) const {
    auto file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.good()) ADD_FAILURE() << "cannot write " << file;
    return file;
  }

  // The file opened for reading, or an invalid descriptor (with a test failure).
  static base::UniqueFd Open(const std::filesystem::path& file) {
    base::UniqueFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) ADD_FAILURE() << "cannot open " << file;
    return fd;
  }
  // `bytes` written to a new file and opened for reading.
  base::UniqueFd WriteAndOpen(const std::string& name, std::string_view bytes) const {
    return Open(Write(name, bytes));
  }

 private:
  std::filesystem::path path_;
};

// Encrypts `in` into `out` with qpdf (AES-256); `user_password` may be empty, which lets anyone
// open the file. False, with a test failure, when qpdf is missing or fails.
inline bool QpdfEncrypt(const std::filesystem::path& in, const std::filesystem::path& out,
                        const std::string& user_password) {
  const std::string command = "qpdf --encrypt '" + user_password + "' owner-secret 256 -- '" +
                              in.string() + "' '" + out.string() + "' 2>&1";
  const int status = std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe): tests only
  if (status != 0) ADD_FAILURE() << command << " failed (" << status << "): is qpdf installed?";
  return status == 0;
}

}  // namespace sluice::extract::testing_util
