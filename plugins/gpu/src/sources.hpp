// Where GPU evidence comes from: NVIDIA's management library (NVML, loaded at run time with
// dlopen, never linked, so the plugin loads and verifies on machines without a GPU driver) for
// GPUs, NVIDIA's NSCQ library (likewise) for NVSwitches in protected-PCIe mode, or the simulator.
// "auto" uses NVML and never the simulator.
//
// Binding: the SPDM nonce is the first 32 bytes of the 64 bytes of report data the core asks to
// bind (the core's report data is a digest, so its first half still binds challenge and identity).
// Every device of the machine is attested with that one nonce and the token carries all of them.
#pragma once

#include "evidence.hpp"
#include "simulator.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ccattest::gpu {

struct SourceConfig {
    std::string source = "auto"; ///< auto, nvml, simulator, none
    std::string nvml_library = "libnvidia-ml.so.1";
    std::string nscq_library = "libnvidia-nscq.so.2";
    bool include_switches = true; ///< also attest NVSwitches when NSCQ is present
    std::optional<SimulatorConfig> simulator;
};

/// Evidence binding report_data from the configured source (`now` dates simulated material).
/// Throws sdk::failure: CCATTEST_E_NO_DEVICE naming what was probed when no source is present, no
/// GPU is found, or confidential computing is off ("CC mode is off"); CCATTEST_E_IO naming the
/// device and NVML's error for a device that fails to attest; CCATTEST_E_UNSUPPORTED for
/// source "none".
Evidence generate_evidence(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                           int64_t now);

} // namespace ccattest::gpu
