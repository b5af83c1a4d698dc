// Runs the extractors of formats whose parsers are large and face hostile files (PDF, Office) in
// a child process with CPU, memory and file-size limits: a file that crashes the parser, loops
// or eats memory fails that one item, never the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract {

// Whether the child limits its address space (RLIMIT_AS). Sanitizers reserve terabytes of address
// space for their shadow memory before main(), so under them the limit would fail every
// allocation: sanitized builds go without it.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kChildAddressSpaceLimited = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
inline constexpr bool kChildAddressSpaceLimited = false;
#else
inline constexpr bool kChildAddressSpaceLimited = true;
#endif
#else
inline constexpr bool kChildAddressSpaceLimited = true;
#endif

// The formats a child extracts: "pdf" and "office" (OOXML and OpenDocument); its limits
// (ChildLimits) are in extractor.h.
//
// Starts `command extract-child <format> <limits...>` (posix_spawn; `command` is the sluice
// binary, or any executable whose main calls RunExtractChild) with the regular file open at
// `fd` as its standard input, and reads what it extracted from its standard output. The child
// sets its limits on itself before it reads a byte. A crash, a limit or the wall-clock deadline
// fails with FailedPrecondition naming the format and the cause ("PDF extraction stopped: CPU
// limit of 300 s reached"); a failure the extractor reports (an encrypted PDF) keeps its code
// and message. Thread-safe; `fd` is not closed and its offset does not matter.
base::Result<ExtractedText> ExtractInChild(const std::filesystem::path& command,
                                           std::string_view format, int fd,
                                           const ChildLimits& limits, size_t max_body_bytes);

// The child's side, for main(): `argv` is {program, "extract-child", format, limits...} as
// ExtractInChild passes them. Returns the process exit code.
int RunExtractChild(int argc, char** argv);

}  // namespace sluice::extract
