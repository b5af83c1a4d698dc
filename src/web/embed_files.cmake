# Turns files into a C++ source holding them as constexpr string literals, so the
# binary serves them without reading the disk. Run as a script:
#   cmake -DOUTPUT=out.cc -DNAMESPACE=sluice::web::internal -DBASE_DIR=dir
#         -P embed_files.cmake -- dir/a.html dir/b.js
# The output defines `std::span<const EmbeddedFile> NAMESPACE::EmbeddedFiles()`
# (see embedded_files.h); each file is named by its path under BASE_DIR with a
# leading "/".
cmake_minimum_required(VERSION 3.25)

foreach(required OUTPUT NAMESPACE BASE_DIR)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "embed_files.cmake: pass -D${required}=...")
  endif()
endforeach()

# The files are the script arguments after "--".
set(files "")
set(after_separator FALSE)
math(EXPR last_arg "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last_arg})
  if(after_separator)
    list(APPEND files "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()
list(SORT files)

set(byte "[0-9a-f][0-9a-f]")
string(REPEAT "${byte}" 40 line_of_bytes)

set(arrays "")
set(entries "")
set(index 0)
foreach(file IN LISTS files)
  file(RELATIVE_PATH name "${BASE_DIR}" "${file}")
  # The name goes into a string literal and a URL path: keep it to plain characters.
  if(NOT name MATCHES "^[A-Za-z0-9_][A-Za-z0-9._/-]*$" OR name MATCHES "\\.\\.")
    message(FATAL_ERROR "embed_files.cmake: cannot embed '${file}': its name under "
                        "'${BASE_DIR}' must be letters, digits, '.', '_', '-' or '/'")
  endif()
  file(READ "${file}" hex HEX)
  if(hex STREQUAL "")
    set(literal "\"\"")
  else()
    # 40 bytes per line, every byte as a \xNN escape (an escape ends at the next
    # backslash, so no following character can be taken into it).
    string(REGEX REPLACE "(${line_of_bytes})" "\\1\n" lines "${hex}")
    string(REGEX REPLACE "\n$" "" lines "${lines}")
    string(REGEX REPLACE "(${byte})" "\\\\x\\1" lines "${lines}")
    string(REPLACE "\n" "\"\n    \"" lines "${lines}")
    set(literal "\"${lines}\"")
  endif()
  string(APPEND arrays "// ${name}\nconstexpr char kFile${index}[] =\n    ${literal};\n\n")
  string(APPEND entries
    "    {\"/${name}\", {ContentTypeForFileName(\"${name}\"), {kFile${index}, sizeof(kFile${index}) - 1}}},\n")
  math(EXPR index "${index} + 1")
endforeach()

if(index EQUAL 0)
  set(table "")
  set(body "return {};")
else()
  set(table "constexpr EmbeddedFile kFiles[] = {\n${entries}};\n")
  set(body "return kFiles;")
endif()

file(WRITE "${OUTPUT}.tmp" "// Generated from ${BASE_DIR} by embed_files.cmake. Do not edit.
#include <span>

#include \"web/embedded_files.h\"

namespace ${NAMESPACE} {
namespace {

using ::sluice::web::internal::ContentTypeForFileName;
using ::sluice::web::internal::EmbeddedFile;

${arrays}${table}
}  // namespace

std::span<const EmbeddedFile> EmbeddedFiles() { ${body} }

}  // namespace ${NAMESPACE}
")
# Rename so a failed run never leaves a half-written source for the compiler.
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
