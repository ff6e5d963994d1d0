#include "ccattest/support/tsm.hpp"

#include <ccattest/support/files.hpp>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ccattest::support::tsm {
using sdk::failure;
namespace fs = std::filesystem;

namespace {

constexpr size_t max_text_attribute = 4096;

Bytes read_attribute(const fs::path &file, size_t max_size) {
    try {
        return read_file(file, max_size);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_IO, std::string("configfs-tsm: ") + e.what());
    }
}

std::string read_text(const fs::path &file) {
    const Bytes data = read_attribute(file, max_text_attribute);
    std::string text(data.begin(), data.end());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.pop_back();
    }
    return text;
}

void write_attribute(const fs::path &file, std::span<const uint8_t> data) {
    const UniqueFd descriptor(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!descriptor.valid()) {
        throw failure(CCATTEST_E_IO,
                      "configfs-tsm: cannot open " + file.string() + ": " + std::strerror(errno));
    }
    // configfs takes an attribute in one write(2); a short write is a failure, not a retry.
    const ssize_t written = ::write(descriptor.get(), data.data(), data.size());
    if (written != static_cast<ssize_t>(data.size())) {
        throw failure(CCATTEST_E_IO, "configfs-tsm: writing " + file.string() +
                                         " failed: " + std::strerror(errno));
    }
}

// A report entry, removed again when done (configfs entries are per-request scratch objects).
class ReportEntry {
public:
    explicit ReportEntry(const fs::path &root) {
        static std::atomic<unsigned> counter{0};
        path_ = root / ("ccattest-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        if (::mkdir(path_.c_str(), 0700) != 0) {
            throw failure(CCATTEST_E_IO, "configfs-tsm: cannot create " + path_.string() + ": " +
                                             std::strerror(errno));
        }
    }
    ~ReportEntry() {
        // configfs removes the attributes with the folder; a fake folder needs them removed first.
        std::error_code ignored;
        if (::rmdir(path_.c_str()) != 0) {
            fs::remove_all(path_, ignored);
        }
    }
    ReportEntry(const ReportEntry &) = delete;
    ReportEntry &operator=(const ReportEntry &) = delete;
    [[nodiscard]] const fs::path &path() const noexcept { return path_; }

private:
    fs::path path_;
};

void check_provider(const fs::path &entry, const Request &request) {
    const std::string provider = read_text(entry / "provider");
    if (provider != request.expected_provider) {
        throw failure(CCATTEST_E_NO_DEVICE, "configfs-tsm: provider is \"" + provider + "\", not " +
                                                request.expected_provider + " (this is not " +
                                                request.expected_machine + ")");
    }
}

// One write-and-read round; nullopt when another writer raced it.
std::optional<Report> attempt(const fs::path &entry, const Request &request) {
    if (request.privlevel) {
        const std::string level = std::to_string(*request.privlevel);
        write_attribute(entry / "privlevel",
                        {reinterpret_cast<const uint8_t *>(level.data()), level.size()});
    }
    write_attribute(entry / "inblob", request.inblob);
    const std::string before = read_text(entry / "generation");
    Report report;
    report.outblob = read_attribute(entry / "outblob", request.max_blob_size);
    if (request.read_auxblob) {
        report.auxblob = read_attribute(entry / "auxblob", request.max_blob_size);
    }
    // A concurrent writer moves the generation, or leaves its own report behind.
    if (read_text(entry / "generation") != before) {
        return std::nullopt;
    }
    if (request.judge && request.judge(report.outblob) == Outblob::not_ours) {
        return std::nullopt;
    }
    return report;
}

} // namespace

Report get_report(const Request &request) {
    std::error_code ec;
    if (!fs::is_directory(request.report_path, ec)) {
        throw failure(CCATTEST_E_NO_DEVICE,
                      "configfs-tsm: " + request.report_path.string() + " does not exist");
    }
    const ReportEntry entry(request.report_path);
    if (request.after_mkdir) {
        request.after_mkdir(entry.path());
    }
    check_provider(entry.path(), request);
    for (int round = 1; round <= request.max_attempts; ++round) {
        if (auto report = attempt(entry.path(), request)) {
            return std::move(*report);
        }
    }
    throw failure(CCATTEST_E_IO, "configfs-tsm: another writer changed the report entry during " +
                                     std::to_string(request.max_attempts) + " attempts");
}

} // namespace ccattest::support::tsm
