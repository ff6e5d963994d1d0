// libcc_tdx.so (namespace x-tdx): Intel TDX quotes verified in-process to Intel's pinned root, with
// DCAP collateral and graded TCB status, and Intel Trust Authority tokens. This file is the
// plugin's description; the ABI edge is support::PluginAdapter, the config is config.cpp, the work
// is sources.cpp (generate) and verifier.cpp (verify, inspect).
#include "config.hpp"
#include "evidence.hpp"
#include "sources.hpp"
#include "verifier.hpp"

#include <ccattest/support/plugin_adapter.hpp>

#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace {
namespace tdx = ccattest::tdx;
namespace support = ccattest::support;

class TdxPlugin {
public:
    static constexpr support::PluginDescription description{
        .name = "Intel TDX authorizer",
        .vendor = "ccattest project",
        .version = CCATTEST_TDX_VERSION,
        .namespace_id = "x-tdx",
        .token_format = tdx::token_format_id,
        .evidence_format = "intel-tdx-dcap-quote",
        .description = "TDX quotes (v4, v5) from configfs-tsm or /dev/tdx_guest (or the labelled "
                       "simulator), verified to Intel's pinned SGX Root CA in-process with DCAP "
                       "collateral and graded TCB status; Intel Trust Authority tokens.",
        .capabilities = CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY |
                        CCATTEST_CAP_BINDS_REPORT_DATA | CCATTEST_CAP_OFFLINE_VERIFY,
        .config_schema = tdx::config_schema,
    };

    static std::unique_ptr<TdxPlugin> create(const boost::json::object &config,
                                             const support::Host &host) {
        tdx::PluginConfig parsed = tdx::parse_plugin_config(config);
        const bool allow_simulated = parsed.verifier.allow_simulated;
        auto plugin = std::unique_ptr<TdxPlugin>(new TdxPlugin(host, std::move(parsed.source)));
        plugin->verifier_ = support::config_part(
            [&] { return std::make_unique<tdx::Verifier>(std::move(parsed.verifier), host); });
        support::warn_about_simulation(host, "TDX", allow_simulated,
                                       plugin->source_.source == "simulator");
        return plugin;
    }

    [[nodiscard]] std::string generate(support::ReportData report_data) const {
        return tdx::encode_token(tdx::generate_evidence(source_, report_data, host_.now()));
    }

    [[nodiscard]] boost::json::object verify(const support::VerifyRequest &request) const {
        auto claims = verifier_->verify(request.token, request.expected_report_data,
                                        request.verification_time);
        if (claims.at("simulated").as_bool()) {
            host_.log(CCATTEST_LOG_INFO, "accepted SIMULATED TDX evidence");
        }
        return claims;
    }

    [[nodiscard]] boost::json::object inspect(std::span<const uint8_t> token) const {
        return verifier_->inspect(token);
    }

private:
    TdxPlugin(support::Host host, tdx::SourceConfig source)
        : host_(host), source_(std::move(source)) {}

    support::Host host_;
    tdx::SourceConfig source_;
    std::unique_ptr<tdx::Verifier> verifier_;
};

} // namespace

CCATTEST_DEFINE_PLUGIN(TdxPlugin)
