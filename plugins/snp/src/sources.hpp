// Where SNP evidence comes from: the kernel's configfs-tsm report interface, the /dev/sev-guest
// ioctls, or the simulator. "auto" takes the first real source present and never the simulator.
#pragma once

#include "evidence.hpp"
#include "simulator.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace ccattest::snp {

struct SourceConfig {
    std::string source = "auto"; ///< auto, configfs-tsm, sev-guest, simulator, none
    uint32_t vmpl = 0;
    std::filesystem::path configfs_path = "/sys/kernel/config/tsm/report";
    std::filesystem::path sev_guest_device = "/dev/sev-guest";
    std::optional<SimulatorConfig> simulator;
};

/// Seams for tests, standing in for the kernel: called after the report entry is created (to
/// populate a fake configfs entry), and instead of ioctl(2).
struct SourceSeams {
    std::function<void(const std::filesystem::path &entry)> after_configfs_mkdir;
    std::function<int(int descriptor, unsigned long request, void *argument)> ioctl;
};

/// Evidence binding report_data from the configured source. Throws sdk::failure:
/// CCATTEST_E_NO_DEVICE naming what was probed when no source is present, CCATTEST_E_IO or
/// CCATTEST_E_TIMEOUT for device failures.
Evidence generate_evidence(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                           const SourceSeams &seams = {});

} // namespace ccattest::snp
