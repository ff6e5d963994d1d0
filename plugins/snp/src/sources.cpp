#include "sources.hpp"

#include <ccattest/support/files.hpp>
#include <ccattest/support/tsm.hpp>

#include <linux/sev-guest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <thread>
#include <unistd.h>

namespace ccattest::snp {
using sdk::failure;
using support::Bytes;
namespace fs = std::filesystem;

namespace {

constexpr int max_attempts = 3;
constexpr size_t max_blob = size_t{64} << 10U;

// ---- configfs-tsm (support/tsm.hpp) ------------------------------------------------------------

Evidence from_configfs(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                       const SourceSeams &seams) {
    support::tsm::Request request;
    request.report_path = config.configfs_path;
    request.expected_provider = "sev_guest";
    request.expected_machine = "an SEV-SNP guest";
    request.inblob = report_data;
    request.privlevel = config.vmpl;
    request.max_blob_size = max_blob;
    request.max_attempts = max_attempts;
    request.after_mkdir = seams.after_configfs_mkdir;
    request.judge = [&](std::span<const uint8_t> outblob) {
        if (outblob.size() != report_size) {
            throw failure(CCATTEST_E_IO,
                          "configfs-tsm: outblob is " + std::to_string(outblob.size()) +
                              " bytes, expected a " + std::to_string(report_size) + "-byte report");
        }
        // Another writer's request leaves its own report data behind.
        return std::equal(report_data.begin(), report_data.end(), outblob.begin() + 0x50)
                   ? support::tsm::Outblob::ours
                   : support::tsm::Outblob::not_ours;
    };
    support::tsm::Report report = support::tsm::get_report(request);
    Evidence evidence;
    evidence.report = std::move(report.outblob);
    read_certificate_table(report.auxblob, evidence);
    return evidence;
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
