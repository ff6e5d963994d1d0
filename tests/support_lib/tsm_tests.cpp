// support::tsm (configfs-tsm) against a plain folder standing in for the kernel's report
// interface: the test fills each report entry as a provider would.
#include "support_test.hpp"

#include "support/scratch_dir.hpp"

#include <ccattest/support/tsm.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <fstream>

using ccattest::support::Bytes;
using ccattest::test::ScratchDir;
using support_test::refusal;
namespace fs = std::filesystem;
namespace tsm = ccattest::support::tsm;

namespace {

void write_text(const fs::path &file, const std::string &text) {
    std::ofstream(file, std::ios::binary) << text;
}

std::string read_text(const fs::path &file) {
    const Bytes bytes = ccattest::support::read_file(file, 4096);
    return {bytes.begin(), bytes.end()};
}

// What a provider leaves in an entry: its name, a generation, and the attributes a request reads.
std::function<void(const fs::path &)> provider(const std::string &name, const std::string &outblob,
                                               fs::path *seen = nullptr) {
    return [=](const fs::path &entry) {
        if (seen != nullptr) {
            *seen = entry;
        }
        write_text(entry / "provider", name + "\n");
        write_text(entry / "generation", "1\n");
        write_text(entry / "inblob", "");
        write_text(entry / "outblob", outblob);
    };
}

constexpr std::array<uint8_t, 64> report_data = [] {
    std::array<uint8_t, 64> data{};
    data.fill(0x11);
    return data;
}();

tsm::Request tdx_request(const fs::path &root) {
    tsm::Request request;
    request.report_path = root;
    request.expected_provider = "tdx_guest";
    request.expected_machine = "a TDX guest";
    request.inblob = report_data;
    request.read_auxblob = false; // a TDX quote comes without a certificate table
    return request;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tsm_report)

BOOST_AUTO_TEST_CASE(writes_inblob_reads_outblob_and_removes_the_entry) {
    const ScratchDir root;
    fs::path entry;
    std::string inblob_seen;
    tsm::Request request = tdx_request(root.path());
    request.after_mkdir = provider("tdx_guest", "QUOTE", &entry);
    request.judge = [&](std::span<const uint8_t> outblob) {
        inblob_seen = read_text(entry / "inblob");
        BOOST_TEST(std::string(outblob.begin(), outblob.end()) == "QUOTE");
        return tsm::Outblob::ours;
    };
    const tsm::Report report = tsm::get_report(request);
    BOOST_TEST(std::string(report.outblob.begin(), report.outblob.end()) == "QUOTE");
    BOOST_TEST(report.auxblob.empty());
    BOOST_TEST(inblob_seen == std::string(64, '\x11'));
    BOOST_TEST(entry.parent_path() == root.path());
    BOOST_TEST(!fs::exists(entry)); // removed afterwards
}

BOOST_AUTO_TEST_CASE(privlevel_and_auxblob_when_asked) {
    const ScratchDir root;
    fs::path entry;
    std::string privlevel_seen;
    tsm::Request request = tdx_request(root.path());
    request.expected_provider = "sev_guest";
    request.privlevel = 2;
    request.read_auxblob = true;
    request.after_mkdir = [&](const fs::path &made) {
        provider("sev_guest", "REPORT", &entry)(made);
        write_text(made / "privlevel", "");
        write_text(made / "auxblob", "TABLE");
    };
    request.judge = [&](std::span<const uint8_t>) {
        privlevel_seen = read_text(entry / "privlevel");
        return tsm::Outblob::ours;
    };
    const tsm::Report report = tsm::get_report(request);
    BOOST_TEST(std::string(report.auxblob.begin(), report.auxblob.end()) == "TABLE");
    BOOST_TEST(privlevel_seen == "2");
}

BOOST_AUTO_TEST_CASE(another_provider_is_named_with_the_expected_one) {
    const ScratchDir root;
    tsm::Request request = tdx_request(root.path());
    request.after_mkdir = provider("sev_guest", "");
    const auto [status, message] = refusal([&] { (void)tsm::get_report(request); });
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message ==
               "configfs-tsm: provider is \"sev_guest\", not tdx_guest (this is not a TDX guest)");
    BOOST_TEST(fs::is_empty(root.path())); // the entry is removed on failure too
}

BOOST_AUTO_TEST_CASE(a_missing_interface_and_a_missing_attribute) {
    const ScratchDir root;
    tsm::Request request = tdx_request(root.path() / "absent");
    const auto [status, message] = refusal([&] { (void)tsm::get_report(request); });
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "configfs-tsm: " + (root.path() / "absent").string() + " does not exist");

    request.report_path = root.path();
    request.after_mkdir = [](const fs::path &entry) {
        write_text(entry / "provider", "tdx_guest\n");
        write_text(entry / "inblob", "");
    }; // no generation attribute: an older or broken kernel
    const auto [io, why] = refusal([&] { (void)tsm::get_report(request); });
    BOOST_TEST(io == CCATTEST_E_IO);
    BOOST_TEST(why.rfind("configfs-tsm: ", 0) == 0u, why);
    BOOST_TEST(why.find("generation") != std::string::npos, why);
}

BOOST_AUTO_TEST_CASE(another_writers_report_is_retried_a_bounded_number_of_times) {
    const ScratchDir root;
    int judged = 0;
    tsm::Request request = tdx_request(root.path());
    request.max_attempts = 4;
    request.after_mkdir = provider("tdx_guest", "THEIRS");
    request.judge = [&](std::span<const uint8_t>) {
        ++judged;
        return tsm::Outblob::not_ours;
    };
    const auto [status, message] = refusal([&] { (void)tsm::get_report(request); });
    BOOST_TEST(status == CCATTEST_E_IO);
    BOOST_TEST(message ==
               "configfs-tsm: another writer changed the report entry during 4 attempts");
    BOOST_TEST(judged == 4);

    request.judge = [](std::span<const uint8_t>) -> tsm::Outblob {
        throw ccattest::sdk::failure(CCATTEST_E_IO, "configfs-tsm: outblob is 6 bytes");
    };
    const auto [unusable, why] = refusal([&] { (void)tsm::get_report(request); });
    BOOST_TEST(unusable == CCATTEST_E_IO);
    BOOST_TEST(why == "configfs-tsm: outblob is 6 bytes");
}

BOOST_AUTO_TEST_SUITE_END()
