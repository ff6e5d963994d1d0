// Where TDX evidence comes from: the kernel's configfs-tsm report interface (provider tdx_guest;
// the kernel asks the host's quote generation service), /dev/tdx_guest (the TDREPORT, and the
// quote where the kernel offers the GetQuote ioctl), or the simulator. "auto" takes the first real
// source present and never the simulator.
#pragma once

#include "evidence.hpp"
#include "simulator.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace ccattest::tdx {

struct SourceConfig {
    std::string source = "auto"; ///< auto, configfs-tsm, tdx-guest, simulator, none
    std::filesystem::path configfs_path = "/sys/kernel/config/tsm/report";
    std::filesystem::path tdx_guest_device = "/dev/tdx_guest";
    /// How long /dev/tdx_guest's GetQuote may stay "in flight" before CCATTEST_E_TIMEOUT.
    uint32_t get_quote_timeout_ms = 30000;
    std::optional<SimulatorConfig> simulator;
};

/// Seams for tests, standing in for the kernel: called after the report entry is created (to
/// populate a fake configfs entry), and instead of ioctl(2).
struct SourceSeams {
    std::function<void(const std::filesystem::path &entry)> after_configfs_mkdir;
    std::function<int(int descriptor, unsigned long request, void *argument)> ioctl;
};

/// Evidence binding report_data from the configured source (`now` dates simulated collateral).
/// Throws sdk::failure: CCATTEST_E_NO_DEVICE naming what was probed when no source is present or
/// when /dev/tdx_guest offers no quote, CCATTEST_E_IO or CCATTEST_E_TIMEOUT for device failures.
Evidence generate_evidence(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                           int64_t now, const SourceSeams &seams = {});

} // namespace ccattest::tdx
