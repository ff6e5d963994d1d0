// The SPDM report parser against NVIDIA's real H100 report (nvtrust's test vector): every field,
// the measurements cross-checked with the claims Confidential Containers derives from the same
// report, then reports derived from it: truncations, each length field corrupted, wrong versions
// and codes, repeated indices, trailing bytes, the size limit; and made-up records and opaque data
// for the cases the real report does not have (non-DMTF blocks, an NVSwitch's VBIOS text, bad
// entries).
#include "spdm.hpp"
#include "support/refusal.hpp"

#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>

using ccattest::support::Bytes;
using ccattest::test::refusal;
namespace gpu = ccattest::gpu;

namespace {

// Where the fields of the real report lie (spdm.hpp gives the layout): the request (37 bytes),
// the response header, 64 blocks of 55 bytes (48-byte digests), 422 bytes of opaque data.
constexpr size_t response_at = 37;
constexpr size_t number_of_blocks_at = response_at + 4;
constexpr size_t record_length_at = response_at + 5;
constexpr size_t record_at = response_at + 8;
constexpr size_t block_size = 4 + 3 + 48;
constexpr size_t record_length = 64 * block_size;
constexpr size_t responder_nonce_at = record_at + record_length;
constexpr size_t opaque_length_at = responder_nonce_at + 32;
constexpr size_t opaque_at = opaque_length_at + 2;
constexpr size_t opaque_length = 422;
constexpr size_t signature_at = opaque_at + opaque_length;
constexpr size_t report_size = signature_at + 96;
// Opaque entries of the real report: the driver version, the last one (protected PCIe status).
constexpr size_t driver_entry_at = opaque_at + 66;
constexpr size_t last_entry_at = signature_at - 5;

std::filesystem::path vector_file(const char *name) {
    return std::filesystem::path(GPU_VECTORS) / name;
}

Bytes real_report() {
    return ccattest::support::read_file(vector_file("nvtrust_hopper_report.bin"), 1U << 20U);
}

std::string hex(std::span<const uint8_t> bytes) {
    return ccattest::support::to_hex(bytes);
}

void put_u16(Bytes &bytes, size_t at, uint16_t value) {
    bytes[at] = static_cast<uint8_t>(value);
    bytes[at + 1] = static_cast<uint8_t>(value >> 8U);
}

void put_u24(Bytes &bytes, size_t at, uint32_t value) {
    put_u16(bytes, at, static_cast<uint16_t>(value));
    bytes[at + 2] = static_cast<uint8_t>(value >> 16U);
}

void append_u16(Bytes &bytes, uint16_t value) {
    bytes.push_back(static_cast<uint8_t>(value));
    bytes.push_back(static_cast<uint8_t>(value >> 8U));
}

// The message of a refused report; a refusal with another status fails the test.
std::string refused(const Bytes &report) {
    const auto [status, message] = refusal([&] { (void)gpu::parse_spdm_report(report); });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    return message;
}

std::string cut(size_t size) {
    const Bytes whole = real_report();
    return refused(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size)));
}

Bytes opaque_entry(uint16_t type, const Bytes &value) {
    Bytes entry;
    append_u16(entry, type);
    append_u16(entry, static_cast<uint16_t>(value.size()));
    entry.insert(entry.end(), value.begin(), value.end());
    return entry;
}

Bytes text_bytes(std::string_view text, size_t padded_size) {
    Bytes bytes(text.begin(), text.end());
    bytes.resize(padded_size, 0);
    return bytes;
}

// The real request and response header with another record and opaque data (and a made-up
// signature): the parser checks structure only.
Bytes made_report(uint8_t number_of_blocks, const Bytes &record, const Bytes &opaque) {
    const Bytes real = real_report();
    Bytes report(real.begin(), real.begin() + static_cast<std::ptrdiff_t>(number_of_blocks_at));
    report.push_back(number_of_blocks);
    report.resize(report.size() + 3);
    put_u24(report, record_length_at, static_cast<uint32_t>(record.size()));
    report.insert(report.end(), record.begin(), record.end());
    report.insert(report.end(), real.begin() + static_cast<std::ptrdiff_t>(responder_nonce_at),
                  real.begin() + static_cast<std::ptrdiff_t>(opaque_length_at));
    append_u16(report, static_cast<uint16_t>(opaque.size()));
    report.insert(report.end(), opaque.begin(), opaque.end());
    report.resize(report.size() + 96, 0xAB);
    return report;
}

Bytes real_record() {
    const Bytes real = real_report();
    return {real.begin() + static_cast<std::ptrdiff_t>(record_at),
            real.begin() + static_cast<std::ptrdiff_t>(responder_nonce_at)};
}

Bytes made_opaque_report(const Bytes &opaque) {
    return made_report(64, real_record(), opaque);
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_spdm)

BOOST_AUTO_TEST_CASE(real_report_decodes) {
    const Bytes bytes = real_report();
    BOOST_TEST_REQUIRE(bytes.size() == report_size);
    const auto report = gpu::parse_spdm_report(bytes);
    BOOST_TEST(report.request_attributes == 0x01U);
    BOOST_TEST(report.measurement_operation == 0xFFU);
    BOOST_TEST(hex(report.nonce) ==
               "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
    BOOST_TEST(report.slot_id == 0U);
    BOOST_TEST(report.response_param1 == 0U);
    BOOST_TEST(report.response_param2 == 0U);
    BOOST_TEST_REQUIRE(report.blocks.size() == 64U);
    for (size_t i = 0; i < report.blocks.size(); ++i) {
        const auto &block = report.blocks[i];
        BOOST_TEST(block.index == i + 1);
        BOOST_TEST(block.specification == 1U);
        BOOST_TEST(block.value_type == 1U); // a digest of mutable firmware
        BOOST_TEST(block.value.size() == 48U);
    }
    BOOST_TEST(hex(report.responder_nonce) ==
               hex(std::span(bytes).subspan(responder_nonce_at, 32)));
    BOOST_TEST(report.opaque == Bytes(bytes.begin() + opaque_at, bytes.begin() + signature_at),
               boost::test_tools::per_element());
    BOOST_TEST(report.signed_bytes == Bytes(bytes.begin(), bytes.end() - 96),
               boost::test_tools::per_element());
    BOOST_TEST(hex(report.signature) == hex(std::span(bytes).last(96)));
    BOOST_TEST(report.trailing_bytes == 0U);
    BOOST_TEST(report.request_size == 37U);
}

BOOST_AUTO_TEST_CASE(real_report_opaque_data) {
    const auto report = gpu::parse_spdm_report(real_report());
    const auto &opaque = report.opaque_data;
    BOOST_TEST(opaque.fields.size() == 14U);
    BOOST_TEST(opaque.driver_version.value_or("-") == "550.90.07");
    BOOST_TEST(opaque.vbios_version.value_or("-") == "96.00.9f.00.01");
    BOOST_TEST(opaque.chip_sku.value_or("-") == "882");
    BOOST_TEST(opaque.chip_sku_mod.value_or("-") == "0");
    BOOST_TEST(opaque.project.value_or("-") == "1010");
    BOOST_TEST(opaque.project_sku.value_or("-") == "0200");
    BOOST_TEST(opaque.project_sku_mod.value_or("-").empty()); // two NULs
    BOOST_TEST(!opaque.sku.has_value());
    BOOST_TEST(hex(opaque.board_id.value_or(Bytes{})) == "b1030000");
    BOOST_TEST(hex(opaque.fwid.value_or(Bytes{})) ==
               "f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb30"
               "55ee051762b1f75d");
    BOOST_TEST(opaque.nvdec0_status.value_or(0) == 0x55U);
    BOOST_TEST(opaque.protected_pcie_status.value_or(0) == 0x55U);
    BOOST_TEST(!opaque.opaque_data_version.has_value());
    BOOST_TEST(!opaque.switch_pdi.has_value());
    // Every entry kept in order, raw.
    BOOST_TEST(opaque.fields.front().type == gpu::opaque_type::vbios_version);
    BOOST_TEST(hex(opaque.fields.front().value) == "009f009601000000");
    BOOST_TEST(opaque.fields.back().type == gpu::opaque_type::protected_pcie_status);
    const auto *count = opaque.find(gpu::opaque_type::msrscnt);
    BOOST_TEST_REQUIRE(count != nullptr);
    BOOST_TEST(count->value.size() == 256U);
    BOOST_TEST(opaque.find(gpu::opaque_type::feature_flag) == nullptr);
}

BOOST_AUTO_TEST_CASE(measurements_match_confidential_containers_claims) {
    const auto report = gpu::parse_spdm_report(real_report());
    const auto claims = ccattest::support::parse_json(ccattest::support::read_text_file(
        vector_file("trustee_hopper_report_expected_claims.json"), 1U << 20U));
    const auto &measurements = claims.at("measurements").as_object();
    BOOST_TEST_REQUIRE(measurements.size() == report.blocks.size());
    for (const auto &block : report.blocks) {
        const auto *expected = measurements.if_contains(std::to_string(block.index));
        BOOST_TEST_REQUIRE(expected != nullptr, "block " << int{block.index});
        BOOST_TEST(hex(block.value) == std::string(expected->as_string()),
                   "block " << int{block.index});
    }
    const auto &config = claims.at("config").as_object();
    const auto &opaque = report.opaque_data;
    BOOST_TEST(*opaque.driver_version == std::string(config.at("driver_version").as_string()));
    BOOST_TEST(*opaque.vbios_version == std::string(config.at("vbios_version").as_string()));
    BOOST_TEST(*opaque.chip_sku == std::string(config.at("chip_sku").as_string()));
    BOOST_TEST(*opaque.chip_sku_mod == std::string(config.at("chip_sku_mod").as_string()));
    BOOST_TEST(*opaque.project == std::string(config.at("project").as_string()));
    BOOST_TEST(*opaque.project_sku == std::string(config.at("project_sku").as_string()));
    BOOST_TEST(hex(*opaque.board_id) == std::string(config.at("board_id").as_string()));
    BOOST_TEST(hex(*opaque.fwid) == std::string(config.at("fwid").as_string()));
}

BOOST_AUTO_TEST_CASE(opaque_type_names) {
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::cert_issuer_name) == "cert_issuer_name");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::driver_version) == "driver_version");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::vbios_version) == "vbios_version");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::nvdec0_status) == "nvdec0_status");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::project_sku_mod) == "project_sku_mod");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::fwid) == "fwid");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::lock_switch_status) == "lock_switch_status");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::gpu_link_conn) == "gpu_link_conn");
    BOOST_TEST(gpu::opaque_type_name(gpu::opaque_type::feature_flag) == "feature_flag");
    BOOST_TEST(gpu::opaque_type_name(0) == "type_0");
    BOOST_TEST(gpu::opaque_type_name(26) == "type_26");
    BOOST_TEST(gpu::opaque_type_name(37) == "type_37");
    BOOST_TEST(gpu::opaque_type_name(0xFFFF) == "type_65535");
}

BOOST_AUTO_TEST_CASE(every_truncation_is_refused) {
    const Bytes whole = real_report();
    for (size_t size = 0; size < whole.size(); ++size) {
        const Bytes part(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
        const auto [status, message] = refusal([&] { (void)gpu::parse_spdm_report(part); });
        BOOST_TEST_REQUIRE(status == CCATTEST_E_MALFORMED, "size " << size << ": " << message);
    }
}

BOOST_AUTO_TEST_CASE(truncations_name_the_field_and_offset) {
    BOOST_TEST(cut(0) == "SPDM report: request version at offset 0 needs 1 bytes, 0 left");
    BOOST_TEST(cut(20) == "SPDM report: request nonce at offset 4 needs 32 bytes, 16 left");
    BOOST_TEST(cut(36) == "SPDM report: request slot id at offset 36 needs 1 bytes, 0 left");
    BOOST_TEST(cut(37) == "SPDM report: response version at offset 37 needs 1 bytes, 0 left");
    BOOST_TEST(cut(44) ==
               "SPDM report: measurement record length at offset 42 needs 3 bytes, 2 left");
    BOOST_TEST(cut(1000) == "SPDM report: measurement record length 3520 at offset 42 runs past "
                            "the end of the report (955 bytes left)");
    BOOST_TEST(cut(3580) == "SPDM report: responder nonce at offset 3565 needs 32 bytes, 15 left");
    BOOST_TEST(cut(3598) == "SPDM report: opaque data length at offset 3597 needs 2 bytes, 1 left");
    BOOST_TEST(cut(3700) == "SPDM report: opaque data length 422 at offset 3597 runs past the end "
                            "of the report (101 bytes left)");
    BOOST_TEST(cut(signature_at) == "SPDM report: signature at offset 4021 needs 96 bytes, 0 left");
    BOOST_TEST(cut(report_size - 1) ==
               "SPDM report: signature at offset 4021 needs 96 bytes, 95 left");
}

BOOST_AUTO_TEST_CASE(record_length_fields_corrupted) {
    Bytes report = real_report();
    report[number_of_blocks_at] = 63;
    BOOST_TEST(refused(report) == "SPDM report: number of blocks 63 at offset 41 disagrees with "
                                  "the 64 blocks of the measurement record");
    report[number_of_blocks_at] = 65;
    BOOST_TEST(refused(report) == "SPDM report: number of blocks 65 at offset 41 disagrees with "
                                  "the 64 blocks of the measurement record");

    report = real_report();
    put_u24(report, record_length_at, record_length + 1);
    BOOST_TEST(refused(report) == "SPDM report: measurement block header at offset 3565 needs 4 "
                                  "bytes, the measurement record has 1 left");
    put_u24(report, record_length_at, record_length - 1);
    BOOST_TEST(refused(report) == "SPDM report: measurement block 64 at offset 3510: size 51 runs "
                                  "past the end of the measurement record (50 bytes left)");
    put_u24(report, record_length_at, 0xFFFFFF);
    BOOST_TEST(refused(report) == "SPDM report: measurement record length 16777215 at offset 42 "
                                  "runs past the end of the report (4072 bytes left)");
}

BOOST_AUTO_TEST_CASE(block_size_fields_corrupted) {
    Bytes report = real_report();
    put_u16(report, record_at + 2, 52);
    BOOST_TEST(refused(report) == "SPDM report: measurement block 1 at offset 45: size 52 "
                                  "disagrees with its DMTF value size 48 (the size must be 3 + "
                                  "value size)");
    report = real_report();
    put_u16(report, record_at + 5, 47);
    BOOST_TEST(refused(report) == "SPDM report: measurement block 1 at offset 45: size 51 "
                                  "disagrees with its DMTF value size 47 (the size must be 3 + "
                                  "value size)");
    report = real_report();
    put_u16(report, record_at + 2, 2);
    BOOST_TEST(refused(report) == "SPDM report: measurement block 1 at offset 45: size 2 is too "
                                  "small for a DMTF measurement (3-byte header)");
    report = real_report();
    put_u16(report, record_at + 2, 0xFFFF);
    BOOST_TEST(refused(report) == "SPDM report: measurement block 1 at offset 45: size 65535 runs "
                                  "past the end of the measurement record (3516 bytes left)");
}

BOOST_AUTO_TEST_CASE(opaque_length_fields_corrupted) {
    Bytes report = real_report();
    put_u16(report, opaque_length_at, opaque_length + 1);
    BOOST_TEST(refused(report) == "SPDM report: opaque entry header at offset 4021 needs 4 bytes, "
                                  "the opaque data has 1 left");
    put_u16(report, opaque_length_at, opaque_length - 1);
    BOOST_TEST(refused(report) ==
               "SPDM report: opaque entry protected_pcie_status (type 21) at offset 4016: length "
               "1 runs past the end of the opaque data (0 bytes left)");
    put_u16(report, opaque_length_at, 0xFFFF);
    BOOST_TEST(refused(report) == "SPDM report: opaque data length 65535 at offset 3597 runs past "
                                  "the end of the report (518 bytes left)");
    report = real_report();
    put_u16(report, driver_entry_at + 2, 0xFFFF);
    BOOST_TEST(refused(report) ==
               "SPDM report: opaque entry driver_version (type 3) at offset 3665: length 65535 "
               "runs past the end of the opaque data (352 bytes left)");
    report = real_report();
    put_u16(report, last_entry_at + 2, 2);
    BOOST_TEST(refused(report) ==
               "SPDM report: opaque entry protected_pcie_status (type 21) at offset 4016: length "
               "2 runs past the end of the opaque data (1 bytes left)");
}

BOOST_AUTO_TEST_CASE(wrong_versions_and_codes) {
    Bytes report = real_report();
    report[0] = 0x10;
    BOOST_TEST(refused(report) ==
               "SPDM report: request version 0x10 at offset 0 is not SPDM 1.1 (0x11)");
    report = real_report();
    report[1] = 0xE1;
    BOOST_TEST(refused(report) ==
               "SPDM report: request code 0xe1 at offset 1 is not GET_MEASUREMENTS (0xe0)");
    report = real_report();
    report[2] = 0x00;
    BOOST_TEST(refused(report) == "SPDM report: request attributes 0x00 at offset 2 do not "
                                  "request a signature (bit 0)");
    report = real_report();
    report[response_at] = 0x12;
    BOOST_TEST(refused(report) == "SPDM report: response version 0x12 at offset 37 differs from "
                                  "the request's version 0x11");
    report = real_report();
    report[response_at + 1] = 0x61;
    BOOST_TEST(refused(report) ==
               "SPDM report: response code 0x61 at offset 38 is not MEASUREMENTS (0x60)");
    report[response_at + 1] = 0x7F;
    BOOST_TEST(refused(report) == "SPDM report: response code 0x7f at offset 38 is not "
                                  "MEASUREMENTS (0x60): the device answered with an SPDM ERROR");
    report = real_report();
    report[response_at + 3] = 0x01;
    BOOST_TEST(refused(report) == "SPDM report: response slot id 1 (param2 bits 0..3 at offset "
                                  "40) differs from the request's slot id 0");
    // The slot in the request and the response agree: accepted.
    report[36] = 0x01;
    BOOST_TEST(gpu::parse_spdm_report(report).slot_id == 1U);
}

BOOST_AUTO_TEST_CASE(block_indices_refused) {
    Bytes report = real_report();
    report[record_at + block_size] = 1; // block 2 says it is block 1
    BOOST_TEST(refused(report) == "SPDM report: measurement block 1 at offset 100 repeats the "
                                  "index of an earlier block");
    report = real_report();
    report[record_at] = 0;
    BOOST_TEST(refused(report) == "SPDM report: measurement block 0 at offset 45: index 0 is "
                                  "reserved (a block's index is 1..254)");
    report[record_at] = 0xFF;
    BOOST_TEST(refused(report) == "SPDM report: measurement block 255 at offset 45: index 255 is "
                                  "reserved (a block's index is 1..254)");
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_counted_not_signed) {
    const Bytes whole = real_report();
    Bytes longer = whole;
    longer.insert(longer.end(), {1, 2, 3, 4, 5});
    const auto report = gpu::parse_spdm_report(longer);
    BOOST_TEST(report.trailing_bytes == 5U);
    BOOST_TEST(report.signed_bytes == Bytes(whole.begin(), whole.end() - 96),
               boost::test_tools::per_element());
    BOOST_TEST(hex(report.signature) == hex(std::span(whole).last(96)));
    BOOST_TEST(report.blocks.size() == 64U);
}

BOOST_AUTO_TEST_CASE(size_limit) {
    Bytes report = real_report();
    report.resize(gpu::max_report_size, 0);
    BOOST_TEST(gpu::parse_spdm_report(report).trailing_bytes == gpu::max_report_size - report_size);
    report.push_back(0);
    BOOST_TEST(refused(report) ==
               "SPDM report: 65537 bytes exceed the maximum report size (65536 bytes)");
}

BOOST_AUTO_TEST_CASE(records_without_the_real_reports_shape) {
    // No blocks at all, no opaque data: the structure holds (the verifier grades the rest).
    auto report = gpu::parse_spdm_report(made_report(0, {}, {}));
    BOOST_TEST(report.blocks.empty());
    BOOST_TEST(report.opaque_data.fields.empty());
    BOOST_TEST(report.signed_bytes.size() == 37U + 8U + 32U + 2U);
    // A block that is not DMTF-shaped keeps its measurement as it is.
    const Bytes raw_block = {7, 0x00, 3, 0, 0xAA, 0xBB, 0xCC};
    report = gpu::parse_spdm_report(made_report(1, raw_block, {}));
    BOOST_TEST_REQUIRE(report.blocks.size() == 1U);
    BOOST_TEST(report.blocks[0].index == 7U);
    BOOST_TEST(report.blocks[0].specification == 0U);
    BOOST_TEST(report.blocks[0].value_type == 0U);
    BOOST_TEST(hex(report.blocks[0].value) == "aabbcc");
    // A DMTF raw bit stream (value type bit 7), 2 bytes.
    const Bytes stream_block = {9, 0x01, 5, 0, 0x83, 2, 0, 0x12, 0x34};
    report = gpu::parse_spdm_report(made_report(1, stream_block, {}));
    BOOST_TEST(report.blocks[0].value_type == 0x83U);
    BOOST_TEST(hex(report.blocks[0].value) == "1234");
    // A record of 3 bytes: a block header needs 4.
    BOOST_TEST(refused(made_report(1, {1, 1, 0}, {})) ==
               "SPDM report: measurement block header at offset 45 needs 4 bytes, the measurement "
               "record has 3 left");
}

BOOST_AUTO_TEST_CASE(opaque_entries_decoded) {
    Bytes opaque = opaque_entry(gpu::opaque_type::vbios_version, text_bytes("96.10.6d.00.01", 16));
    const Bytes version = {2, 0};
    const Bytes pdi = {1, 2, 3, 4, 5, 6, 7, 8};
    for (const auto &entry : {opaque_entry(gpu::opaque_type::opaque_data_version, version),
                              opaque_entry(gpu::opaque_type::switch_pdi, pdi),
                              opaque_entry(gpu::opaque_type::sku, text_bytes("699-2G520", 9)),
                              opaque_entry(200, {9, 9}), opaque_entry(gpu::opaque_type::smc, {})}) {
        opaque.insert(opaque.end(), entry.begin(), entry.end());
    }
    const auto report = gpu::parse_spdm_report(made_opaque_report(opaque));
    const auto &data = report.opaque_data;
    // An NVSwitch gives its VBIOS version as text.
    BOOST_TEST(data.vbios_version.value_or("-") == "96.10.6d.00.01");
    BOOST_TEST(data.opaque_data_version.value_or(0) == 2U);
    BOOST_TEST(hex(data.switch_pdi.value_or(Bytes{})) == "0102030405060708");
    BOOST_TEST(data.sku.value_or("-") == "699-2G520");
    BOOST_TEST_REQUIRE(data.fields.size() == 6U);
    BOOST_TEST(data.fields[4].type == 200U);
    BOOST_TEST(hex(data.fields[4].value) == "0909");
    BOOST_TEST(data.fields[5].value.empty());
    BOOST_TEST(report.opaque == opaque, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(opaque_entries_refused) {
    constexpr size_t made_opaque_at = opaque_at;
    const auto refused_opaque = [](const Bytes &opaque) {
        return refused(made_opaque_report(opaque));
    };
    Bytes opaque = opaque_entry(gpu::opaque_type::driver_version, text_bytes("550.90.07", 10));
    const Bytes again = opaque_entry(gpu::opaque_type::driver_version, text_bytes("1.0", 4));
    opaque.insert(opaque.end(), again.begin(), again.end());
    BOOST_TEST(refused_opaque(opaque) ==
               "SPDM report: opaque entry driver_version (type 3) at offset " +
                   std::to_string(made_opaque_at + 14) + " repeats an earlier entry's type");
    BOOST_TEST(refused_opaque(opaque_entry(gpu::opaque_type::project, {'1', '0', 0x01, 0})) ==
               "SPDM report: opaque entry project (type 17) at offset 3599: byte 0x01 at "
               "position 2 is not printable ASCII");
    BOOST_TEST(refused_opaque(opaque_entry(gpu::opaque_type::chip_sku, {'8', 0, '2'})) ==
               "SPDM report: opaque entry chip_sku (type 15) at offset 3599: bytes other than NUL "
               "follow its text");
    BOOST_TEST(
        refused_opaque(opaque_entry(gpu::opaque_type::nvdec0_status, {0x55, 0})) ==
        "SPDM report: opaque entry nvdec0_status (type 11) at offset 3599: length 2 is not 1");
    BOOST_TEST(refused_opaque(opaque_entry(gpu::opaque_type::opaque_data_version, {})) ==
               "SPDM report: opaque entry opaque_data_version (type 34) at offset 3599: length 0 "
               "is not 1 to 8");
    BOOST_TEST(
        refused_opaque(opaque_entry(gpu::opaque_type::opaque_data_version, {0, 0, 0, 0, 1})) ==
        "SPDM report: opaque entry opaque_data_version (type 34) at offset 3599: "
        "4294967296 does not fit 32 bits");
    BOOST_TEST(refused_opaque({3, 0, 1}) == "SPDM report: opaque entry header at offset 3599 needs "
                                            "4 bytes, the opaque data has 3 left");
}

BOOST_AUTO_TEST_SUITE_END()
