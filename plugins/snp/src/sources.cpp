#include "sources.hpp"

#include <ccattest/support/files.hpp>

#include <linux/sev-guest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace ccattest::snp {
using sdk::failure;
using support::Bytes;
namespace fs = std::filesystem;

namespace {

constexpr int max_attempts = 3;
constexpr size_t max_blob = size_t{64} << 10U;

// ---- configfs-tsm -------------------------------------------------------------------------------

Bytes read_attribute(const fs::path &file) {
    try {
        return support::read_file(file, max_blob);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_IO, std::string("configfs-tsm: ") + e.what());
    }
}

std::string read_text(const fs::path &file) {
    const Bytes data = read_attribute(file);
    std::string text(data.begin(), data.end());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.pop_back();
    }
    return text;
}

void write_attribute(const fs::path &file, std::span<const uint8_t> data) {
    const int descriptor = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (descriptor < 0) {
        throw failure(CCATTEST_E_IO,
                      "configfs-tsm: cannot open " + file.string() + ": " + std::strerror(errno));
    }
    const ssize_t written = ::write(descriptor, data.data(), data.size());
    const int saved = errno;
    ::close(descriptor);
    if (written != static_cast<ssize_t>(data.size())) {
        throw failure(CCATTEST_E_IO, "configfs-tsm: writing " + file.string() +
                                         " failed: " + std::strerror(saved));
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

Evidence from_configfs(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                       const SourceSeams &seams) {
    const ReportEntry entry(config.configfs_path);
    if (seams.after_configfs_mkdir) {
        seams.after_configfs_mkdir(entry.path());
    }
    const std::string provider = read_text(entry.path() / "provider");
    if (provider != "sev_guest") {
        throw failure(CCATTEST_E_NO_DEVICE, "configfs-tsm: provider is \"" + provider +
                                                "\", not sev_guest (this is not an SEV-SNP guest)");
    }
    const std::string level = std::to_string(config.vmpl);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        write_attribute(entry.path() / "privlevel",
                        {reinterpret_cast<const uint8_t *>(level.data()), level.size()});
        write_attribute(entry.path() / "inblob", report_data);
        const std::string before = read_text(entry.path() / "generation");
        Evidence evidence;
        evidence.report = read_attribute(entry.path() / "outblob");
        const Bytes table = read_attribute(entry.path() / "auxblob");
        const std::string after = read_text(entry.path() / "generation");
        // A concurrent writer changes the generation, or leaves its own report data behind.
        if (before != after || evidence.report.size() != report_size ||
            !std::equal(report_data.begin(), report_data.end(), evidence.report.begin() + 0x50)) {
            if (evidence.report.size() != report_size && before == after) {
                throw failure(CCATTEST_E_IO, "configfs-tsm: outblob is " +
                                                 std::to_string(evidence.report.size()) +
                                                 " bytes, expected a " +
                                                 std::to_string(report_size) + "-byte report");
            }
            continue;
        }
        read_certificate_table(table, evidence);
        return evidence;
    }
    throw failure(CCATTEST_E_IO, "configfs-tsm: another writer changed the report entry during " +
                                     std::to_string(max_attempts) + " attempts");
}

// ---- /dev/sev-guest -----------------------------------------------------------------------------

constexpr size_t page_size = 4096;
constexpr size_t default_certs_size = 4 * page_size; // SEV_FW_BLOB_MAX_SIZE
constexpr uint32_t vmm_invalid_length = SNP_GUEST_VMM_ERR_INVALID_LEN;
constexpr uint32_t vmm_busy = SNP_GUEST_VMM_ERR_BUSY;

std::string firmware_status_name(uint32_t status) {
    switch (status) {
    case 0x16: return "INVALID_PARAM";
    case 0x27: return "INVALID_KEY";
    default:
        return "0x" + support::to_hex(std::span(reinterpret_cast<const uint8_t *>(&status), 1));
    }
}

Evidence from_sev_guest(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                        const SourceSeams &seams) {
    const int descriptor = ::open(config.sev_guest_device.c_str(), O_RDWR | O_CLOEXEC);
    if (descriptor < 0) {
        const int saved = errno;
        throw failure(saved == ENOENT || saved == ENXIO || saved == ENODEV ? CCATTEST_E_NO_DEVICE
                                                                           : CCATTEST_E_IO,
                      "sev-guest: cannot open " + config.sev_guest_device.string() + ": " +
                          std::strerror(saved));
    }
    struct Close {
        int fd;
        ~Close() { ::close(fd); }
    } closer{descriptor};
    const auto call = [&](unsigned long request, void *argument) {
        return seams.ioctl ? seams.ioctl(descriptor, request, argument)
                           : ::ioctl(descriptor, request, argument);
    };

    snp_ext_report_req request{};
    std::copy(report_data.begin(), report_data.end(), request.data.user_data);
    request.data.vmpl = config.vmpl;
    snp_report_resp response{};
    Bytes certificates(default_certs_size, 0);
    bool extended = true;
    for (int attempt = 1;; ++attempt) {
        request.certs_address = reinterpret_cast<uintptr_t>(certificates.data());
        request.certs_len = static_cast<uint32_t>(certificates.size());
        snp_guest_request_ioctl guest{};
        guest.msg_version = 1;
        guest.req_data = extended ? reinterpret_cast<uintptr_t>(&request)
                                  : reinterpret_cast<uintptr_t>(&request.data);
        guest.resp_data = reinterpret_cast<uintptr_t>(&response);
        const int result = call(extended ? SNP_GET_EXT_REPORT : SNP_GET_REPORT, &guest);
        if (result == 0) {
            break;
        }
        const int saved = errno;
        const uint32_t vmm_error = static_cast<uint32_t>(guest.exitinfo2 >> 32U);
        const uint32_t fw_error = static_cast<uint32_t>(guest.exitinfo2 & 0xFFFFFFFFU);
        if (extended && vmm_error == vmm_invalid_length && attempt < max_attempts &&
            request.certs_len > certificates.size() && request.certs_len <= max_blob) {
            certificates.assign((request.certs_len + page_size - 1) / page_size * page_size, 0);
            continue; // the host needs a larger certificate buffer and said how large
        }
        if (vmm_error == vmm_busy) {
            if (attempt >= max_attempts) {
                throw failure(CCATTEST_E_TIMEOUT, "sev-guest: the host throttled the request " +
                                                      std::to_string(max_attempts) + " times");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
            continue;
        }
        if (extended && (saved == ENOTTY || saved == EINVAL) && fw_error == 0 && vmm_error == 0) {
            extended =
                false; // no extended reports here: plain report, certificates from collateral
            continue;
        }
        throw failure(CCATTEST_E_IO, std::string("sev-guest: ") +
                                         (extended ? "SNP_GET_EXT_REPORT" : "SNP_GET_REPORT") +
                                         " failed: " + std::strerror(saved) + " (firmware error " +
                                         std::to_string(fw_error) + ", VMM error " +
                                         std::to_string(vmm_error) + ")");
    }
    const support::ByteReader message(std::span(response.data, sizeof response.data));
    const uint32_t status = message.u32(0, "MSG_REPORT_RSP status");
    if (status != 0) {
        throw failure(CCATTEST_E_IO, "sev-guest: firmware rejected the request: status " +
                                         firmware_status_name(status));
    }
    const uint32_t size = message.u32(4, "MSG_REPORT_RSP report_size");
    if (size != report_size) {
        throw failure(CCATTEST_E_IO, "sev-guest: report_size is " + std::to_string(size) +
                                         ", expected " + std::to_string(report_size));
    }
    Evidence evidence;
    const auto report = message.bytes(0x20, size, "MSG_REPORT_RSP report");
    evidence.report.assign(report.begin(), report.end());
    if (extended) {
        read_certificate_table(certificates, evidence);
    }
    return evidence;
}

} // namespace

Evidence generate_evidence(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                           const SourceSeams &seams) {
    std::error_code ec;
    if (config.source == "configfs-tsm") {
        if (!fs::is_directory(config.configfs_path, ec)) {
            throw failure(CCATTEST_E_NO_DEVICE,
                          "configfs-tsm: " + config.configfs_path.string() + " does not exist");
        }
        return from_configfs(config, report_data, seams);
    }
    if (config.source == "sev-guest") {
        return from_sev_guest(config, report_data, seams);
    }
    if (config.source == "simulator") {
        if (!config.simulator) {
            throw failure(CCATTEST_E_CONFIG, "source \"simulator\" needs a simulator block");
        }
        return simulate_report(*config.simulator, report_data).evidence;
    }
    if (config.source == "auto") {
        if (fs::is_directory(config.configfs_path, ec)) {
            try {
                return from_configfs(config, report_data, seams);
            } catch (const failure &e) {
                if (e.status() != CCATTEST_E_NO_DEVICE) {
                    throw;
                } // another TEE's provider: try the SNP device
            }
        }
        if (fs::exists(config.sev_guest_device, ec)) {
            return from_sev_guest(config, report_data, seams);
        }
        throw failure(CCATTEST_E_NO_DEVICE,
                      "no SEV-SNP evidence source: probed " + config.configfs_path.string() +
                          " (configfs-tsm) and " + config.sev_guest_device.string() +
                          " (sev-guest); this machine is not an SEV-SNP guest");
    }
    throw failure(CCATTEST_E_UNSUPPORTED,
                  "source \"" + config.source + "\" cannot generate evidence");
}

} // namespace ccattest::snp
