#include "ccattest/support/files.hpp"

#include <ccattest/authorizer.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ccattest::support {

namespace {

std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) {
        return "a folder";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        return "a device";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "not a regular file";
}

std::string open_error(int error) {
    switch (error) {
    case ENOENT: return "no such file";
    case ELOOP: return "too many levels of symbolic links (a link loop?)";
    case EACCES: return "permission denied";
    case ENOTDIR: return "a component of the path is not a folder";
    default: return std::strerror(error);
    }
}

} // namespace

Bytes read_file(const std::filesystem::path &file, size_t max_size) {
    const std::string name = file.string();
    auto fail = [&](const std::string &what) {
        return sdk::failure(CCATTEST_E_IO, name + ": " + what);
    };
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked right after.
    const UniqueFd opened(::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!opened.valid()) {
        throw fail(open_error(errno));
    }
    const int descriptor = opened.get();
    struct stat status {};
    if (::fstat(descriptor, &status) != 0) {
        throw fail(std::string("cannot inspect: ") + std::strerror(errno));
    }
    if (!S_ISREG(status.st_mode)) {
        throw fail("is " + kind_of(status.st_mode) + ", not a regular file");
    }
    const auto too_large = [&](uintmax_t size) {
        return fail("is " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(max_size) + " allowed");
    };
    if (static_cast<uintmax_t>(status.st_size) > max_size) {
        throw too_large(static_cast<uintmax_t>(status.st_size));
    }
    Bytes data(static_cast<size_t>(status.st_size) + 1);
    size_t filled = 0;
    for (;;) { // read until end of file, one byte past the limit at most
        if (filled == data.size()) {
            if (data.size() > max_size) {
                throw too_large(data.size());
            }
            data.resize(std::min(max_size + 1, data.size() * 2));
        }
        const ssize_t got = ::read(descriptor, data.data() + filled, data.size() - filled);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw fail(std::string("read failed: ") + std::strerror(errno));
        }
        if (got == 0) {
            break;
        }
        filled += static_cast<size_t>(got);
    }
    data.resize(filled);
    return data;
}

std::string read_text_file(const std::filesystem::path &file, size_t max_size) {
    const Bytes bytes = read_file(file, max_size);
    return {bytes.begin(), bytes.end()};
}

bool write_all(int descriptor, std::string_view bytes) noexcept {
    while (!bytes.empty()) {
        const ssize_t written = ::write(descriptor, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            if (written == 0) {
                errno = EIO;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(written));
    }
    return true;
}

bool sync_folder(const std::filesystem::path &folder) noexcept {
    const UniqueFd descriptor(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return descriptor.valid() && ::fsync(descriptor.get()) == 0;
}

} // namespace ccattest::support
