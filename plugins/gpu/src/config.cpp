#include "config.hpp"

#include <ccattest/support/config_values.hpp>

#include <optional>
#include <string>

namespace ccattest::gpu {
namespace json = boost::json;
using sdk::failure;
using support::config_text;

namespace {

std::vector<std::filesystem::path> paths(const json::object &config, const char *key) {
    std::vector<std::filesystem::path> out;
    if (const auto *list = config.if_contains(key)) {
        for (const auto &item : list->as_array()) {
            out.emplace_back(std::string(item.as_string()));
        }
    }
    return out;
}

void read_flag(const json::object &config, const char *key, bool &out) {
    if (const auto *value = config.if_contains(key)) {
        out = value->as_bool();
    }
}

support::OcspStatus ocsp_status_named(std::string_view name) {
    if (name == "revoked") {
        return support::OcspStatus::revoked;
    }
    if (name == "certificate_hold") {
        return support::OcspStatus::certificate_hold;
    }
    return support::OcspStatus::good;
}

unsigned small_count(const json::value &value) {
    return static_cast<unsigned>(value.to_number<int64_t>()); // the schema bounds it
}

void simulator_device(const json::object &block, SimulatorConfig &sim) {
    if (const auto *kind = block.if_contains("kind")) {
        sim.kind = kind->as_string() == "switch" ? DeviceKind::nvswitch : DeviceKind::gpu;
    }
    if (const auto *arch = block.if_contains("arch")) {
        sim.arch = arch_from_name(arch->as_string()).value_or(Arch::hopper);
    } else if (sim.kind == DeviceKind::nvswitch) {
        sim.arch = Arch::ls10;
    }
    if (sim.kind == DeviceKind::gpu && sim.arch == Arch::ls10) {
        throw failure(CCATTEST_E_CONFIG,
                      "simulator: ls10 is an NVSwitch, not a GPU (kind \"switch\")");
    }
    if (sim.kind == DeviceKind::nvswitch && sim.arch != Arch::ls10) {
        throw failure(CCATTEST_E_CONFIG,
                      "simulator: a switch is ls10, not " + std::string(arch_name(sim.arch)));
    }
}

SimulatorConfig simulator_config(const json::object &block) {
    SimulatorConfig sim;
    sim.state_dir = std::string(block.at("state_dir").as_string());
    simulator_device(block, sim);
    if (const auto *count = block.if_contains("device_count")) {
        sim.device_count = small_count(*count);
    }
    if (auto version = config_text(block, "driver_version")) {
        sim.driver_version = *version;
    }
    if (auto version = config_text(block, "vbios_version")) {
        sim.vbios_version = *version;
    }
    if (const auto *indices = block.if_contains("mismatched_indices")) {
        for (const auto &index : indices->as_array()) {
            sim.mismatched_indices.push_back(small_count(index));
        }
    }
    if (const auto *device = block.if_contains("mismatch_device")) {
        sim.mismatch_device = small_count(*device);
        if (*sim.mismatch_device >= sim.device_count) {
            throw failure(CCATTEST_E_CONFIG,
                          "simulator: mismatch_device " + std::to_string(*sim.mismatch_device) +
                              " is beyond device_count " + std::to_string(sim.device_count) +
                              " (devices count from 0)");
        }
    }
    read_flag(block, "include_rims", sim.include_rims);
    read_flag(block, "include_ocsp", sim.include_ocsp);
    if (auto status = config_text(block, "ocsp_status")) {
        sim.ocsp_status = ocsp_status_named(*status);
    }
    return sim;
}

NrasConfig nras_config(const json::object &block) {
    NrasConfig nras;
    if (auto file = config_text(block, "jwks_file")) {
        nras.jwks_file = *file;
    }
    if (auto url = config_text(block, "jwks_url")) {
        nras.jwks_url = *url;
    }
    if (auto issuer = config_text(block, "issuer")) {
        nras.issuer = *issuer;
    }
    if (const auto *skew = block.if_contains("clock_skew_s")) {
        nras.clock_skew_s = skew->to_number<int64_t>();
    }
    return nras;
}

VerifierConfig verifier_config(const json::object &config) {
    VerifierConfig verifier;
    if (auto dir = config_text(config, "trust_dir")) {
        verifier.trust_dir = *dir;
    }
    verifier.certificate_files = paths(config, "certificate_files");
    verifier.rim_files = paths(config, "rim_files");
    verifier.collateral = paths(config, "collateral");
    if (auto url = config_text(config, "rim_service_url")) {
        verifier.rim_service_url = *url;
    }
    verifier.ocsp_url = config_text(config, "ocsp_url");
    read_flag(config, "check_ocsp", verifier.check_ocsp);
    read_flag(config, "tolerate_certificate_hold", verifier.tolerate_certificate_hold);
    read_flag(config, "accept_rim_documents", verifier.accept_rim_documents);
    read_flag(config, "allow_simulated", verifier.allow_simulated);
    if (const auto *nras = config.if_contains("nras")) {
        verifier.nras = nras_config(nras->as_object());
    }
    return verifier;
}

SourceConfig source_config(const json::object &config) {
    SourceConfig source;
    if (auto name = config_text(config, "source")) {
        source.source = *name;
    }
    if (auto library = config_text(config, "nvml_library")) {
        source.nvml_library = *library;
    }
    if (auto library = config_text(config, "nscq_library")) {
        source.nscq_library = *library;
    }
    read_flag(config, "include_switches", source.include_switches);
    if (const auto *sim = config.if_contains("simulator")) {
        source.simulator = simulator_config(sim->as_object());
    }
    return source;
}

} // namespace

PluginConfig parse_plugin_config(const json::object &config) {
    PluginConfig out;
    out.verifier = verifier_config(config);
    out.source = source_config(config);
    if (out.source.simulator) {
        out.verifier.simulator_state_dir = out.source.simulator->state_dir;
    }
    if (out.source.source == "simulator" && !out.source.simulator) {
        throw failure(CCATTEST_E_CONFIG,
                      "source \"simulator\" needs a \"simulator\" block with a state_dir");
    }
    if (out.verifier.allow_simulated && !out.source.simulator) {
        throw failure(CCATTEST_E_CONFIG,
                      "allow_simulated needs a \"simulator\" block: its state_dir holds the "
                      "simulator's roots");
    }
    return out;
}

} // namespace ccattest::gpu
