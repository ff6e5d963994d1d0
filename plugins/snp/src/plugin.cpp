// libcc_snp.so (namespace x-snp): AMD SEV-SNP evidence, verified in-process to AMD's pinned roots.
// This file is the plugin's description; the ABI edge is support::PluginAdapter, the config is
// config.cpp, the work is sources.cpp (generate) and verifier.cpp (verify, inspect).
#include "config.hpp"
#include "evidence.hpp"
#include "sources.hpp"
#include "verifier.hpp"

#include <ccattest/support/plugin_adapter.hpp>

#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace {
namespace snp = ccattest::snp;
namespace support = ccattest::support;

class SnpPlugin {
public:
    static constexpr support::PluginDescription description{
        .name = "AMD SEV-SNP authorizer",
        .vendor = "ccattest project",
        .version = CCATTEST_SNP_VERSION,
        .namespace_id = "x-snp",
        .token_format = snp::token_format_id,
        .evidence_format = "amd-sev-snp-attestation-report",
        .description = "SEV-SNP attestation reports from configfs-tsm or /dev/sev-guest (or the "
                       "labelled simulator), verified to AMD's pinned ARK/ASK/ASVK in-process.",
        .capabilities = CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY |
                        CCATTEST_CAP_BINDS_REPORT_DATA | CCATTEST_CAP_OFFLINE_VERIFY,
        .config_schema = snp::config_schema,
    };

    static std::unique_ptr<SnpPlugin> create(const boost::json::object &config,
                                             const support::Host &host) {
        snp::PluginConfig parsed = snp::parse_plugin_config(config);
        const bool allow_simulated = parsed.verifier.allow_simulated;
        auto plugin = std::unique_ptr<SnpPlugin>(new SnpPlugin(host, std::move(parsed.source)));
        plugin->verifier_ = support::config_part(
            [&] { return std::make_unique<snp::Verifier>(std::move(parsed.verifier), host); });
        support::warn_about_simulation(host, "SEV-SNP", allow_simulated,
                                       plugin->source_.source == "simulator");
        return plugin;
    }

    [[nodiscard]] std::string generate(support::ReportData report_data) const {
        snp::Evidence evidence = snp::generate_evidence(source_, report_data);
        snp::drop_unused_certificates(evidence);
        return snp::encode_token(evidence);
    }

    [[nodiscard]] boost::json::object verify(const support::VerifyRequest &request) const {
        auto claims = verifier_->verify(request.token, request.expected_report_data,
                                        request.verification_time);
        if (claims.at("simulated").as_bool()) {
            host_.log(CCATTEST_LOG_INFO, "accepted SIMULATED SEV-SNP evidence");
        }
        return claims;
    }

    [[nodiscard]] boost::json::object inspect(std::span<const uint8_t> token) const {
        return verifier_->inspect(token);
    }

private:
    SnpPlugin(support::Host host, snp::SourceConfig source)
        : host_(host), source_(std::move(source)) {}

    support::Host host_;
    snp::SourceConfig source_;
    std::unique_ptr<snp::Verifier> verifier_;
};

} // namespace

CCATTEST_DEFINE_PLUGIN(SnpPlugin)
