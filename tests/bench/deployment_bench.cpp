// Benchmark: the server's deployment decision for 10, 100 and 1000 clients with simulated SEV-SNP
// tokens, on one thread and on all cores, against the ideal (clients x one warm verification /
// cores), and the memory a stored token takes. Prints figures; asserts nothing (README.md gives the
// method).
#include "ccattest/core/cc_manager.hpp"
#include "ccattest/core/logging.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

long resident_kib() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0;
    long resident = 0;
    statm >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::shared_ptr<ccattest::Registry> snp_registry(const fs::path &state) {
    ccattest::PluginEntry entry;
    entry.origin_file = "bench";
    entry.label = "snp";
    entry.library = "libcc_snp.so";
    entry.critical = true;
    entry.config = {{"source", "simulator"},
                    {"allow_simulated", true},
                    {"simulator", {{"state_dir", state.string()}}}};
    ccattest::SiteConfig config;
    config.file = "bench";
    config.site_name = "bench";
    config.plugin_dir = PLUGIN_DIR;
    config.plugins = {entry};
    return std::make_shared<ccattest::Registry>(config);
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char **argv) {
    fs::path state = fs::temp_directory_path() / "ccattest-deployment-bench";
    if (argc > 1) {
        state = argv[1];
    }
    ccattest::logging::configure(ccattest::LogLevel::error, ccattest::LogFormat::text, std::cerr);
    const int64_t now = 1800000000;
    const auto policy = ccattest::Policy::parse(json::parse(R"({
        "required_namespaces": {"client": ["x-snp"]},
        "namespaces": {"x-snp": {"token_expiration": 600, "rules": [
            {"claim": "/simulated", "equals": true}, {"claim": "/policy/debug", "equals": false},
            {"claim": "/vmpl", "equals": 0},
            {"claim": "/reported_tcb", "min_tcb": {"bootloader": 1, "snp": 1}}]}}})"),
                                                "bench policy");
    ccattest::ManagerSettings settings;
    settings.site = "server";
    settings.role = "server";
    ccattest::CCManager server(snp_registry(state), policy, settings, [&] { return now; });

    // 1000 clients' answers to one challenge, made by the simulator.
    const auto generator = snp_registry(state)->find("x-snp");
    const auto challenge = ccattest::new_challenge();
    std::vector<ccattest::CCManager::Submission> all;
    size_t token_bytes = 0;
    const long before = resident_kib();
    for (int i = 0; i < 1000; ++i) {
        const std::string site = "client-" + std::to_string(i);
        const auto data = ccattest::report_data_for(challenge, ccattest::site_identity(site), now);
        const auto token = generator->generate(data);
        if (!token.ok()) {
            std::cerr << "generate failed: " << token.message << '\n';
            return 1;
        }
        ccattest::CcInfo info;
        info.site = site;
        info.issued_at = now;
        info.challenge = challenge;
        info.tokens["x-snp"] = token.output;
        token_bytes += token.output.size();
        all.push_back({std::move(info), site, "client", challenge, false});
    }
    const long stored_kib = resident_kib() - before;

    // One warm verification (after the chain is cached).
    (void)server.appraise_all({all.front()}, 1);
    const auto warm_start = Clock::now();
    constexpr int warm_runs = 200;
    for (int i = 0; i < warm_runs; ++i) {
        (void)server.appraise_all({all[static_cast<size_t>(i)]}, 1);
    }
    const double warm = seconds_since(warm_start) / warm_runs;
    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());

    std::printf("deployment decision, simulated SEV-SNP tokens (one warm verification: %.3f ms; %u "
                "cores)\n",
                warm * 1000, cores);
    std::printf("%-8s %-8s %12s %12s %8s\n", "clients", "threads", "decision ms", "ideal ms",
                "ratio");
    for (const size_t clients : {10U, 100U, 1000U}) {
        const std::vector<ccattest::CCManager::Submission> batch(
            all.begin(), all.begin() + static_cast<long>(clients));
        for (const unsigned threads : {1U, cores}) {
            const auto start = Clock::now();
            const auto verdicts = server.appraise_all(batch, threads);
            const double took = seconds_since(start);
            for (const auto &v : verdicts) {
                if (!v.accepted) {
                    std::cerr << "unexpected rejection: " << v.reasons.front().message << '\n';
                    return 1;
                }
            }
            const double ideal = static_cast<double>(clients) * warm / threads;
            std::printf("%-8zu %-8u %12.1f %12.1f %8.3f\n", clients, threads, took * 1000,
                        ideal * 1000, took / ideal);
            if (cores == 1) {
                break;
            }
        }
    }
    std::printf(
        "stored tokens: %.0f bytes each on average; resident memory %.1f KiB per stored token "
        "(token plus its CC info)\n",
        static_cast<double>(token_bytes) / 1000.0, static_cast<double>(stored_kib) / 1000.0);
    return 0;
}
