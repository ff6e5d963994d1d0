// Bounded reads of regular files: the one way the core and the plugins read a file.
#pragma once

#include "ccattest/common/bytes.hpp"

#include <filesystem>
#include <string>

namespace ccattest::common {

/// Reads a whole regular file of at most max_size bytes. Refuses, naming the path: a missing
/// file, a folder, anything not a regular file (FIFO, device, socket: they could block or never
/// end), a symbolic-link loop, a file larger than max_size (also one that grows while read), and
/// any read error. Throws sdk::failure(CCATTEST_E_IO).
Bytes read_file(const std::filesystem::path &file, size_t max_size);

/// read_file as text.
std::string read_text_file(const std::filesystem::path &file, size_t max_size);

} // namespace ccattest::common
