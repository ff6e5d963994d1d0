// The evidence sources against fakes standing in for the kernel: a configfs-tsm folder populated
// the way the kernel would, and an ioctl seam answering like /dev/sev-guest.
#include "snp_support.hpp"
#include "sources.hpp"
#include "support/scratch_dir.hpp"

#include <linux/sev-guest.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <fstream>

using namespace snp_test;
using ccattest::snp::Product;
using ccattest::snp::SigningKey;
using ccattest::test::ScratchDir;

namespace {

std::array<uint8_t, 64> request_data() {
    std::array<uint8_t, 64> data{};
    data.fill(0x42);
    return data;
}

ccattest::snp::SimulatedReport simulated(std::span<const uint8_t, 64> data) {
    ccattest::snp::SimulatorConfig config;
    config.state_dir = sim_state();
    return ccattest::snp::simulate_report(config, data);
}

void write_file(const fs::path &file, std::span<const uint8_t> data) {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char *>(data.data()),
               static_cast<std::streamsize>(data.size()));
}

void write_text(const fs::path &file, const std::string &text) {
    std::ofstream(file) << text;
}

// Fills a report entry as the sev_guest provider would after the writes.
std::function<void(const fs::path &)> kernel(const std::string &provider, const Bytes &outblob,
                                             const Bytes &auxblob) {
    return [=](const fs::path &entry) {
        write_text(entry / "provider", provider + "\n");
        write_text(entry / "generation", "2\n");
        write_text(entry / "privlevel", "");
        write_text(entry / "inblob", "");
        write_file(entry / "outblob", outblob);
        write_file(entry / "auxblob", auxblob);
    };
}

ccattest::sdk::failure expect_failure(const std::function<void()> &body) {
    try {
        body();
    } catch (const ccattest::sdk::failure &e) {
        return e;
    }
    BOOST_ERROR("expected a failure");
    return ccattest::sdk::failure(CCATTEST_OK, "");
}

} // namespace

BOOST_AUTO_TEST_SUITE(snp_sources)

BOOST_AUTO_TEST_CASE(configfs_tsm_report_with_certificate_table) {
    const ScratchDir root;
    const auto data = request_data();
    const auto made = simulated(data);
    ccattest::snp::SourceConfig config;
    config.source = "configfs-tsm";
    config.configfs_path = root.path();
    config.vmpl = 1;
    fs::path entry_seen;
    ccattest::snp::SourceSeams seams;
    seams.after_configfs_mkdir = [&](const fs::path &entry) {
        entry_seen = entry;
        kernel("sev_guest", made.evidence.report, made.certificate_table)(entry);
    };
    const auto evidence = ccattest::snp::generate_evidence(config, data, seams);
    BOOST_TEST((evidence.report == made.evidence.report));
    BOOST_TEST((evidence.vcek == made.evidence.vcek));
    BOOST_TEST((evidence.ark == made.evidence.ark));
    BOOST_TEST(!fs::exists(entry_seen)); // the entry is removed afterwards
}

BOOST_AUTO_TEST_CASE(configfs_tsm_refuses_another_provider_and_a_missing_root) {
    const ScratchDir root;
    const auto data = request_data();
    ccattest::snp::SourceConfig config;
    config.source = "configfs-tsm";
    config.configfs_path = root.path();
    ccattest::snp::SourceSeams seams;
    seams.after_configfs_mkdir = kernel("tdx_guest", {}, {});
    const auto other =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, data, seams); });
    BOOST_TEST(other.status() == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(
        std::string(other.what()) ==
        "configfs-tsm: provider is \"tdx_guest\", not sev_guest (this is not an SEV-SNP guest)");
    config.configfs_path = root.path() / "absent";
    const auto missing =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, data); });
    BOOST_TEST(missing.status() == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(std::string(missing.what()) ==
               "configfs-tsm: " + (root.path() / "absent").string() + " does not exist");
}

BOOST_AUTO_TEST_CASE(configfs_tsm_retries_a_racing_writer_then_gives_up) {
    const ScratchDir root;
    const auto data = request_data();
    auto other_data = data;
    other_data[0] = 0;
    const auto theirs = simulated(other_data); // another process's report sits in outblob
    ccattest::snp::SourceConfig config;
    config.source = "configfs-tsm";
    config.configfs_path = root.path();
    ccattest::snp::SourceSeams seams;
    seams.after_configfs_mkdir = kernel("sev_guest", theirs.evidence.report, {});
    const auto e =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, data, seams); });
    BOOST_TEST(e.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(e.what()) ==
               "configfs-tsm: another writer changed the report entry during 3 attempts");
}

BOOST_AUTO_TEST_CASE(sev_guest_extended_report_grows_the_certificate_buffer) {
    const ScratchDir scratch;
    const fs::path device = scratch.write("sev-guest", "");
    const auto data = request_data();
    const auto made = simulated(data);
    int calls = 0;
    ccattest::snp::SourceConfig config;
    config.source = "sev-guest";
    config.sev_guest_device = device;
    ccattest::snp::SourceSeams seams;
    seams.ioctl = [&](int, unsigned long request, void *argument) {
        ++calls;
        BOOST_TEST(request == static_cast<unsigned long>(SNP_GET_EXT_REPORT));
        auto *guest = static_cast<snp_guest_request_ioctl *>(argument);
        auto *ext = reinterpret_cast<snp_ext_report_req *>(guest->req_data);
        BOOST_TEST(std::equal(data.begin(), data.end(), ext->data.user_data));
        if (calls == 1) { // the host has more certificates than the default buffer holds
            ext->certs_len = 5 * 4096;
            guest->exitinfo2 = static_cast<uint64_t>(SNP_GUEST_VMM_ERR_INVALID_LEN) << 32U;
            errno = EIO;
            return -1;
        }
        BOOST_TEST(ext->certs_len == 5U * 4096U);
        auto *response = reinterpret_cast<snp_report_resp *>(guest->resp_data);
        ccattest::support::put_u32_le(response->data, 0);
        ccattest::support::put_u32_le(response->data + 4, 0x4A0);
        std::copy(made.evidence.report.begin(), made.evidence.report.end(), response->data + 0x20);
        std::copy(made.certificate_table.begin(), made.certificate_table.end(),
                  reinterpret_cast<uint8_t *>(ext->certs_address));
        return 0;
    };
    const auto evidence = ccattest::snp::generate_evidence(config, data, seams);
    BOOST_TEST(calls == 2);
    BOOST_TEST((evidence.report == made.evidence.report));
    BOOST_TEST((evidence.vcek == made.evidence.vcek));
}

BOOST_AUTO_TEST_CASE(sev_guest_falls_back_to_a_plain_report) {
    const ScratchDir scratch;
    const fs::path device = scratch.write("sev-guest", "");
    const auto data = request_data();
    const auto made = simulated(data);
    ccattest::snp::SourceConfig config;
    config.source = "sev-guest";
    config.sev_guest_device = device;
    ccattest::snp::SourceSeams seams;
    seams.ioctl = [&](int, unsigned long request, void *argument) {
        auto *guest = static_cast<snp_guest_request_ioctl *>(argument);
        if (request == static_cast<unsigned long>(SNP_GET_EXT_REPORT)) {
            errno = ENOTTY;
            return -1;
        }
        auto *response = reinterpret_cast<snp_report_resp *>(guest->resp_data);
        ccattest::support::put_u32_le(response->data + 4, 0x4A0);
        std::copy(made.evidence.report.begin(), made.evidence.report.end(), response->data + 0x20);
        return 0;
    };
    const auto evidence = ccattest::snp::generate_evidence(config, data, seams);
    BOOST_TEST((evidence.report == made.evidence.report));
    BOOST_TEST(!evidence.vcek.has_value());
}

BOOST_AUTO_TEST_CASE(sev_guest_errors) {
    const ScratchDir scratch;
    const fs::path device = scratch.write("sev-guest", "");
    const auto data = request_data();
    ccattest::snp::SourceConfig config;
    config.source = "sev-guest";
    config.sev_guest_device = device;
    ccattest::snp::SourceSeams busy;
    int attempts = 0;
    busy.ioctl = [&](int, unsigned long, void *argument) {
        ++attempts;
        static_cast<snp_guest_request_ioctl *>(argument)->exitinfo2 =
            static_cast<uint64_t>(SNP_GUEST_VMM_ERR_BUSY) << 32U;
        errno = EAGAIN;
        return -1;
    };
    const auto throttled =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, data, busy); });
    BOOST_TEST(throttled.status() == CCATTEST_E_TIMEOUT);
    BOOST_TEST(std::string(throttled.what()) ==
               "sev-guest: the host throttled the request 3 times");
    BOOST_TEST(attempts == 3);

    ccattest::snp::SourceSeams rejected;
    rejected.ioctl = [&](int, unsigned long, void *argument) {
        auto *guest = static_cast<snp_guest_request_ioctl *>(argument);
        ccattest::support::put_u32_le(reinterpret_cast<snp_report_resp *>(guest->resp_data)->data,
                                      0x16);
        return 0;
    };
    const auto status =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, data, rejected); });
    BOOST_TEST(status.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(status.what()) ==
               "sev-guest: firmware rejected the request: status INVALID_PARAM");

    ccattest::snp::SourceSeams broken;
    broken.ioctl = [&](int, unsigned long, void *argument) {
        static_cast<snp_guest_request_ioctl *>(argument)->exitinfo2 = 0x27;
        errno = EIO;
        return -1;
    };
    const auto io =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, data, broken); });
    BOOST_TEST(io.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(io.what()) == "sev-guest: SNP_GET_EXT_REPORT failed: Input/output error "
                                         "(firmware error 39, VMM error 0)");

    config.sev_guest_device = scratch.path() / "absent";
    const auto missing =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, data); });
    BOOST_TEST(missing.status() == CCATTEST_E_NO_DEVICE);
}

BOOST_AUTO_TEST_CASE(auto_names_what_it_probed_and_never_picks_the_simulator) {
    const ScratchDir scratch;
    ccattest::snp::SourceConfig config;
    config.source = "auto";
    config.configfs_path = scratch.path() / "tsm";
    config.sev_guest_device = scratch.path() / "sev-guest";
    config.simulator = ccattest::snp::SimulatorConfig{};
    config.simulator->state_dir = sim_state();
    const auto e =
        expect_failure([&] { (void)ccattest::snp::generate_evidence(config, request_data()); });
    BOOST_TEST(e.status() == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(std::string(e.what()) ==
               "no SEV-SNP evidence source: probed " + (scratch.path() / "tsm").string() +
                   " (configfs-tsm) and " + (scratch.path() / "sev-guest").string() +
                   " (sev-guest); this machine is not an SEV-SNP guest");
}

BOOST_AUTO_TEST_SUITE_END()
