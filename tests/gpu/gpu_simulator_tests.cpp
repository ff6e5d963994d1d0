// The GPU simulator: its device chain (five levels shaped like NVIDIA's, the FWID extension in
// the real leaf's structure), the SPDM reports it makes (parsed by the SPDM parser, signed by each
// device's own leaf), its driver and VBIOS RIMs (verified to the simulated RIM root, matching the
// devices or mismatching exactly where configured), its OCSP answers, state reuse and refused
// configs.
#include "evidence.hpp"
#include "rim.hpp"
#include "simulator.hpp"
#include "spdm.hpp"
#include "support/refusal.hpp"
#include "trust.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/ocsp.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using ccattest::support::Bytes;
using ccattest::support::Certificate;
using ccattest::test::refusal;
namespace fs = std::filesystem;
namespace gpu = ccattest::gpu;
namespace support = ccattest::support;

namespace {

constexpr int64_t now = 1767225600; // 2026-01-01T00:00:00Z
constexpr int64_t one_hour = 3600;
constexpr int64_t one_day = 86400;
constexpr size_t chain_length = 5;
constexpr size_t digest_size = 48;

// A fresh state folder per test, under the build tree.
fs::path fresh_state(const std::string &name) {
    fs::path folder = fs::path(GPU_SIM_STATE) / name;
    fs::remove_all(folder);
    return folder;
}

gpu::SimulatorConfig sim(const fs::path &state, unsigned devices = 1) {
    gpu::SimulatorConfig config;
    config.state_dir = state;
    config.device_count = devices;
    return config;
}

std::array<uint8_t, gpu::spdm_nonce_size> nonce_of(uint8_t seed) {
    std::array<uint8_t, gpu::spdm_nonce_size> nonce{};
    for (size_t i = 0; i < nonce.size(); ++i) {
        nonce[i] = static_cast<uint8_t>(seed + i);
    }
    return nonce;
}

std::vector<Certificate> chain_of(const gpu::DeviceEvidence &device) {
    std::vector<Certificate> chain;
    for (const Bytes &der : device.certificates) {
        chain.push_back(Certificate::parse(der, "simulated certificate", support::Encoding::der));
    }
    return chain;
}

support::VerifiedChain verify_device_chain(const std::vector<Certificate> &chain,
                                           const Certificate &root) {
    const std::vector<Certificate> intermediates(chain.begin() + 1, chain.end());
    return support::verify_chain(chain.front(), intermediates, {root}, now);
}

bool signature_verifies(const gpu::SpdmReport &report, const Certificate &leaf) {
    return support::ecdsa_verify_raw(leaf.public_key(), support::EcdsaAlgorithm::p384_sha384,
                                     report.signed_bytes, report.signature);
}

std::string text_of(std::span<const uint8_t> bytes) {
    return {bytes.begin(), bytes.end()};
}

Bytes der_public_key(EVP_PKEY *key) {
    unsigned char *der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    BOOST_REQUIRE(length > 0);
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

std::vector<gpu::Rim> verified_rims(const gpu::Evidence &evidence, const fs::path &state) {
    std::vector<gpu::Rim> rims;
    for (const Bytes &xml : evidence.rims) {
        gpu::Rim rim = gpu::parse_rim(xml, "simulated RIM");
        rims.push_back(gpu::verify_rim(std::move(rim), {gpu::simulated_rim_root(state)}, now).rim);
    }
    return rims;
}

std::set<uint32_t> mismatched(const std::vector<gpu::Rim> &rims, const gpu::SpdmReport &report) {
    std::vector<const gpu::Rim *> pointers;
    for (const gpu::Rim &rim : rims) {
        pointers.push_back(&rim);
    }
    std::set<uint32_t> indices;
    for (const gpu::Mismatch &mismatch : gpu::compare_measurements(pointers, report.blocks)) {
        indices.insert(mismatch.index);
    }
    return indices;
}

// Which of `responses` answer for `subject` (checked with its issuer at `now`).
std::vector<support::OcspResult> answers_for(const std::vector<Bytes> &responses,
                                             const Certificate &subject,
                                             const Certificate &issuer) {
    std::vector<support::OcspResult> found;
    for (const Bytes &response : responses) {
        try {
            found.push_back(support::check_ocsp_response(response, subject, issuer, now));
        } catch (const ccattest::sdk::failure &) {
            continue; // an answer for another certificate
        }
    }
    return found;
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_simulator)

BOOST_AUTO_TEST_CASE(device_chain_has_nvidias_five_levels_to_the_simulated_root) {
    const fs::path state = fresh_state("chain");
    const gpu::Evidence evidence = gpu::simulate_evidence(sim(state), nonce_of(1), now);
    BOOST_REQUIRE_EQUAL(evidence.devices.size(), 1U);
    const std::vector<Certificate> chain = chain_of(evidence.devices[0]);
    BOOST_REQUIRE_EQUAL(chain.size(), chain_length);
    BOOST_TEST(chain[0].subject_cn() == "GH100 A01 GSP FMC LF");
    BOOST_TEST(chain[1].subject_cn() == "GH100 A01 GSP BROM");
    BOOST_TEST(chain[2].subject_cn() == "NVIDIA GH100 Provisioner ICA 1 (SIMULATED)");
    BOOST_TEST(chain[3].subject_cn() == "NVIDIA GH100 Identity (SIMULATED)");
    BOOST_TEST(chain[4].subject_cn() == "NVIDIA Device Identity CA (SIMULATED)");
    for (const Certificate &certificate : chain) {
        BOOST_TEST(EVP_PKEY_get_bits(certificate.public_key()) == 384);
        BOOST_TEST(X509_get_signature_nid(certificate.get()) == NID_ecdsa_with_SHA384);
    }

    const Certificate root = gpu::simulated_device_root(state);
    const support::VerifiedChain verified = verify_device_chain(chain, root);
    BOOST_TEST(verified.path.size() == chain_length);
    BOOST_TEST(verified.anchor().sha256() == root.sha256());
    // The root a verifier reads with allow_simulated is this one, as PEM.
    BOOST_TEST(text_of(support::read_file(gpu::simulated_device_root_file(state), 1U << 16U)) ==
               support::certificate_pem(root));
    // Valid for years around the test time, so --at times in tests work.
    BOOST_TEST(support::verify_chain(chain[0], {chain[1], chain[2], chain[3]}, {root},
                                     now + 3650 * one_day)
                   .path.size() == chain_length);
    // Never NVIDIA's: the real root does not anchor it.
    const auto [status, message] =
        refusal([&] { verify_device_chain(chain, gpu::device_root(std::nullopt)); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message.find("\"NVIDIA Device Identity CA (SIMULATED)\"") != std::string::npos,
               message);

    // Every certificate but the root names the (simulated) OCSP responder.
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
        BOOST_TEST(support::ocsp_responder_url(chain[i]).value_or("none") ==
                   "http://ocsp.ndis.simulated.invalid");
    }
    BOOST_TEST(!support::ocsp_responder_url(chain[4]).has_value());
    // The identity names the device as NVIDIA does: "NVIDIA:GH100:<16 hex digits>".
    const std::string alt_name = text_of(chain[1].extension("2.5.29.17").value());
    const size_t at = alt_name.find("NVIDIA:GH100:");
    BOOST_REQUIRE(at != std::string::npos);
    BOOST_TEST(alt_name.size() - at == 13 + 16U);
    // As on NVIDIA's, a device certificate's subject serialNumber is its serial number.
    for (size_t i = 0; i < 2; ++i) {
        std::array<char, 64> serial_number{};
        BOOST_REQUIRE(X509_NAME_get_text_by_NID(X509_get_subject_name(chain[i].get()),
                                                NID_serialNumber, serial_number.data(),
                                                static_cast<int>(serial_number.size())) > 0);
        BOOST_TEST(std::stoull(serial_number.data(), nullptr, 16) ==
                   std::stoull(chain[i].serial_hex(), nullptr, 16));
    }
}

BOOST_AUTO_TEST_CASE(leaf_fwid_extension_has_the_real_leafs_structure_and_the_reports_fwid) {
    const fs::path state = fresh_state("fwid");
    const gpu::Evidence evidence = gpu::simulate_evidence(sim(state), nonce_of(2), now);
    const std::vector<Certificate> chain = chain_of(evidence.devices[0]);
    const gpu::SpdmReport report = gpu::parse_spdm_report(evidence.devices[0].report);
    BOOST_REQUIRE(report.opaque_data.fwid.has_value());
    const Bytes &fwid = *report.opaque_data.fwid;
    BOOST_REQUIRE_EQUAL(fwid.size(), digest_size);

    // SEQUENCE { INTEGER 1, the identity key's SubjectPublicKeyInfo, SEQUENCE { sha384, FWID } }.
    Bytes expected{0x30, 0x81, 0xBA, 0x02, 0x01, 0x01};
    const Bytes identity_key = der_public_key(chain[1].public_key());
    expected.insert(expected.end(), identity_key.begin(), identity_key.end());
    const Bytes fwid_header{0x30, 0x3D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                            0x65, 0x03, 0x04, 0x02, 0x02, 0x04, 0x30};
    expected.insert(expected.end(), fwid_header.begin(), fwid_header.end());
    expected.insert(expected.end(), fwid.begin(), fwid.end());
    const std::optional<Bytes> extension = chain[0].extension(gpu::dice_tcb_info_oid);
    BOOST_REQUIRE(extension.has_value());
    BOOST_TEST(*extension == expected, boost::test_tools::per_element());

    // The real leaf's extension has the same frame: only the key and the FWID differ.
    const Certificate real_leaf =
        Certificate::load(fs::path(GPU_VECTORS) / "trustee_hopper_signing_cert.pem");
    const Bytes real = real_leaf.extension(gpu::dice_tcb_info_oid).value();
    BOOST_REQUIRE_EQUAL(real.size(), extension->size());
    BOOST_TEST(Bytes(real.begin(), real.begin() + 6) ==
                   Bytes(expected.begin(), expected.begin() + 6),
               boost::test_tools::per_element());
    BOOST_TEST(Bytes(real.begin() + 126, real.begin() + 141) == fwid_header,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(report_has_the_spdm_layout_and_verifies_with_the_leaf) {
    const fs::path state = fresh_state("report");
    const auto nonce = nonce_of(3);
    const gpu::Evidence evidence = gpu::simulate_evidence(sim(state), nonce, now);
    const Bytes &bytes = evidence.devices[0].report;
    BOOST_TEST(Bytes(bytes.begin(), bytes.begin() + 4) == (Bytes{0x11, 0xE0, 0x01, 0xFF}),
               boost::test_tools::per_element());
    BOOST_TEST(bytes[36] == 0); // slot 0
    BOOST_TEST(Bytes(bytes.begin() + 37, bytes.begin() + 42) == (Bytes{0x11, 0x60, 0, 0, 64}),
               boost::test_tools::per_element());

    const gpu::SpdmReport report = gpu::parse_spdm_report(bytes);
    BOOST_TEST(report.nonce == nonce, boost::test_tools::per_element());
    BOOST_TEST(report.request_attributes == 1);
    BOOST_TEST(report.measurement_operation == 0xFF);
    BOOST_TEST(report.slot_id == 0);
    BOOST_TEST(report.trailing_bytes == 0U);
    BOOST_REQUIRE_EQUAL(report.blocks.size(), 64U);
    for (size_t i = 0; i < report.blocks.size(); ++i) {
        BOOST_TEST(report.blocks[i].index == i + 1);
        BOOST_TEST(report.blocks[i].specification == 1);
        BOOST_TEST(report.blocks[i].value_type == 1);
        BOOST_TEST(report.blocks[i].value.size() == digest_size);
    }
    // Indices active in neither RIM measure zero; the others do not.
    BOOST_TEST(support::is_all_zero(report.blocks[0].value));
    BOOST_TEST(support::is_all_zero(report.blocks[63].value));
    BOOST_TEST(!support::is_all_zero(report.blocks[7].value));

    const gpu::OpaqueData &opaque = report.opaque_data;
    BOOST_TEST(opaque.driver_version.value_or("") == "570.124.06");
    BOOST_TEST(opaque.vbios_version.value_or("") == "96.00.9f.00.01");
    BOOST_TEST(opaque.project.value_or("") == "1010");
    BOOST_TEST(opaque.project_sku.value_or("") == "0200");
    BOOST_TEST(opaque.chip_sku.value_or("") == "882");
    BOOST_TEST(opaque.chip_sku_mod.value_or("") == "0");
    BOOST_TEST(opaque.nvdec0_status.value_or(0) == 0x55);
    BOOST_TEST(opaque.protected_pcie_status.value_or(0) == 0x55);
    BOOST_TEST(!opaque.switch_pdi.has_value());
    const gpu::OpaqueField *counts = opaque.find(gpu::opaque_type::msrscnt);
    BOOST_REQUIRE(counts != nullptr);
    BOOST_TEST(counts->value.size() == 256U);
    // The real report's opaque fields, in the real report's order.
    std::vector<uint16_t> types;
    for (const gpu::OpaqueField &field : opaque.fields) {
        types.push_back(field.type);
    }
    const std::vector<uint16_t> real_order{6, 14, 15, 16, 17, 18, 19, 3, 4, 12, 13, 11, 20, 21};
    BOOST_TEST(types == real_order, boost::test_tools::per_element());

    const std::vector<Certificate> chain = chain_of(evidence.devices[0]);
    BOOST_TEST(report.signed_bytes.size() == bytes.size() - gpu::spdm_signature_size);
    BOOST_TEST(signature_verifies(report, chain[0]));
    // The signature covers request and response: a flipped nonce bit or measurement bit fails.
    gpu::SpdmReport tampered = report;
    tampered.signed_bytes[4] ^= 0x01U;
    BOOST_TEST(!signature_verifies(tampered, chain[0]));
    tampered = report;
    tampered.signed_bytes[60] ^= 0x01U;
    BOOST_TEST(!signature_verifies(tampered, chain[0]));
    // Nor does another key verify it.
    BOOST_TEST(!signature_verifies(report, chain[1]));
}

BOOST_AUTO_TEST_CASE(eight_devices_share_the_nonce_each_with_its_own_identity) {
    const fs::path state = fresh_state("eight");
    const auto nonce = nonce_of(4);
    const gpu::Evidence evidence = gpu::simulate_evidence(sim(state, 8), nonce, now);
    BOOST_REQUIRE_EQUAL(evidence.devices.size(), 8U);
    const Certificate root = gpu::simulated_device_root(state);
    std::set<std::string> leaves;
    std::set<std::string> serials;
    std::set<std::string> identities;
    std::set<std::string> responder_nonces;
    std::vector<gpu::SpdmReport> reports;
    for (const gpu::DeviceEvidence &device : evidence.devices) {
        BOOST_TEST((device.kind == gpu::DeviceKind::gpu));
        BOOST_TEST((device.arch == gpu::Arch::hopper));
        const std::vector<Certificate> chain = chain_of(device);
        BOOST_TEST(verify_device_chain(chain, root).path.size() == chain_length);
        const gpu::SpdmReport report = gpu::parse_spdm_report(device.report);
        BOOST_TEST(report.nonce == nonce, boost::test_tools::per_element());
        BOOST_TEST(signature_verifies(report, chain[0]));
        leaves.insert(support::to_hex(chain[0].sha256()));
        serials.insert(chain[0].serial_hex()); // the UEID verifiers report
        identities.insert(text_of(chain[1].extension("2.5.29.17").value()));
        responder_nonces.insert(support::to_hex(report.responder_nonce));
        reports.push_back(report);
    }
    BOOST_TEST(leaves.size() == 8U);
    BOOST_TEST(serials.size() == 8U);
    BOOST_TEST(identities.size() == 8U);
    BOOST_TEST(responder_nonces.size() == 8U);
    // Device 1's report does not verify with device 0's leaf.
    BOOST_TEST(!signature_verifies(reports[1], chain_of(evidence.devices[0])[0]));
}

BOOST_AUTO_TEST_CASE(rims_verify_to_the_simulated_rim_root_and_match_every_device) {
    const fs::path state = fresh_state("rims");
    const gpu::Evidence evidence = gpu::simulate_evidence(sim(state, 2), nonce_of(5), now);
    BOOST_REQUIRE_EQUAL(evidence.rims.size(), 2U);
    const std::vector<gpu::Rim> rims = verified_rims(evidence, state);
    BOOST_TEST(rims[0].tag_id == gpu::driver_rim_id(false, "GH100", "570.124.06"));
    BOOST_TEST(rims[0].version == "570.124.06");
    BOOST_TEST(rims[1].tag_id == gpu::vbios_rim_id(false, "1010", "0200", "882", "96.00.9f.00.01"));
    BOOST_TEST(rims[1].version == "96.00.9f.00.01");
    BOOST_TEST(rims[0].signing_chain.front().subject_cn() == "NVIDIA RIM Signer (SIMULATED)");
    BOOST_TEST(text_of(support::read_file(gpu::simulated_rim_root_file(state), 1U << 16U)) ==
               support::certificate_pem(gpu::simulated_rim_root(state)));
    // The driver owns 7 and 21..40, the VBIOS 1..6 and 8..20: no index in both.
    size_t active = 0;
    for (const gpu::Rim &rim : rims) {
        BOOST_TEST(rim.measurements.size() == 64U);
        active +=
            static_cast<size_t>(std::count_if(rim.measurements.begin(), rim.measurements.end(),
                                              [](const auto &m) { return m.active; }));
    }
    BOOST_TEST(active == 40U);
    for (const gpu::DeviceEvidence &device : evidence.devices) {
        BOOST_TEST(mismatched(rims, gpu::parse_spdm_report(device.report)).empty());
    }
    // NVIDIA's RIM root does not anchor the simulated RIMs.
    const auto [status, message] = refusal([&] {
        gpu::verify_rim(gpu::parse_rim(evidence.rims[0], "simulated RIM"),
                        {gpu::rim_root(std::nullopt)}, now);
    });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED, message);
    // The same RIMs come from simulated_rims.
    BOOST_TEST(gpu::simulated_rims(sim(state, 2), now).size() == 2U);
}

BOOST_AUTO_TEST_CASE(configured_mismatches_show_up_exactly_on_the_configured_device) {
    const fs::path state = fresh_state("mismatch");
    gpu::SimulatorConfig config = sim(state, 4);
    config.mismatched_indices = {7, 12, 35};
    config.mismatch_device = 2;
    const gpu::Evidence evidence = gpu::simulate_evidence(config, nonce_of(6), now);
    const std::vector<gpu::Rim> rims = verified_rims(evidence, state);
    for (size_t device = 0; device < evidence.devices.size(); ++device) {
        const auto found =
            mismatched(rims, gpu::parse_spdm_report(evidence.devices[device].report));
        BOOST_TEST_CONTEXT("device " << device) {
            BOOST_TEST(
                (found == (device == 2 ? std::set<uint32_t>{7, 12, 35} : std::set<uint32_t>{})));
        }
    }
    // Unset mismatch_device: every device mismatches.
    config.mismatch_device.reset();
    config.mismatched_indices = {23};
    const gpu::Evidence all = gpu::simulate_evidence(config, nonce_of(7), now);
    for (const gpu::DeviceEvidence &device : all.devices) {
        BOOST_TEST(
            (mismatched(rims, gpu::parse_spdm_report(device.report)) == std::set<uint32_t>{23}));
    }
    // RIMs of another driver version do not match: every driver index mismatches.
    gpu::SimulatorConfig other = sim(state, 1);
    other.driver_version = "570.124.07";
    const gpu::Evidence newer = gpu::simulate_evidence(other, nonce_of(8), now);
    BOOST_TEST(mismatched(rims, gpu::parse_spdm_report(newer.devices[0].report)).size() == 21U);
}

BOOST_AUTO_TEST_CASE(ocsp_answers_cover_every_chain_certificate_but_the_roots) {
    const fs::path state = fresh_state("ocsp");
    gpu::SimulatorConfig config = sim(state, 2);
    const gpu::Evidence evidence = gpu::simulate_evidence(config, nonce_of(9), now);
    // Two per device (leaf, identity), the provisioner and architecture CAs, the RIM signer and CA.
    BOOST_REQUIRE_EQUAL(evidence.ocsp_responses.size(), 2U * 2U + 2U + 2U);
    for (const gpu::DeviceEvidence &device : evidence.devices) {
        const std::vector<Certificate> chain = chain_of(device);
        for (size_t i = 0; i + 1 < chain.size(); ++i) {
            const auto answers = answers_for(evidence.ocsp_responses, chain[i], chain[i + 1]);
            BOOST_REQUIRE_EQUAL(answers.size(), 1U);
            BOOST_TEST((answers[0].status == support::OcspStatus::good));
            BOOST_TEST(answers[0].this_update == now - one_hour);
            BOOST_TEST(answers[0].next_update.value_or(0) == now + 7 * one_day);
        }
        BOOST_TEST(answers_for(evidence.ocsp_responses, chain[4], chain[4]).empty());
    }
    const std::vector<Certificate> rim_chain =
        gpu::parse_rim(evidence.rims[0], "simulated RIM").signing_chain;
    BOOST_REQUIRE_EQUAL(rim_chain.size(), 3U);
    BOOST_TEST(answers_for(evidence.ocsp_responses, rim_chain[0], rim_chain[1]).size() == 1U);
    BOOST_TEST(answers_for(evidence.ocsp_responses, rim_chain[1], rim_chain[2]).size() == 1U);

    config.include_ocsp = false;
    config.include_rims = false;
    const gpu::Evidence bare = gpu::simulate_evidence(config, nonce_of(9), now);
    BOOST_TEST(bare.ocsp_responses.empty());
    BOOST_TEST(bare.rims.empty());
    // Verifiers still find both simulated roots.
    const fs::path bare_state = fresh_state("ocsp_bare");
    config.state_dir = bare_state;
    gpu::simulate_evidence(config, nonce_of(9), now);
    BOOST_TEST(fs::exists(gpu::simulated_device_root_file(bare_state)));
    BOOST_TEST(fs::exists(gpu::simulated_rim_root_file(bare_state)));
}

BOOST_AUTO_TEST_CASE(leaf_ocsp_status_is_revoked_or_held_as_configured) {
    const fs::path state = fresh_state("ocsp_status");
    gpu::SimulatorConfig config = sim(state, 1);
    for (const auto &[status, reason] :
         {std::pair{support::OcspStatus::revoked, "keyCompromise"},
          std::pair{support::OcspStatus::certificate_hold, "certificateHold"}}) {
        config.ocsp_status = status;
        const gpu::Evidence evidence = gpu::simulate_evidence(config, nonce_of(10), now);
        const std::vector<Certificate> chain = chain_of(evidence.devices[0]);
        const auto leaf = answers_for(evidence.ocsp_responses, chain[0], chain[1]);
        BOOST_REQUIRE_EQUAL(leaf.size(), 1U);
        BOOST_TEST((leaf[0].status == status));
        BOOST_TEST(leaf[0].revocation_reason.value_or("") == reason);
        BOOST_TEST(leaf[0].revoked_at.value_or(0) == now - one_day);
        // Only the leaf: its issuer stays good.
        BOOST_TEST((answers_for(evidence.ocsp_responses, chain[1], chain[2]).at(0).status ==
                    support::OcspStatus::good));
    }
}

BOOST_AUTO_TEST_CASE(ocsp_on_demand_for_simulated_certificates_only) {
    const fs::path state = fresh_state("ocsp_demand");
    const gpu::Evidence evidence = gpu::simulate_evidence(sim(state, 3), nonce_of(11), now);
    const std::vector<Certificate> chain = chain_of(evidence.devices[2]);
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
        const Bytes response =
            gpu::simulated_ocsp_response(state, chain[i], support::OcspStatus::revoked, now);
        const support::OcspResult result =
            support::check_ocsp_response(response, chain[i], chain[i + 1], now);
        BOOST_TEST((result.status == support::OcspStatus::revoked));
        BOOST_TEST(result.revocation_reason.value_or("") == "keyCompromise");
    }
    const Certificate signer = gpu::parse_rim(evidence.rims[1], "simulated RIM").signing_chain[0];
    const Certificate rim_ca = gpu::parse_rim(evidence.rims[1], "simulated RIM").signing_chain[1];
    BOOST_TEST((
        support::check_ocsp_response(
            gpu::simulated_ocsp_response(state, signer, support::OcspStatus::certificate_hold, now),
            signer, rim_ca, now)
            .status == support::OcspStatus::certificate_hold));
    // NVIDIA's real leaf was not issued by the simulator.
    const Certificate real_leaf =
        Certificate::load(fs::path(GPU_VECTORS) / "trustee_hopper_signing_cert.pem");
    const auto [status, message] = refusal(
        [&] { gpu::simulated_ocsp_response(state, real_leaf, support::OcspStatus::good, now); });
    BOOST_TEST(status == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(message == "the GPU simulator in " + (state / "gpu").string() +
                              " did not issue certificate \"GH100 A01 GSP FMC LF\" (issuer \"GH100 "
                              "A01 GSP BROM\")",
               message);
}

BOOST_AUTO_TEST_CASE(state_is_created_once_and_reused) {
    const fs::path state = fresh_state("reuse");
    const Certificate root = gpu::simulated_device_root(state);
    const gpu::Evidence first = gpu::simulate_evidence(sim(state, 2), nonce_of(12), now);
    const gpu::Evidence second = gpu::simulate_evidence(sim(state, 2), nonce_of(13), now);
    BOOST_TEST(gpu::simulated_device_root(state).sha256() == root.sha256());
    BOOST_TEST(first.devices[1].certificates == second.devices[1].certificates);
    BOOST_TEST(first.devices[0].certificates != first.devices[1].certificates);
    const Certificate rim_root = gpu::simulated_rim_root(state);
    BOOST_TEST(gpu::simulated_rim_root(state).sha256() == rim_root.sha256());
    // Another VBIOS runs other firmware: a new leaf under the same device identity.
    gpu::SimulatorConfig updated = sim(state, 2);
    updated.vbios_version = "96.00.9f.00.02";
    const gpu::Evidence third = gpu::simulate_evidence(updated, nonce_of(14), now);
    BOOST_TEST(third.devices[1].certificates[0] != first.devices[1].certificates[0]);
    BOOST_TEST(third.devices[1].certificates[1] == first.devices[1].certificates[1]);
    // A fresh folder is a different simulated NVIDIA.
    BOOST_TEST(gpu::simulated_device_root(fresh_state("reuse_other")).sha256() != root.sha256());
}

BOOST_AUTO_TEST_CASE(nvswitch_and_blackwell_shapes) {
    const fs::path state = fresh_state("shapes");
    gpu::SimulatorConfig config = sim(state, 2);
    config.kind = gpu::DeviceKind::nvswitch;
    config.arch = gpu::Arch::ls10;
    const gpu::Evidence switches = gpu::simulate_evidence(config, nonce_of(15), now);
    const Certificate root = gpu::simulated_device_root(state);
    std::set<Bytes> pdis;
    for (const gpu::DeviceEvidence &device : switches.devices) {
        BOOST_TEST((device.kind == gpu::DeviceKind::nvswitch));
        BOOST_TEST((device.arch == gpu::Arch::ls10));
        const std::vector<Certificate> chain = chain_of(device);
        BOOST_TEST(chain[0].subject_cn() == "LS10 A01 FSP FMC LF");
        BOOST_TEST(chain[3].subject_cn() == "NVIDIA LS10 Identity (SIMULATED)");
        BOOST_TEST(verify_device_chain(chain, root).path.size() == chain_length);
        const gpu::SpdmReport report = gpu::parse_spdm_report(device.report);
        BOOST_TEST(signature_verifies(report, chain[0]));
        BOOST_REQUIRE(report.opaque_data.switch_pdi.has_value());
        BOOST_TEST(report.opaque_data.switch_pdi->size() == 8U);
        pdis.insert(*report.opaque_data.switch_pdi);
        BOOST_TEST(report.opaque_data.find(gpu::opaque_type::gpu_info) == nullptr);
        // No driver version: NVIDIA publishes no driver RIM for switches.
        BOOST_TEST(!report.opaque_data.driver_version.has_value());
        BOOST_TEST(mismatched(verified_rims(switches, state), report).empty());
    }
    BOOST_TEST(pdis.size() == 2U);
    // One VBIOS RIM owning indices 1..40.
    const std::vector<gpu::Rim> rims = verified_rims(switches, state);
    BOOST_REQUIRE_EQUAL(rims.size(), 1U);
    BOOST_TEST(rims[0].tag_id == gpu::vbios_rim_id(true, "5612", "0002", "890", "96.00.9f.00.01"));
    BOOST_TEST(std::count_if(rims[0].measurements.begin(), rims[0].measurements.end(),
                             [](const auto &m) { return m.active; }) == 40);
    config.mismatched_indices = {3, 30};
    const gpu::Evidence tampered = gpu::simulate_evidence(config, nonce_of(15), now);
    BOOST_TEST((mismatched(rims, gpu::parse_spdm_report(tampered.devices[1].report)) ==
                std::set<uint32_t>{3, 30}));
    config.mismatched_indices = {41};
    const auto [status, message] =
        refusal([&] { gpu::simulate_evidence(config, nonce_of(15), now); });
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "the GPU simulator cannot mismatch index 41: it is not active in the "
                          "simulated VBIOS RIM (1-40)");
    config.mismatched_indices.clear();

    config.kind = gpu::DeviceKind::gpu;
    config.arch = gpu::Arch::blackwell;
    const gpu::Evidence blackwell = gpu::simulate_evidence(config, nonce_of(16), now);
    const std::vector<Certificate> chain = chain_of(blackwell.devices[0]);
    BOOST_TEST(chain[0].subject_cn() == "GB100 A01 FSP FMC LF");
    BOOST_TEST(chain[3].subject_cn() == "NVIDIA GB100 Identity (SIMULATED)");
    BOOST_TEST(verify_device_chain(chain, root).path.size() == chain_length);
    const gpu::SpdmReport report = gpu::parse_spdm_report(blackwell.devices[0].report);
    BOOST_TEST(report.blocks.size() == 64U);
    BOOST_TEST(mismatched(verified_rims(blackwell, state), report).empty());
    // Hopper and Blackwell devices with the same index are different devices.
    const gpu::Evidence hopper = gpu::simulate_evidence(sim(state, 1), nonce_of(16), now);
    BOOST_TEST(hopper.devices[0].certificates[1] != blackwell.devices[0].certificates[1]);
}

BOOST_AUTO_TEST_CASE(token_of_simulated_evidence_round_trips) {
    const fs::path state = fresh_state("token");
    const gpu::Evidence evidence = gpu::simulate_evidence(sim(state, 3), nonce_of(17), now);
    const std::string token = gpu::encode_token(evidence);
    const gpu::Evidence decoded =
        gpu::decode_token(std::span(reinterpret_cast<const uint8_t *>(token.data()), token.size()));
    BOOST_REQUIRE_EQUAL(decoded.devices.size(), 3U);
    BOOST_TEST(decoded.devices[2].report == evidence.devices[2].report);
    BOOST_TEST(decoded.devices[2].certificates == evidence.devices[2].certificates);
    BOOST_TEST(decoded.rims == evidence.rims);
    BOOST_TEST(decoded.ocsp_responses == evidence.ocsp_responses);
}

BOOST_AUTO_TEST_CASE(impossible_configs_are_refused_with_the_reason) {
    const fs::path state = fresh_state("refused");
    const auto refused = [&](const gpu::SimulatorConfig &config) {
        return refusal([&] { gpu::simulate_evidence(config, nonce_of(18), now); });
    };
    const auto expect = [&](const gpu::SimulatorConfig &config, const std::string &message) {
        const auto [status, text] = refused(config);
        BOOST_TEST(status == CCATTEST_E_CONFIG, text);
        BOOST_TEST(text == message);
    };
    expect(sim(state, 0), "the GPU simulator needs 1 to 64 devices, not 0");
    expect(sim(state, 65), "the GPU simulator needs 1 to 64 devices, not 65");
    gpu::SimulatorConfig config = sim(state);
    config.arch = gpu::Arch::ls10;
    expect(config, "the GPU simulator makes GPUs of architecture hopper or blackwell, not ls10 "
                   "(the NVSwitch architecture)");
    config = sim(state);
    config.kind = gpu::DeviceKind::nvswitch;
    expect(config, "the GPU simulator makes NVSwitches of architecture ls10 only, not hopper");
    config = sim(state, 2);
    config.mismatch_device = 2;
    expect(config, "the GPU simulator has no device 2 to mismatch (mismatch_device counts from "
                   "0; there are 2 devices)");
    config = sim(state);
    config.mismatched_indices = {41};
    expect(config, "the GPU simulator cannot mismatch index 41: it is active in neither simulated "
                   "RIM (driver: 7 and 21-40; VBIOS: 1-6 and 8-20)");
    config.mismatched_indices = {64};
    expect(config, "the GPU simulator cannot mismatch index 64: it is active in neither simulated "
                   "RIM (driver: 7 and 21-40; VBIOS: 1-6 and 8-20)");
    config = sim(state);
    config.driver_version = "570..1";
    expect(config, "the GPU simulator needs a dotted driver_version (like 570.124.06), not "
                   "\"570..1\"");
    config = sim(state);
    config.vbios_version = "96.00.9g.00.01";
    expect(config, "the GPU simulator needs a vbios_version of five dotted hex bytes (like "
                   "96.00.9f.00.01), not \"96.00.9g.00.01\"");
    // RIMs cannot be signed outside the RIM signer's validity.
    const auto [status, message] =
        refusal([&] { gpu::simulated_rims(sim(state), 1577836800); }); // 2020-01-01
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "the GPU simulator cannot sign RIMs at 2020-01-01T00:00:00Z: its RIM "
                          "signer is valid from 2024-01-01T00:00:00Z to 2034-01-01T00:00:00Z");
    // Nothing was created for refused configs but the folder itself.
    BOOST_TEST(!fs::exists(gpu::simulated_device_root_file(state)));
}

BOOST_AUTO_TEST_CASE(unusable_state_folder_is_an_io_error) {
    const fs::path state = fresh_state("not_a_folder");
    fs::create_directories(state.parent_path());
    std::ofstream(state) << "a file, not a folder";
    const auto [status, message] =
        refusal([&] { gpu::simulate_evidence(sim(state), nonce_of(19), now); });
    BOOST_TEST(status == CCATTEST_E_IO, message);
    BOOST_TEST(message.find((state / "gpu").string()) != std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()
