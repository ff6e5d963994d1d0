#include "config.hpp"

#include <ccattest/support/config_values.hpp>

#include <optional>
#include <string>

namespace ccattest::tdx {
namespace json = boost::json;
using sdk::failure;
using support::config_hex;
using support::config_text;

namespace {

TcbStatus status_named(const json::value &value) {
    const auto status = parse_tcb_status(value.as_string());
    if (!status) { // the schema's enum rules this out; a second guard costs nothing
        throw failure(CCATTEST_E_CONFIG,
                      "unknown TCB status \"" + std::string(value.as_string()) + "\"");
    }
    return *status;
}

void simulator_measurements(const json::object &block, SimulatorConfig &sim) {
    config_hex(block, "mr_td", sim.mr_td);
    config_hex(block, "mr_config_id", sim.mr_config_id);
    config_hex(block, "mr_owner", sim.mr_owner);
    config_hex(block, "mr_owner_config", sim.mr_owner_config);
    config_hex(block, "mr_seam", sim.mr_seam);
    config_hex(block, "mr_service_td", sim.mr_service_td);
    config_hex(block, "rtmr0", sim.rtmr[0]);
    config_hex(block, "rtmr1", sim.rtmr[1]);
    config_hex(block, "rtmr2", sim.rtmr[2]);
    config_hex(block, "rtmr3", sim.rtmr[3]);
    config_hex(block, "tee_tcb_svn", sim.tee_tcb_svn);
    config_hex(block, "tee_tcb_svn2", sim.tee_tcb_svn2);
    config_hex(block, "sgx_components", sim.sgx_components);
    if (const auto *debug = block.if_contains("debug"); debug != nullptr && debug->as_bool()) {
        sim.td_attributes |= 1U;
    }
}

SimulatorConfig simulator_config(const json::object &block) {
    SimulatorConfig sim;
    sim.state_dir = std::string(block.at("state_dir").as_string());
    if (const auto *version = block.if_contains("quote_version")) {
        sim.quote_version = static_cast<uint16_t>(version->to_number<int64_t>());
    }
    if (const auto *report = block.if_contains("td_report")) {
        sim.body = report->as_string() == "1.5" ? BodyKind::td15 : BodyKind::td10;
    }
    if (sim.body == BodyKind::td15 && sim.quote_version != 5) {
        throw failure(CCATTEST_E_CONFIG,
                      "simulator: a TD 1.5 report needs quote_version 5 (version 4 quotes carry "
                      "TD 1.0 reports only)");
    }
    simulator_measurements(block, sim);
    if (const auto *svn = block.if_contains("pcesvn")) {
        sim.pcesvn = static_cast<uint16_t>(svn->to_number<int64_t>());
    }
    if (const auto *svn = block.if_contains("qe_isvsvn")) {
        sim.qe_isvsvn = static_cast<uint16_t>(svn->to_number<int64_t>());
    }
    if (const auto *status = block.if_contains("tcb_status")) {
        sim.tcb_status = status_named(*status);
    }
    if (const auto *status = block.if_contains("qe_tcb_status")) {
        sim.qe_tcb_status = status_named(*status);
    }
    if (const auto *include = block.if_contains("include_collateral")) {
        sim.include_collateral = include->as_bool();
    }
    if (const auto *revoke = block.if_contains("revoke_pck")) {
        sim.revoke_pck = revoke->as_bool();
    }
    return sim;
}

ItaConfig ita_config(const json::object &block) {
    ItaConfig ita;
    if (auto file = config_text(block, "jwks_file")) {
        ita.jwks_file = *file;
    }
    if (auto url = config_text(block, "jwks_url")) {
        ita.jwks_url = *url;
    }
    if (auto issuer = config_text(block, "issuer")) {
        ita.issuer = *issuer;
    }
    return ita;
}

VerifierConfig verifier_config(const json::object &config) {
    VerifierConfig verifier;
    if (auto dir = config_text(config, "trust_dir")) {
        verifier.trust_dir = *dir;
    }
    if (const auto *files = config.if_contains("collateral")) {
        for (const auto &file : files->as_array()) {
            verifier.collateral.emplace_back(std::string(file.as_string()));
        }
    }
    if (auto url = config_text(config, "pcs_url")) {
        verifier.pcs_url = *url;
    }
    if (auto url = config_text(config, "root_crl_url")) {
        verifier.root_crl_url = *url;
    }
    if (const auto *require = config.if_contains("require_collateral")) {
        verifier.require_collateral = require->as_bool();
    }
    if (const auto *allow = config.if_contains("allow_simulated")) {
        verifier.allow_simulated = allow->as_bool();
    }
    if (const auto *ita = config.if_contains("ita")) {
        verifier.ita = ita_config(ita->as_object());
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
    if (auto name = config_text(config, "source")) {
        source.source = *name;
    }
    if (auto path = config_text(config, "configfs_path")) {
        source.configfs_path = *path;
    }
    if (auto path = config_text(config, "tdx_guest_device")) {
        source.tdx_guest_device = *path;
    }
    if (source.source == "simulator" && !source.simulator) {
        throw failure(CCATTEST_E_CONFIG,
                      "source \"simulator\" needs a \"simulator\" block with a state_dir");
    }
    return out;
}

} // namespace ccattest::tdx
