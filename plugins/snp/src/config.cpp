#include "config.hpp"

#include <ccattest/support/config_values.hpp>

#include <algorithm>
#include <optional>
#include <string>

namespace ccattest::snp {
namespace json = boost::json;
using sdk::failure;

namespace {

uint8_t small(const json::object &object, const char *key, uint8_t fallback) {
    const auto *value = object.if_contains(key);
    return value != nullptr ? static_cast<uint8_t>(value->to_number<int64_t>()) : fallback;
}

Product product_named(const json::value &value) {
    const auto product = product_from_name(value.as_string());
    if (!product) {
        throw failure(CCATTEST_E_CONFIG,
                      "unknown product \"" + std::string(value.as_string()) + "\"");
    }
    return *product;
}

void simulator_tcb(const json::object &t, Tcb &tcb) {
    tcb.bootloader = small(t, "bootloader", tcb.bootloader);
    tcb.tee = small(t, "tee", tcb.tee);
    tcb.snp = small(t, "snp", tcb.snp);
    tcb.microcode = small(t, "microcode", tcb.microcode);
    if (t.contains("fmc")) {
        tcb.fmc = small(t, "fmc", 0);
    }
}

void simulator_policy(const json::object &block, SimulatorConfig &sim) {
    if (const auto *policy = block.if_contains("policy")) {
        sim.policy = static_cast<uint64_t>(policy->to_number<int64_t>());
    }
    sim.policy |= 1ULL << 17U;
    if (const auto *debug = block.if_contains("debug"); debug != nullptr && debug->as_bool()) {
        sim.policy |= 1ULL << 19U;
    }
    if (const auto *ma = block.if_contains("migrate_ma"); ma != nullptr && ma->as_bool()) {
        sim.policy |= 1ULL << 18U;
    }
}

SimulatorConfig simulator_config(const json::object &block) {
    SimulatorConfig sim;
    sim.state_dir = std::string(block.at("state_dir").as_string());
    if (const auto *product = block.if_contains("product")) {
        sim.product = product_named(*product);
    }
    if (const auto *version = block.if_contains("report_version")) {
        sim.report_version = static_cast<uint32_t>(version->to_number<int64_t>());
    }
    if (const auto *key = block.if_contains("signing_key")) {
        sim.signing_key = key->as_string() == "vlek" ? SigningKey::vlek : SigningKey::vcek;
    }
    support::config_hex(block, "measurement", sim.measurement);
    support::config_hex(block, "host_data", sim.host_data);
    support::config_hex(block, "family_id", sim.family_id);
    support::config_hex(block, "image_id", sim.image_id);
    simulator_policy(block, sim);
    if (const auto *vmpl = block.if_contains("vmpl")) {
        sim.vmpl = static_cast<uint32_t>(vmpl->to_number<int64_t>());
    }
    if (const auto *svn = block.if_contains("guest_svn")) {
        sim.guest_svn = static_cast<uint32_t>(svn->to_number<int64_t>());
    }
    if (const auto *tcb = block.if_contains("tcb")) {
        simulator_tcb(tcb->as_object(), sim.tcb);
    }
    if (sim.product == Product::turin && !sim.tcb.fmc) {
        sim.tcb.fmc = 1;
    }
    return sim;
}

VerifierConfig verifier_config(const json::object &config) {
    VerifierConfig verifier;
    if (auto dir = support::config_text(config, "trust_dir")) {
        verifier.trust_dir = *dir;
    }
    if (auto dir = support::config_text(config, "collateral_dir")) {
        verifier.collateral_dir = *dir;
    }
    if (const auto *files = config.if_contains("certificate_files")) {
        for (const auto &file : files->as_array()) {
            verifier.certificate_files.emplace_back(std::string(file.as_string()));
        }
    }
    if (const auto *product = config.if_contains("product")) {
        verifier.product = product_named(*product);
    }
    if (auto url = support::config_text(config, "kds_url")) {
        verifier.kds_url = *url;
    }
    if (const auto *allow = config.if_contains("allow_simulated")) {
        verifier.allow_simulated = allow->as_bool();
    }
    if (const auto *require = config.if_contains("require_crl")) {
        verifier.require_crl = require->as_bool();
    }
    return verifier;
}

} // namespace

PluginConfig parse_plugin_config(const json::object &config) {
    PluginConfig out;
    out.verifier = verifier_config(config);
    SourceConfig &source = out.source;
    if (const auto *sim = config.if_contains("simulator")) {
        source.simulator = simulator_config(sim->as_object());
        out.verifier.simulator_state_dir = source.simulator->state_dir;
    }
    if (auto name = support::config_text(config, "source")) {
        source.source = *name;
    }
    if (const auto *vmpl = config.if_contains("vmpl")) {
        source.vmpl = static_cast<uint32_t>(vmpl->to_number<int64_t>());
    }
    if (auto path = support::config_text(config, "configfs_path")) {
        source.configfs_path = *path;
    }
    if (auto path = support::config_text(config, "sev_guest_device")) {
        source.sev_guest_device = *path;
    }
    if (source.source == "simulator" && !source.simulator) {
        throw failure(CCATTEST_E_CONFIG,
                      "source \"simulator\" needs a \"simulator\" block with a state_dir");
    }
    return out;
}

} // namespace ccattest::snp
