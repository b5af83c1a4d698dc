#include "index/index_change.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <zlib.h>

#include "index/field_schema.h"

namespace sluice::index {
namespace {

// The first byte of every encoded put; a new layout gets a new number (README.md, "Encoded
// puts").
constexpr uint8_t kPutFormat = 1;
constexpr size_t kChecksumBytes = 4;
constexpr std::string_view kContext = "encoded index put";

// FieldKind as the format writes it: fixed numbers, whatever the enum's order.
constexpr std::pair<FieldKind, uint8_t> kKindBytes[] = {{FieldKind::kString, 0},
                                                        {FieldKind::kLong, 1},
                                                        {FieldKind::kLong64, 2},
                                                        {FieldKind::kDouble, 3},
                                                        {FieldKind::kDate, 4}};

uint8_t KindByte(FieldKind kind) {
  for (const auto& [known, byte] : kKindBytes) {
    if (known == kind) return byte;
  }
  return 0;  // unreachable: every FieldKind is in the table
}

std::optional<FieldKind> KindOfByte(uint8_t byte) {
  for (const auto& [kind, known] : kKindBytes) {
    if (known == byte) return kind;
  }
  return std::nullopt;
}

uint32_t Crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

// Unsigned LEB128: seven bits a byte, least significant first, the high bit set on every byte
// but the last.
void AppendVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void AppendBytes(std::string_view bytes, std::string& out) {
  AppendVarint(bytes.size(), out);
  out.append(bytes);
}

base::Status Corrupt(std::string_view problem) {
  return base::DataLoss(std::string(kContext) + ": " + std::string(problem));
}

// Reads the fields of an encoded put front to back. Every read checks how many bytes are left
// first, so no input makes it read past the end.
class Reader {
 public:
  explicit Reader(std::string_view fields) : fields_(fields), rest_(fields) {}

  base::Result<uint64_t> Varint(std::string_view what) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) return CutShort(what);
      const auto byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      // The tenth byte holds the 64th bit only; a last byte of 0 would be a longer spelling of
      // a shorter number, which the writer never makes.
      if ((shift == 63 && byte > 1) || (shift > 0 && byte == 0)) return Garbled(what);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Garbled(what);
  }

  base::Result<std::string_view> Bytes(std::string_view what) {
    SLUICE_ASSIGN_OR_RETURN(const uint64_t size, Varint(what));
    if (size > rest_.size()) return CutShort(what);
    std::string_view bytes = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return bytes;
  }

  base::Result<uint8_t> Byte(std::string_view what) {
    if (rest_.empty()) return CutShort(what);
    const auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  base::Status ExpectEnd() const {
    if (rest_.empty()) return base::Status::Ok();
    return Corrupt(std::to_string(rest_.size()) + " bytes follow the last field");
  }

 private:
  // Offsets count from the start of the encoded put, format byte included.
  std::string At() const { return "at byte " + std::to_string(1 + fields_.size() - rest_.size()); }
  base::Status CutShort(std::string_view what) const {
    return Corrupt(At() + ": the bytes end inside the " + std::string(what));
  }
  base::Status Garbled(std::string_view what) const {
    return Corrupt(At() + ": the length or count of the " + std::string(what) +
                   " is not a valid number");
  }

  std::string_view fields_;
  std::string_view rest_;
};

// The fields of an encoded put (between the format byte and the checksum), once the format and
// the checksum are known good.
base::Result<std::string_view> CheckedFields(std::string_view encoded) {
  if (encoded.empty()) return Corrupt("no bytes at all");
  const auto format = static_cast<uint8_t>(encoded.front());
  if (format != kPutFormat) {
    return base::InvalidArgument(std::string(kContext) + ": format " + std::to_string(format) +
                                 " is not one this Sluice reads (it reads format " +
                                 std::to_string(kPutFormat) +
                                 "); was it written by a newer version?");
  }
  if (encoded.size() < 1 + kChecksumBytes) {
    return Corrupt("only " + std::to_string(encoded.size()) + " bytes, too few for a checksum");
  }
  const std::string_view checked = encoded.substr(0, encoded.size() - kChecksumBytes);
  const std::string_view stored = encoded.substr(checked.size());
  uint32_t expected = 0;
  for (size_t i = 0; i < kChecksumBytes; ++i) {
    expected |= static_cast<uint32_t>(static_cast<uint8_t>(stored[i])) << (8 * i);
  }
  if (Crc32(checked) != expected) {
    return Corrupt("the checksum does not match: the bytes are truncated or garbled");
  }
  return checked.substr(1);
}

base::Status ReadMetadata(Reader& reader, Metadata& metadata) {
  SLUICE_ASSIGN_OR_RETURN(const uint64_t names, reader.Varint("metadata count"));
  for (uint64_t i = 0; i < names; ++i) {
    SLUICE_ASSIGN_OR_RETURN(const std::string_view name, reader.Bytes("metadata name"));
    SLUICE_ASSIGN_OR_RETURN(const uint64_t count, reader.Varint("metadata value count"));
    std::vector<std::string> values;
    for (uint64_t j = 0; j < count; ++j) {
      SLUICE_ASSIGN_OR_RETURN(const std::string_view value, reader.Bytes("metadata value"));
      values.emplace_back(value);
    }
    metadata.emplace_back(std::string(name), std::move(values));
  }
  return base::Status::Ok();
}

base::Status ReadFieldKinds(Reader& reader, FieldKinds& kinds) {
  SLUICE_ASSIGN_OR_RETURN(const uint64_t count, reader.Varint("field kind count"));
  for (uint64_t i = 0; i < count; ++i) {
    SLUICE_ASSIGN_OR_RETURN(const std::string_view name, reader.Bytes("field kind name"));
    SLUICE_ASSIGN_OR_RETURN(const uint8_t byte, reader.Byte("field kind"));
    std::optional<FieldKind> kind = KindOfByte(byte);
    if (!kind) {
      return Corrupt("field " + std::string(name) + " has the unknown kind " +
                     std::to_string(byte));
    }
    // A numeric or date field gets a slot, recorded under its name in the index's metadata,
    // which only reads back for a field name (Sluice's field catalog accepts no other).
    if (*kind != FieldKind::kString && !IsFieldName(name)) {
      return Corrupt("a numeric or date field kind is for \"" + std::string(name) +
                     "\", which is not a field name");
    }
    kinds.emplace_back(std::string(name), *kind);
  }
  return base::Status::Ok();
}

base::Result<std::string> ReadUri(Reader& reader) {
  SLUICE_ASSIGN_OR_RETURN(const std::string_view uri, reader.Bytes("uri"));
  if (uri.empty()) return Corrupt("the uri is empty");
  return std::string(uri);
}

}  // namespace

base::Result<std::string> EncodePut(const IndexDocument& document,
                                    const PreparedDocument& prepared) {
  if (document.uri.empty()) {
    return base::InvalidArgument("encode index put: the uri is empty; every item needs one");
  }
  SLUICE_ASSIGN_OR_RETURN(const std::string serialised, prepared.Serialise());
  std::string out;
  out.reserve(serialised.size() + document.uri.size() + 64);
  out.push_back(static_cast<char>(kPutFormat));
  AppendBytes(document.uri, out);
  AppendVarint(document.metadata.size(), out);
  for (const auto& [name, values] : document.metadata) {
    AppendBytes(name, out);
    AppendVarint(values.size(), out);
    for (const std::string& value : values) AppendBytes(value, out);
  }
  AppendVarint(document.field_kinds.size(), out);
  for (const auto& [name, kind] : document.field_kinds) {
    AppendBytes(name, out);
    out.push_back(static_cast<char>(KindByte(kind)));
  }
  AppendBytes(serialised, out);
  const uint32_t checksum = Crc32(out);
  for (size_t i = 0; i < kChecksumBytes; ++i) {
    out.push_back(static_cast<char>((checksum >> (8 * i)) & 0xff));
  }
  return out;
}

base::Result<std::string> EncodedPutUri(std::string_view encoded) {
  SLUICE_ASSIGN_OR_RETURN(const std::string_view fields, CheckedFields(encoded));
  Reader reader(fields);
  return ReadUri(reader);
}

base::Result<DecodedPut> DecodePut(std::string_view encoded) {
  SLUICE_ASSIGN_OR_RETURN(const std::string_view fields, CheckedFields(encoded));
  Reader reader(fields);
  IndexDocument document;
  SLUICE_ASSIGN_OR_RETURN(document.uri, ReadUri(reader));
  SLUICE_RETURN_IF_ERROR(ReadMetadata(reader, document.metadata));
  SLUICE_RETURN_IF_ERROR(ReadFieldKinds(reader, document.field_kinds));
  SLUICE_ASSIGN_OR_RETURN(const std::string_view serialised, reader.Bytes("Xapian document"));
  SLUICE_RETURN_IF_ERROR(reader.ExpectEnd());
  SLUICE_ASSIGN_OR_RETURN(PreparedDocument prepared,
                          PreparedDocument::Unserialise(serialised, document.uri));
  return DecodedPut{std::move(document), std::move(prepared)};
}

base::Status ApplyEncodedPut(IndexWriter& writer, std::string_view encoded) {
  SLUICE_ASSIGN_OR_RETURN(DecodedPut put, DecodePut(encoded));
  return writer.Put(put.document, put.prepared);
}

}  // namespace sluice::index
