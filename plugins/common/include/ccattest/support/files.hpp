// Bounded reads of regular files: the one way the core and the plugins read a file.
#pragma once

#include "ccattest/support/bytes.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>

namespace ccattest::support {

/// An owned file descriptor, closed when it goes out of scope.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int descriptor) noexcept : descriptor_(descriptor) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd &&other) noexcept : descriptor_(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;

    [[nodiscard]] int get() const noexcept { return descriptor_; }
    [[nodiscard]] bool valid() const noexcept { return descriptor_ >= 0; }
    int release() noexcept { return std::exchange(descriptor_, -1); }
    void reset(int descriptor = -1) noexcept {
        if (descriptor_ >= 0) {
            ::close(descriptor_);
        }
        descriptor_ = descriptor;
    }

private:
    int descriptor_ = -1;
};

/// Reads a whole regular file of at most max_size bytes. Refuses, naming the path: a missing
/// file, a folder, anything not a regular file (FIFO, device, socket: they could block or never
/// end), a symbolic-link loop, a file larger than max_size (also one that grows while read), and
/// any read error. Throws sdk::failure(CCATTEST_E_IO).
Bytes read_file(const std::filesystem::path &file, size_t max_size);

/// Writes all of `bytes` to `descriptor`, retrying short writes and EINTR. false, with errno set,
/// when a write fails (callers name the file in their own error).
bool write_all(int descriptor, std::string_view bytes) noexcept;

/// fsyncs a folder, so that a file created or renamed in it survives a crash. false, with errno
/// set, when the folder cannot be opened or synced.
bool sync_folder(const std::filesystem::path &folder) noexcept;

/// read_file as text.
std::string read_text_file(const std::filesystem::path &file, size_t max_size);

} // namespace ccattest::support
