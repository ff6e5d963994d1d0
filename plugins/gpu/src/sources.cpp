#include "sources.hpp"

#include "nvml.hpp"

#include <dlfcn.h>

namespace ccattest::gpu {
using sdk::failure;

namespace {

// Whether NVIDIA's NSCQ library (the NVSwitch counterpart of NVML) can be loaded here.
bool nscq_present(const std::string &library) {
    void *handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        return false;
    }
    ::dlclose(handle);
    return true;
}

// In protected-PCIe mode the NVSwitches carry the GPUs' traffic in plain text, so they belong to
// what is attested: a token of the GPUs alone would silently leave them out. Switch evidence
// through NSCQ is not implemented yet, so such a request is refused with a way out
// (include_switches false attests the GPUs alone, knowingly). In CC mode the GPUs encrypt their
// traffic and the switches are not part of the evidence.
void check_switches(const SourceConfig &config, const nvml::CcMode &mode) {
    if (!mode.protected_pcie || !config.include_switches) {
        return;
    }
    if (!nscq_present(config.nscq_library)) {
        throw failure(CCATTEST_E_NO_DEVICE,
                      "protected-PCIe mode is on, but NVIDIA's NVSwitch library " +
                          config.nscq_library +
                          " is not found; set include_switches to false to attest the GPUs alone");
    }
    throw failure(CCATTEST_E_UNSUPPORTED,
                  "NVSwitch attestation through NSCQ is not supported yet (protected-PCIe mode is "
                  "on); set include_switches to false to attest the GPUs alone");
}

Evidence from_nvml(const SourceConfig &config, std::span<const uint8_t, spdm_nonce_size> nonce) {
    const nvml::Session session(config.nvml_library);
    const nvml::CcMode mode = nvml::cc_mode(session);
    check_switches(config, mode);
    Evidence evidence;
    evidence.form = TokenForm::ccattest;
    evidence.devices = nvml::attest_gpus(session, nonce);
    return evidence;
}

} // namespace

Evidence generate_evidence(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                           int64_t now) {
    // The SPDM nonce binds the first half of the core's report data (sources.hpp).
    const auto nonce = report_data.first<spdm_nonce_size>();
    if (config.source == "auto" || config.source == "nvml") {
        return from_nvml(config, nonce);
    }
    if (config.source == "simulator") {
        if (!config.simulator) {
            throw failure(CCATTEST_E_CONFIG, "source \"simulator\" needs a simulator block");
        }
        return simulate_evidence(*config.simulator, nonce, now);
    }
    if (config.source == "none") {
        throw failure(CCATTEST_E_UNSUPPORTED, "this instance generates no evidence (source none)");
    }
    throw failure(CCATTEST_E_CONFIG, "unknown evidence source \"" + config.source +
                                         "\" (auto, nvml, simulator or none)");
}

} // namespace ccattest::gpu
