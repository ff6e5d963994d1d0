// libcc_gpu.so (namespace x-nv-gpu): NVIDIA GPU and NVSwitch evidence (SPDM) verified in-process
// to NVIDIA's pinned roots, with RIMs and OCSP, and NRAS results. This file is the plugin's
// description; the ABI edge is support::PluginAdapter, the config is config.cpp, the work is
// sources.cpp (generate) and verifier.cpp (verify, inspect).
#include "config.hpp"
#include "evidence.hpp"
#include "sources.hpp"
#include "verifier.hpp"

#include <ccattest/support/plugin_adapter.hpp>

#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace {
namespace gpu = ccattest::gpu;
namespace support = ccattest::support;

class GpuPlugin {
public:
    static constexpr support::PluginDescription description{
        .name = "NVIDIA GPU authorizer",
        .vendor = "ccattest project",
        .version = CCATTEST_GPU_VERSION,
        .namespace_id = "x-nv-gpu",
        .token_format = gpu::token_format_id,
        .evidence_format = "nvidia-spdm-measurements",
        .description = "NVIDIA GPU (Hopper, Blackwell) and NVSwitch (LS10) SPDM measurements from "
                       "NVML/NSCQ (or the labelled simulator), verified in-process to NVIDIA's "
                       "pinned Device Identity CA, with driver and VBIOS RIMs (XML signatures to "
                       "NVIDIA's RIM root), OCSP, and NRAS results.",
        .capabilities = CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY |
                        CCATTEST_CAP_BINDS_REPORT_DATA | CCATTEST_CAP_OFFLINE_VERIFY,
        .config_schema = gpu::config_schema,
    };

    static std::unique_ptr<GpuPlugin> create(const boost::json::object &config,
                                             const support::Host &host) {
        gpu::PluginConfig parsed = gpu::parse_plugin_config(config);
        const bool allow_simulated = parsed.verifier.allow_simulated;
        auto plugin = std::unique_ptr<GpuPlugin>(new GpuPlugin(host, std::move(parsed.source)));
        plugin->verifier_ = support::config_part(
            [&] { return std::make_unique<gpu::Verifier>(std::move(parsed.verifier), host); });
        support::warn_about_simulation(host, "NVIDIA GPU", allow_simulated,
                                       plugin->source_.source == "simulator");
        return plugin;
    }

    [[nodiscard]] std::string generate(support::ReportData report_data) const {
        return gpu::encode_token(gpu::generate_evidence(source_, report_data, host_.now()));
    }

    [[nodiscard]] boost::json::object verify(const support::VerifyRequest &request) const {
        auto claims = verifier_->verify(request.token, request.expected_report_data,
                                        request.verification_time);
        if (const auto *simulated = claims.if_contains("simulated");
            simulated != nullptr && simulated->is_bool() && simulated->as_bool()) {
            host_.log(CCATTEST_LOG_INFO, "accepted SIMULATED NVIDIA GPU evidence");
        }
        return claims;
    }

    [[nodiscard]] boost::json::object inspect(std::span<const uint8_t> token) const {
        return verifier_->inspect(token);
    }

private:
    GpuPlugin(support::Host host, gpu::SourceConfig source)
        : host_(host), source_(std::move(source)) {}

    support::Host host_;
    gpu::SourceConfig source_;
    std::unique_ptr<gpu::Verifier> verifier_;
};

} // namespace

CCATTEST_DEFINE_PLUGIN(GpuPlugin)
