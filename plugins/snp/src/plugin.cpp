// libcc_snp.so (namespace x-snp): AMD SEV-SNP evidence, verified in-process to AMD's pinned roots.
#include "sources.hpp"
#include "verifier.hpp"

#include <ccattest/authorizer.h>
#include <ccattest/authorizer.hpp>

#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <memory>

namespace {
namespace json = boost::json;
namespace snp = ccattest::snp;
using ccattest::sdk::failure;

const char *const config_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "x-snp plugin configuration",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "source": {
      "description": "Evidence source for generate: auto (configfs-tsm, then /dev/sev-guest; never the simulator), one by name, or none (verify only). Default auto.",
      "enum": ["auto", "configfs-tsm", "sev-guest", "simulator", "none"]
    },
    "vmpl": { "description": "VMPL requested for reports. Default 0.", "type": "integer", "minimum": 0, "maximum": 3 },
    "configfs_path": { "type": "string", "minLength": 1 },
    "sev_guest_device": { "type": "string", "minLength": 1 },
    "trust_dir": {
      "description": "Folder of <product>_{ark,ask,asvk}.pem replacing the built-in AMD roots; each must match its compiled-in SHA-256 pin.",
      "type": "string", "minLength": 1
    },
    "collateral_dir": {
      "description": "Offline collateral: <product>/vcek/<hwid hex>/<reported TCB hex>.{der,pem}, <product>/vlek.{der,pem}, <product>/crl.{der,pem}, <product>/vlek_crl.{der,pem}.",
      "type": "string", "minLength": 1
    },
    "certificate_files": {
      "description": "Extra VCEK/VLEK certificates and CRLs (DER or PEM) to use when a token carries none.",
      "type": "array", "items": { "type": "string", "minLength": 1 }
    },
    "product": {
      "description": "Product line of version-2 reports, which do not state it.",
      "enum": ["milan", "genoa", "turin"]
    },
    "allow_simulated": {
      "description": "Trust evidence from the simulator whose state is in simulator.state_dir. Claims then carry simulated: true. Default false.",
      "type": "boolean"
    },
    "simulator": {
      "type": "object",
      "additionalProperties": false,
      "required": ["state_dir"],
      "properties": {
        "state_dir": { "type": "string", "minLength": 1 },
        "product": { "enum": ["milan", "genoa", "turin"] },
        "report_version": { "enum": [2, 3, 5] },
        "signing_key": { "enum": ["vcek", "vlek"] },
        "measurement": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "host_data": { "type": "string", "pattern": "^[0-9a-fA-F]{64}$", "x-expected": "32 bytes as hex" },
        "family_id": { "type": "string", "pattern": "^[0-9a-fA-F]{32}$", "x-expected": "16 bytes as hex" },
        "image_id": { "type": "string", "pattern": "^[0-9a-fA-F]{32}$", "x-expected": "16 bytes as hex" },
        "policy": { "description": "Guest policy (bit 17 is always set).", "type": "integer", "minimum": 0, "maximum": 67108863 },
        "debug": { "description": "Shorthand: sets policy bit 19 (debugging allowed).", "type": "boolean" },
        "migrate_ma": { "description": "Shorthand: sets policy bit 18.", "type": "boolean" },
        "vmpl": { "type": "integer", "minimum": 0, "maximum": 3 },
        "guest_svn": { "type": "integer", "minimum": 0, "maximum": 4294967295 },
        "tcb": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "bootloader": { "type": "integer", "minimum": 0, "maximum": 255 },
            "tee": { "type": "integer", "minimum": 0, "maximum": 255 },
            "snp": { "type": "integer", "minimum": 0, "maximum": 255 },
            "microcode": { "type": "integer", "minimum": 0, "maximum": 255 },
            "fmc": { "type": "integer", "minimum": 0, "maximum": 255 }
          }
        }
      }
    }
  }
})json";

const ccattest_host_api *host = nullptr;

struct Instance {
    std::unique_ptr<snp::Verifier> verifier;
    snp::SourceConfig source;
    bool allow_simulated = false;
};

template <size_t N>
void hex_into(const json::object &object, const char *key, std::array<uint8_t, N> &out) {
    if (const auto *value = object.if_contains(key)) {
        const auto bytes = ccattest::support::from_hex(value->get_string(), key);
        std::copy(bytes.begin(), bytes.end(), out.begin());
    }
}

uint8_t small(const json::object &object, const char *key, uint8_t fallback) {
    const auto *value = object.if_contains(key);
    return value != nullptr ? static_cast<uint8_t>(value->to_number<int64_t>()) : fallback;
}

snp::SimulatorConfig simulator_config(const json::object &block) {
    snp::SimulatorConfig sim;
    sim.state_dir = std::string(block.at("state_dir").get_string());
    if (const auto *product = block.if_contains("product")) {
        sim.product = *snp::product_from_name(product->get_string());
    }
    if (const auto *version = block.if_contains("report_version")) {
        sim.report_version = static_cast<uint32_t>(version->to_number<int64_t>());
    }
    if (const auto *key = block.if_contains("signing_key")) {
        sim.signing_key =
            key->get_string() == "vlek" ? snp::SigningKey::vlek : snp::SigningKey::vcek;
    }
    hex_into(block, "measurement", sim.measurement);
    hex_into(block, "host_data", sim.host_data);
    hex_into(block, "family_id", sim.family_id);
    hex_into(block, "image_id", sim.image_id);
    if (const auto *policy = block.if_contains("policy")) {
        sim.policy = static_cast<uint64_t>(policy->to_number<int64_t>());
    }
    sim.policy |= 1ULL << 17U;
    if (const auto *debug = block.if_contains("debug"); debug != nullptr && debug->get_bool()) {
        sim.policy |= 1ULL << 19U;
    }
    if (const auto *ma = block.if_contains("migrate_ma"); ma != nullptr && ma->get_bool()) {
        sim.policy |= 1ULL << 18U;
    }
    if (const auto *vmpl = block.if_contains("vmpl")) {
        sim.vmpl = static_cast<uint32_t>(vmpl->to_number<int64_t>());
    }
    if (const auto *svn = block.if_contains("guest_svn")) {
        sim.guest_svn = static_cast<uint32_t>(svn->to_number<int64_t>());
    }
    if (const auto *tcb = block.if_contains("tcb")) {
        const auto &t = tcb->get_object();
        sim.tcb.bootloader = small(t, "bootloader", sim.tcb.bootloader);
        sim.tcb.tee = small(t, "tee", sim.tcb.tee);
        sim.tcb.snp = small(t, "snp", sim.tcb.snp);
        sim.tcb.microcode = small(t, "microcode", sim.tcb.microcode);
        if (t.contains("fmc")) {
            sim.tcb.fmc = small(t, "fmc", 0);
        }
    }
    if (sim.product == snp::Product::turin && !sim.tcb.fmc) {
        sim.tcb.fmc = 1;
    }
    return sim;
}

ccattest_status snp_create(const char *config_json, size_t config_json_size,
                           ccattest_instance **out_instance, char *error_message,
                           size_t error_message_size) {
    return ccattest::sdk::guard(error_message, error_message_size, [&] {
        if (config_json == nullptr || out_instance == nullptr) {
            throw failure(CCATTEST_E_INVALID_ARGUMENT, "config_json and out_instance are required");
        }
        *out_instance = nullptr;
        json::value document;
        try {
            document =
                ccattest::support::parse_json(std::string_view(config_json, config_json_size));
        } catch (const failure &e) {
            throw failure(CCATTEST_E_CONFIG, std::string("config: ") + e.what());
        }
        if (!document.is_object()) {
            throw failure(CCATTEST_E_CONFIG, "config is not a JSON object");
        }
        const auto &config = document.get_object();
        auto instance = std::make_unique<Instance>();
        snp::VerifierConfig verifier;
        auto text = [&](const char *key) -> std::optional<std::string> {
            const auto *value = config.if_contains(key);
            return value != nullptr ? std::optional(std::string(value->get_string()))
                                    : std::nullopt;
        };
        if (auto dir = text("trust_dir")) {
            verifier.trust_dir = *dir;
        }
        if (auto dir = text("collateral_dir")) {
            verifier.collateral_dir = *dir;
        }
        if (const auto *files = config.if_contains("certificate_files")) {
            for (const auto &file : files->get_array()) {
                verifier.certificate_files.emplace_back(std::string(file.get_string()));
            }
        }
        if (auto product = text("product")) {
            verifier.product = snp::product_from_name(*product);
        }
        if (const auto *allow = config.if_contains("allow_simulated")) {
            verifier.allow_simulated = allow->get_bool();
        }
        if (const auto *sim = config.if_contains("simulator")) {
            instance->source.simulator = simulator_config(sim->get_object());
            verifier.simulator_state_dir = instance->source.simulator->state_dir;
        }
        if (auto source = text("source")) {
            instance->source.source = *source;
        }
        if (const auto *vmpl = config.if_contains("vmpl")) {
            instance->source.vmpl = static_cast<uint32_t>(vmpl->to_number<int64_t>());
        }
        if (auto path = text("configfs_path")) {
            instance->source.configfs_path = *path;
        }
        if (auto path = text("sev_guest_device")) {
            instance->source.sev_guest_device = *path;
        }
        if (instance->source.source == "simulator" && !instance->source.simulator) {
            throw failure(CCATTEST_E_CONFIG,
                          "source \"simulator\" needs a \"simulator\" block with a state_dir");
        }
        instance->allow_simulated = verifier.allow_simulated;
        try {
            instance->verifier = std::make_unique<snp::Verifier>(std::move(verifier));
        } catch (const failure &e) {
            throw failure(e.status() == CCATTEST_E_IO ? CCATTEST_E_CONFIG : e.status(), e.what());
        }
        if (instance->allow_simulated) {
            ccattest::sdk::log(host, CCATTEST_LOG_WARNING,
                               "SIMULATED SEV-SNP hardware is trusted by this instance "
                               "(allow_simulated): its claims carry simulated=true");
        }
        if (instance->source.source == "simulator") {
            ccattest::sdk::log(
                host, CCATTEST_LOG_WARNING,
                "evidence source is the SIMULATOR: tokens prove nothing about hardware");
        }
        *out_instance = reinterpret_cast<ccattest_instance *>(instance.release());
        return CCATTEST_OK;
    });
}

void snp_destroy(ccattest_instance *instance) {
    delete reinterpret_cast<Instance *>(instance);
}

ccattest_status snp_generate(ccattest_instance *handle, const ccattest_generate_args *args,
                             ccattest_buffer *out_token, char *error_message,
                             size_t error_message_size) {
    return ccattest::sdk::guard(error_message, error_message_size, [&] {
        ccattest::sdk::check_generate_args(handle, args, out_token);
        const auto &instance = *reinterpret_cast<const Instance *>(handle);
        const std::span<const uint8_t, 64> report_data(args->report_data, 64);
        snp::Evidence evidence = snp::generate_evidence(instance.source, report_data);
        snp::drop_unused_certificates(evidence);
        const std::string token = snp::encode_token(evidence);
        ccattest::sdk::give_to_host(*host, token.data(), token.size(), *out_token);
        return CCATTEST_OK;
    });
}

ccattest_status snp_verify(ccattest_instance *handle, const ccattest_verify_args *args,
                           ccattest_buffer *out_claims, char *error_message,
                           size_t error_message_size) {
    return ccattest::sdk::guard(error_message, error_message_size, [&] {
        ccattest::sdk::check_verify_args(handle, args, out_claims);
        const auto &instance = *reinterpret_cast<const Instance *>(handle);
        const auto claims =
            instance.verifier->verify({args->token, args->token_size},
                                      args->expected_report_data != nullptr
                                          ? std::span<const uint8_t>(args->expected_report_data, 64)
                                          : std::span<const uint8_t>(),
                                      args->verification_time);
        if (claims.at("simulated").as_bool()) {
            ccattest::sdk::log(host, CCATTEST_LOG_INFO, "accepted SIMULATED SEV-SNP evidence");
        }
        const std::string text = json::serialize(claims);
        ccattest::sdk::give_to_host(*host, text.data(), text.size(), *out_claims);
        return CCATTEST_OK;
    });
}

ccattest_status snp_inspect(ccattest_instance *handle, const uint8_t *token, size_t token_size,
                            ccattest_buffer *out_description, char *error_message,
                            size_t error_message_size) {
    return ccattest::sdk::guard(error_message, error_message_size, [&] {
        if (handle == nullptr || token == nullptr || token_size == 0 ||
            out_description == nullptr) {
            throw failure(CCATTEST_E_INVALID_ARGUMENT,
                          "instance, token and out_description are required");
        }
        out_description->data = nullptr;
        out_description->size = 0;
        const auto &instance = *reinterpret_cast<const Instance *>(handle);
        const std::string text = json::serialize(instance.verifier->inspect({token, token_size}));
        ccattest::sdk::give_to_host(*host, text.data(), text.size(), *out_description);
        return CCATTEST_OK;
    });
}

const ccattest_plugin_api plugin_table = {
    sizeof(ccattest_plugin_api),
    CCATTEST_ABI_MAJOR,
    CCATTEST_ABI_MINOR,
    "AMD SEV-SNP authorizer",
    "ccattest project",
    CCATTEST_SNP_VERSION,
    "x-snp",
    snp::token_format_id,
    "amd-sev-snp-attestation-report",
    "SEV-SNP attestation reports from configfs-tsm or /dev/sev-guest (or the labelled simulator), "
    "verified to AMD's pinned ARK/ASK/ASVK in-process.",
    CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY | CCATTEST_CAP_BINDS_REPORT_DATA |
        CCATTEST_CAP_OFFLINE_VERIFY,
    config_schema,
    snp_create,
    snp_destroy,
    snp_generate,
    snp_verify,
    snp_inspect,
    nullptr, // inspect2
};

} // namespace

extern "C" CCATTEST_EXPORT ccattest_status
ccattest_authorizer_entry(const ccattest_host_api *host_api, const ccattest_plugin_api **out_api,
                          char *error_message, size_t error_message_size) {
    return ccattest::sdk::answer_entry(host_api, plugin_table, host, out_api, error_message,
                                       error_message_size);
}
