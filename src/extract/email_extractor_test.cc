#include "extract/email_extractor.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "extract/test_util.h"

namespace sluice::extract::internal {
namespace {

using testing_util::IsValidUtf8;

// A message written to an unlinked temporary file, open for reading.
class MessageFile {
 public:
  explicit MessageFile(std::string_view contents) {
    char path[] = "/tmp/sluice-email-test-XXXXXX";
    fd_ = mkstemp(path);
    EXPECT_GE(fd_, 0);
    unlink(path);
    Append(contents);
  }
  ~MessageFile() { close(fd_); }
  MessageFile(const MessageFile&) = delete;
  MessageFile& operator=(const MessageFile&) = delete;

  void Append(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = write(fd_, bytes.data(), bytes.size());
      ASSERT_GT(n, 0);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// What the extractor handed to the attachment callback.
struct Attachment {
  std::string name;
  std::string type;
  std::string bytes;
};

// Records each attachment and answers with a text naming it, as the format dispatcher would
// answer with the attachment's text.
class Recorder {
 public:
  AttachmentExtractor Callback() {
    return [this](std::string_view name, std::string_view type,
                  std::string_view bytes) -> base::Result<ExtractedText> {
      calls.push_back({std::string(name), std::string(type), std::string(bytes)});
      ExtractedText text;
      text.body = "text of " + std::string(name);
      text.file_type = "attachment";
      return text;
    };
  }
  std::vector<Attachment> calls;
};

AttachmentExtractor NoAttachmentExpected() {
  return [](std::string_view name, std::string_view, std::string_view) {
    ADD_FAILURE() << "unexpected attachment " << name;
    return base::Result<ExtractedText>(base::Internal("unexpected"));
  };
}

base::Result<ExtractedText> ExtractText(std::string_view message,
                                        const AttachmentExtractor& extract_attachment,
                                        size_t max_body_bytes = 1 << 20) {
  MessageFile file(message);
  return ExtractEmail(file.fd(), extract_attachment, max_body_bytes);
}

ExtractedText Extracted(std::string_view message, const AttachmentExtractor& extract_attachment,
                        size_t max_body_bytes = 1 << 20) {
  auto text = ExtractText(message, extract_attachment, max_body_bytes);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  if (!text.ok()) return {};
  EXPECT_TRUE(IsValidUtf8(text->body));
  EXPECT_TRUE(IsValidUtf8(text->title));
  return *text;
}

// The values of field `name`, empty if it is absent.
std::vector<std::string> Field(const ExtractedText& text, std::string_view name) {
  for (const auto& [field, values] : text.fields) {
    if (field == name) return values;
  }
  return {};
}

using Values = std::vector<std::string>;

TEST(EmailExtractorTest, ReadsHeadersAndPlainTextBody) {
  ExtractedText text = Extracted(
      "From: Alice Example <alice@example.com>\r\n"
      "To: Bob <bob@example.com>, carol@example.com\r\n"
      "Cc: Dave <dave@example.com>\r\n"
      "Date: Fri, 01 Mar 2024 11:00:00 +0100\r\n"
      "Subject:   Quarterly\r\n   report \r\n"
      "Message-ID: <1@example.com>\r\n"
      "\r\n"
      "Hello Bob,\r\n\r\nthe   report is attached.\r\n",
      NoAttachmentExpected());
  EXPECT_EQ(text.title, "Quarterly report");
  EXPECT_EQ(text.body, "Hello Bob, the report is attached.");
  EXPECT_EQ(text.file_type, "eml");
  EXPECT_FALSE(text.truncated);
  EXPECT_EQ(Field(text, "subject"), Values{"Quarterly report"});
  EXPECT_EQ(Field(text, "from"), Values{"Alice Example <alice@example.com>"});
  EXPECT_EQ(Field(text, "to"), Values{"Bob <bob@example.com>, carol@example.com"});
  EXPECT_EQ(Field(text, "cc"), Values{"Dave <dave@example.com>"});
  EXPECT_EQ(Field(text, "date"), Values{"2024-03-01T10:00:00Z"});
  EXPECT_TRUE(text.children.empty());
  EXPECT_TRUE(text.warnings.empty());
}

TEST(EmailExtractorTest, MissingHeadersGiveNoFields) {
  ExtractedText text = Extracted("Date: not a date\n\nbody\n", NoAttachmentExpected());
  EXPECT_EQ(text.title, "");
  EXPECT_TRUE(text.fields.empty());
  EXPECT_EQ(text.body, "body");
}

TEST(EmailExtractorTest, DecodesEncodedWordsAndCharsets) {
  ExtractedText text = Extracted(
      "From: =?ISO-8859-1?Q?Ren=E9_Fran=E7ois?= <rene@example.fr>\n"
      "To: =?UTF-8?B?w4VzYQ==?= <asa@example.se>\n"
      // "Grüße aus Köln" in UTF-8 base64, then "café" in ISO-8859-1 quoted-printable.
      "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?= =?ISO-8859-1?Q?caf=E9?=\n"
      "MIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=ISO-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Caf=E9 cr=E8me, na=EFve =\n"
      "fa=E7ade =80 10\n",
      NoAttachmentExpected());
  EXPECT_EQ(text.title, "Grüße aus Kölncafé");  // adjacent encoded words join (RFC 2047)
  EXPECT_EQ(Field(text, "from"), Values{"René François <rene@example.fr>"});
  EXPECT_EQ(Field(text, "to"), Values{"Åsa <asa@example.se>"});
  // A soft line break joins "na=EFve =\n" and "fa=E7ade"; 0x80 is the euro sign in windows-1252,
  // which is what mail labelled ISO-8859-1 means.
  EXPECT_EQ(text.body, "Café crème, naïve façade € 10");
}

TEST(EmailExtractorTest, UndeclaredAndWideCharsets) {
  // No charset: UTF-8 where valid, windows-1252 from the first byte that is not. Raw 8-bit
  // header text is read as UTF-8, else Latin-1.
  ExtractedText text = Extracted(
      "Subject: caf\xE9 cr\xC3\xA8me\nFrom: Ren\xE9 <rene@example.fr>\n"
      "Content-Type: text/plain\n\nna\xC3\xAFve, then caf\xE9\n",
      NoAttachmentExpected());
  EXPECT_EQ(text.title, "café crème");
  EXPECT_EQ(Field(text, "from"), Values{"René <rene@example.fr>"});
  EXPECT_EQ(text.body, "naïve, then café");
  // UTF-16 is a real encoding of a MIME part ("Hé" little-endian with its byte order mark).
  text = Extracted(
      "Subject: x\nContent-Type: text/plain; charset=utf-16\n"
      "Content-Transfer-Encoding: base64\n\n//5IAOkA\n",
      NoAttachmentExpected());
  EXPECT_EQ(text.body, "Hé");
}

TEST(EmailExtractorTest, HtmlOnlyAlternativeBecomesText) {
  ExtractedText text = Extracted(
      "Subject: Newsletter\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"alt\"\n"
      "\n"
      "--alt\n"
      "Content-Type: text/html; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      // The part's charset outranks the page's <meta>.
      "<html><head><meta charset=3D\"utf-8\"><title>Ignored</title>"
      "<style>p {color: red}</style></head>\n"
      "<body><h1>Caf=E9 news</h1><p>Read&nbsp;<b>more</b> &amp; =\n"
      "enjoy.</p><script>alert(1)</script></body></html>\n"
      "--alt--\n",
      NoAttachmentExpected());
  EXPECT_EQ(text.title, "Newsletter");
  EXPECT_EQ(text.body, "Café news Read more & enjoy.");
}

TEST(EmailExtractorTest, PlainAlternativeWinsOverHtml) {
  ExtractedText text = Extracted(
      "Subject: both\n"
      "Content-Type: multipart/alternative; boundary=alt\n"
      "\n"
      "--alt\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "plain version\n"
      "--alt\n"
      "Content-Type: multipart/related; boundary=rel\n"
      "\n"
      "--rel\n"
      "Content-Type: text/html\n"
      "\n"
      "<p>html version <img src=\"cid:logo\"></p>\n"
      "--rel\n"
      "Content-Type: image/png\n"
      "Content-ID: <logo>\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "iVBORw0=\n"
      "--rel--\n"
      "--alt--\n",
      [](std::string_view name, std::string_view type, std::string_view bytes) {
        // The HTML version's image is an attachment even though its text is not shown.
        EXPECT_EQ(name, "");
        EXPECT_EQ(type, "image/png");
        EXPECT_EQ(bytes, std::string_view("\x89PNG\r", 5));
        return base::Result<ExtractedText>(ExtractedText{});
      });
  EXPECT_EQ(text.body, "plain version");
  ASSERT_EQ(text.children.size(), 1u);
  EXPECT_EQ(text.children[0].size, 5u);
}

TEST(EmailExtractorTest, HandsAttachmentsOverDecodedAndInOrder) {
  Recorder recorder;
  ExtractedText text = Extracted(
      "From: a@example.com\n"
      "Subject: files\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"==mixed==\"\n"
      "\n"
      "preamble, not text\n"
      "--==mixed==\n"
      "Content-Type: text/plain; charset=us-ascii\n"
      "\n"
      "See the files.\n"
      "--==mixed==\n"
      "Content-Type: text/plain; charset=utf-8; name=\"notes.txt\"\n"
      "Content-Disposition: attachment; filename=\"notes.txt\"\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "Rmlyc3QgbGluZQpTZWNvbmQg\n"
      "bGluZSDinJMK\n"
      "--==mixed==\n"
      "Content-Type: text/html; charset=utf-8\n"
      "Content-Disposition: attachment;\n"
      " filename*=UTF-8''r%C3%A9sum%C3%A9.html\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "<p>Caf=C3=A9</p>\n"
      "--==mixed==\n"
      "Content-Type: image/gif; name=\"dot.gif\"\n"
      "Content-Disposition: inline; filename=\"dot.gif\"\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "R0lGODlhAQABAAAAACw=\n"
      "--==mixed==--\n"
      "epilogue, not text\n",
      recorder.Callback());
  EXPECT_EQ(text.body, "See the files.");
  ASSERT_EQ(recorder.calls.size(), 3u);
  EXPECT_EQ(recorder.calls[0].name, "notes.txt");
  EXPECT_EQ(recorder.calls[0].type, "text/plain");
  EXPECT_EQ(recorder.calls[0].bytes, "First line\nSecond line \xE2\x9C\x93\n");
  EXPECT_EQ(recorder.calls[1].name, "résumé.html");  // RFC 2231 parameter
  EXPECT_EQ(recorder.calls[1].type, "text/html");
  EXPECT_EQ(recorder.calls[1].bytes, "<p>Caf\xC3\xA9</p>");
  EXPECT_EQ(recorder.calls[2].name, "dot.gif");
  EXPECT_EQ(recorder.calls[2].type, "image/gif");
  EXPECT_EQ(recorder.calls[2].bytes, std::string("GIF89a\x01\0\x01\0\0\0\0,", 14));
  ASSERT_EQ(text.children.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(text.children[i].name, recorder.calls[i].name);
    EXPECT_EQ(text.children[i].size, recorder.calls[i].bytes.size());
    EXPECT_EQ(text.children[i].text.body, "text of " + recorder.calls[i].name);
    EXPECT_EQ(text.children[i].text.file_type, "attachment");
  }
}

TEST(EmailExtractorTest, AttachedMessageIsHandedOverAsAMessage) {
  Recorder recorder;
  ExtractedText text = Extracted(
      "Subject: Fwd: lunch\n"
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "Content-Type: text/plain\n"
      "\n"
      "Forwarding this.\n"
      "--b\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: Chef <chef@example.com>\n"
      "Subject: =?UTF-8?Q?Lunch_at_caf=C3=A9?=\n"
      "Content-Type: multipart/mixed; boundary=inner\n"
      "\n"
      "--inner\n"
      "Content-Type: text/plain\n"
      "\n"
      "Soup of the day.\n"
      "--inner\n"
      "Content-Type: application/pdf; name=menu.pdf\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "JVBERi0=\n"
      "--inner--\n"
      "--b--\n",
      recorder.Callback());
  // The attached message's text is its own item's, not this one's.
  EXPECT_EQ(text.body, "Forwarding this.");
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].name, "Lunch at café.eml");
  EXPECT_EQ(recorder.calls[0].type, "message/rfc822");
  ASSERT_EQ(text.children.size(), 1u);
  EXPECT_EQ(text.children[0].name, "Lunch at café.eml");
  EXPECT_EQ(text.children[0].size, recorder.calls[0].bytes.size());

  // The bytes are a message again: the caller extracts it, and its attachment, as an e-mail.
  Recorder inner_recorder;
  ExtractedText inner = Extracted(recorder.calls[0].bytes, inner_recorder.Callback());
  EXPECT_EQ(inner.title, "Lunch at café");
  EXPECT_EQ(Field(inner, "from"), Values{"Chef <chef@example.com>"});
  EXPECT_EQ(inner.body, "Soup of the day.");
  ASSERT_EQ(inner_recorder.calls.size(), 1u);
  EXPECT_EQ(inner_recorder.calls[0].name, "menu.pdf");
  EXPECT_EQ(inner_recorder.calls[0].bytes, "%PDF-");
}

TEST(EmailExtractorTest, EncodedAttachedMessageWithoutNameIsNamedAsOne) {
  Recorder recorder;
  ExtractedText text = Extracted(
      "Subject: outer\n"
      "Content-Type: message/rfc822\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "U3ViamVjdDogaW5uZXIKCmlubmVyIGJvZHkK\n",
      recorder.Callback());
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].name, "message.eml");
  EXPECT_EQ(recorder.calls[0].type, "message/rfc822");
  EXPECT_EQ(recorder.calls[0].bytes, "Subject: inner\n\ninner body\n");
  EXPECT_EQ(text.body, "");
}

TEST(EmailExtractorTest, FailedAttachmentKeepsItsChildWithAWarning) {
  int calls = 0;
  ExtractedText text = Extracted(
      "Subject: broken\n"
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "Content-Type: application/zip; name=broken.zip\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "UEsDBA==\n"
      "--b\n"
      "Content-Type: text/plain\n"
      "\n"
      "Still here.\n"
      "--b\n"
      "Content-Type: text/csv; name=good.csv\n"
      "\n"
      "a,b\n"
      "--b--\n",
      [&calls](std::string_view name, std::string_view,
               std::string_view) -> base::Result<ExtractedText> {
        ++calls;
        if (name == "broken.zip") return base::InvalidArgument("broken.zip: not a valid archive");
        ExtractedText csv;
        csv.body = "a b";
        return csv;
      });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(text.body, "Still here.");
  ASSERT_EQ(text.children.size(), 2u);
  EXPECT_EQ(text.children[0].name, "broken.zip");
  EXPECT_EQ(text.children[0].size, 4u);
  EXPECT_EQ(text.children[0].text.body, "");
  EXPECT_EQ(text.children[0].text.warnings, Values{"broken.zip: not a valid archive"});
  EXPECT_EQ(text.children[1].name, "good.csv");
  EXPECT_EQ(text.children[1].text.body, "a b");
  EXPECT_TRUE(text.children[1].text.warnings.empty());
}

TEST(EmailExtractorTest, SignatureIsNoAttachmentAndEncryptedPartsAreNamed) {
  ExtractedText text = Extracted(
      "Subject: signed\n"
      "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\n"
      "\n"
      "--s\n"
      "Content-Type: text/plain\n"
      "\n"
      "Signed words.\n"
      "--s\n"
      "Content-Type: application/pgp-signature; name=signature.asc\n"
      "\n"
      "-----BEGIN PGP SIGNATURE-----\n"
      "--s--\n",
      NoAttachmentExpected());
  EXPECT_EQ(text.body, "Signed words.");
  EXPECT_TRUE(text.children.empty());

  text = Extracted(
      "Subject: secret\n"
      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=e\n"
      "\n"
      "--e\n"
      "Content-Type: application/pgp-encrypted\n"
      "\n"
      "Version: 1\n"
      "--e\n"
      "Content-Type: application/octet-stream; name=encrypted.asc\n"
      "\n"
      "-----BEGIN PGP MESSAGE-----\n"
      "--e--\n",
      NoAttachmentExpected());
  EXPECT_EQ(text.title, "secret");
  EXPECT_EQ(text.body, "");
  EXPECT_EQ(text.warnings, Values{"encrypted part (multipart/encrypted) not extracted"});
}

TEST(EmailExtractorTest, BodyIsCappedAtMaxBodyBytes) {
  std::string message =
      "Subject: long\n"
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\n";
  for (int i = 0; i < 1000; ++i) message += "word" + std::to_string(i) + " ";
  message += "\n--b\nContent-Type: text/html\n\n<p>after the cap</p>\n--b--\n";
  ExtractedText text = Extracted(message, NoAttachmentExpected(), 100);
  EXPECT_TRUE(text.truncated);
  EXPECT_LE(text.body.size(), 100u);
  EXPECT_TRUE(text.body.starts_with("word0 word1 word2 "));
  EXPECT_EQ(text.body.find("after"), std::string::npos);

  text = Extracted(message, NoAttachmentExpected(), 1 << 20);
  EXPECT_FALSE(text.truncated);
  EXPECT_TRUE(text.body.ends_with("word999 after the cap"));
}

TEST(EmailExtractorTest, RefusesWhatIsNotAMessage) {
  constexpr char kPng[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x01\x02\xff\xfe binary";
  const std::string garbage(kPng, sizeof(kPng) - 1);
  for (const std::string& input :
       {std::string(), garbage, std::string("just a line of text\nand another\n"),
        std::string("\n\nSubject: after a blank line\n\nbody\n")}) {
    auto text = ExtractText(input, NoAttachmentExpected());
    ASSERT_FALSE(text.ok()) << input;
    EXPECT_EQ(text.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_TRUE(text.status().message().starts_with("not an e-mail message: "))
        << text.status().message();
  }
}

// Descriptors open in this process.
size_t OpenDescriptors() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator()));
}

TEST(EmailExtractorTest, ReadsFromTheStartAndLeavesTheDescriptorAlone) {
  MessageFile file("\xEF\xBB\xBFSubject: after a byte order mark\n\nbody\n");
  ASSERT_EQ(lseek(file.fd(), 7, SEEK_SET), 7);  // the caller's offset does not matter
  const size_t descriptors = OpenDescriptors();
  auto text = ExtractEmail(file.fd(), NoAttachmentExpected(), 1 << 20);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->title, "after a byte order mark");
  EXPECT_EQ(text->body, "body");
  // Still open, at the same offset, and no descriptor left behind.
  EXPECT_NE(fcntl(file.fd(), F_GETFD), -1);
  EXPECT_EQ(lseek(file.fd(), 0, SEEK_CUR), 7);
  EXPECT_EQ(OpenDescriptors(), descriptors);
  text = ExtractEmail(file.fd(), NoAttachmentExpected(), 1 << 20);  // and again
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "body");
}

// Threads extract at once (GMime is set up by the first), here even from the same descriptor.
TEST(EmailExtractorTest, ExtractsOnSeveralThreadsAtOnce) {
  std::string words;
  for (int i = 0; i < 20'000; ++i) words += "w" + std::to_string(i) + " ";
  words.pop_back();
  std::string base64;
  for (int i = 0; i < 4'000; ++i)
    base64 += "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygp\n";
  const std::string message =
      "Subject: =?UTF-8?Q?caf=C3=A9?=\n"
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/html; charset=iso-8859-1\n\n<p>Caf\xE9 au lait</p>\n"
      "--b\nContent-Type: application/octet-stream; name=a.bin\n"
      "Content-Transfer-Encoding: base64\n\n" +
      base64 + "--b\nContent-Type: text/plain\n\n" + words + "\n--b--\n";
  MessageFile file(message);
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto text = ExtractEmail(
            file.fd(),
            [](std::string_view, std::string_view, std::string_view bytes) {
              ExtractedText attachment;
              attachment.body = std::to_string(bytes.size()) + " " +
                                std::to_string(static_cast<unsigned char>(bytes.back()));
              return base::Result<ExtractedText>(attachment);
            },
            1 << 20);
        if (!text.ok() || text->title != "café" || text->body != "Café au lait " + words ||
            text->children.size() != 1 || text->children[0].text.body != "168000 41") {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
}

TEST(EmailExtractorTest, DeeplyNestedMultipartsStopWithAWarning) {
  constexpr int kLevels = 10'000;
  std::string message =
      "Subject: deep\n"
      "Content-Type: multipart/mixed; boundary=top\n\n"
      "--top\nContent-Type: text/plain\n\nTop text.\n"
      "--top\n";
  for (int i = 0; i < kLevels; ++i) {
    message += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
               std::to_string(i) + "\n";
  }
  message += "Content-Type: text/plain\n\nDeepest text.\n";
  for (int i = kLevels - 1; i >= 0; --i) message += "--b" + std::to_string(i) + "--\n";
  message += "--top--\n";
  ExtractedText text = Extracted(message, NoAttachmentExpected());
  EXPECT_EQ(text.title, "deep");
  EXPECT_EQ(text.body, "Top text.");
  EXPECT_EQ(text.warnings, Values{"MIME parts nested more than 100 levels deep not extracted"});
}

TEST(EmailExtractorTest, HugeHeadersAreCapped) {
  std::string message = "From: a@example.com\nSubject: ";
  for (int i = 0; i < (1 << 20) / 8; ++i) message += "subject ";
  message += "\nTo: ";
  for (int i = 0; i < 5'000; ++i) {
    message += (i > 0 ? ",\n " : "") + std::string("user") + std::to_string(i) + "@example.com";
  }
  message += "\nX-Long: " + std::string(2 << 20, 'x') + "\n\nThe body.\n";
  ExtractedText text = Extracted(message, NoAttachmentExpected());
  // Capped at 1000 bytes, as an HTML page's title.
  EXPECT_LE(text.title.size(), 1000u);
  EXPECT_GE(text.title.size(), 990u);
  EXPECT_TRUE(text.title.starts_with("subject subject"));
  EXPECT_EQ(Field(text, "subject"), Values{text.title});
  const Values to = Field(text, "to");
  ASSERT_EQ(to.size(), 1u);
  EXPECT_LE(to[0].size(), 64u << 10);
  EXPECT_GE(to[0].size(), 63u << 10);
  EXPECT_TRUE(to[0].starts_with("user0@example.com, user1@example.com"));
  EXPECT_EQ(text.body, "The body.");
}

}  // namespace
}  // namespace sluice::extract::internal
