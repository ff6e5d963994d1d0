#include "inspect.hpp"

#include "rim.hpp"
#include "spdm.hpp"

#include <ccattest/support/crypto.hpp>

#include <boost/json.hpp>

namespace ccattest::gpu {
using sdk::failure;
using support::to_hex;
namespace json = boost::json;

namespace {

json::object request_view(const SpdmReport &report) {
    return {{"attributes", report.request_attributes},
            {"measurement_operation", report.measurement_operation},
            {"nonce", to_hex(report.nonce)},
            {"slot_id", report.slot_id}};
}

json::object opaque_view(const SpdmReport &report) {
    json::array entries;
    for (const auto &field : report.opaque_data.fields) {
        entries.push_back({{"type", field.type},
                           {"name", opaque_type_name(field.type)},
                           {"value", to_hex(field.value)}});
    }
    const OpaqueData &data = report.opaque_data;
    json::object decoded;
    for (const auto &[name, value] :
         {std::pair{"driver_version", &data.driver_version},
          std::pair{"vbios_version", &data.vbios_version}, std::pair{"project", &data.project},
          std::pair{"project_sku", &data.project_sku},
          std::pair{"project_sku_mod", &data.project_sku_mod},
          std::pair{"chip_sku", &data.chip_sku}, std::pair{"chip_sku_mod", &data.chip_sku_mod},
          std::pair{"sku", &data.sku}}) {
        if (*value) {
            decoded[name] = **value;
        }
    }
    if (data.opaque_data_version) {
        decoded["opaque_data_version"] = *data.opaque_data_version;
    }
    return {{"entries", std::move(entries)}, {"decoded", std::move(decoded)}};
}

json::object response_view(const SpdmReport &report) {
    json::array blocks;
    for (const auto &block : report.blocks) {
        blocks.push_back({{"index", block.index},
                          {"specification", block.specification},
                          {"value_type", block.value_type},
                          {"value", to_hex(block.value)}});
    }
    return {{"param1", report.response_param1},
            {"param2", report.response_param2},
            {"number_of_blocks", report.blocks.size()},
            {"blocks", std::move(blocks)},
            {"responder_nonce", to_hex(report.responder_nonce)},
            {"opaque_data", opaque_view(report)},
            {"signature", to_hex(report.signature)},
            {"trailing_bytes", report.trailing_bytes}};
}

json::array certificates_view(const DeviceEvidence &device) {
    json::array out;
    for (size_t i = 0; i < device.certificates.size(); ++i) {
        try {
            const auto certificate = support::Certificate::parse(
                device.certificates[i], "certificate " + std::to_string(i), support::Encoding::der);
            out.push_back({{"subject", certificate.subject_cn()},
                           {"issuer", certificate.issuer_cn()},
                           {"serial", certificate.serial_hex()},
                           {"not_before", support::rfc3339(certificate.not_before())},
                           {"not_after", support::rfc3339(certificate.not_after())},
                           {"sha256", to_hex(certificate.sha256())}});
        } catch (const failure &e) {
            out.push_back(json::object{{"error", e.what()}}); // inspect describes what it can
        }
    }
    return out;
}

json::object device_view(const DeviceEvidence &device, size_t index) {
    json::object out{{"index", index}, {"kind", device_kind_name(device.kind)}};
    if (device.arch) {
        out["arch"] = arch_name(*device.arch);
    }
    out["report_bytes"] = device.report.size();
    try {
        const SpdmReport report = parse_spdm_report(device.report);
        out["request"] = request_view(report);
        out["response"] = response_view(report);
    } catch (const failure &e) {
        out["report_error"] = e.what();
    }
    out["certificates"] = certificates_view(device);
    return out;
}

} // namespace

json::object inspect_devices(const Evidence &evidence) {
    json::array devices;
    for (size_t i = 0; i < evidence.devices.size(); ++i) {
        devices.push_back(device_view(evidence.devices[i], i));
    }
    return {{"devices", std::move(devices)},
            {"device_count", evidence.devices.size()},
            {"rims_carried", evidence.rims.size()},
            {"ocsp_responses_carried", evidence.ocsp_responses.size()},
            {"verified", false}};
}

json::array rim_measurements_claim(const Rim &rim) {
    json::array measurements;
    for (const auto &measurement : rim.measurements) {
        json::array alternatives;
        for (const auto &value : measurement.alternatives) {
            alternatives.emplace_back(to_hex(value));
        }
        measurements.push_back({{"index", measurement.index},
                                {"active", measurement.active},
                                {"alternatives", std::move(alternatives)}});
    }
    return measurements;
}

json::object inspect_rim(std::span<const uint8_t> xml) {
    const Rim rim = parse_rim(xml, "RIM document");
    json::array chain;
    for (const auto &certificate : rim.signing_chain) {
        chain.emplace_back(certificate.subject_cn());
    }
    return {{"kind", "rim"},
            {"tag_id", rim.tag_id},
            {"name", rim.name},
            {"version", rim.version},
            {"product", rim.product},
            {"edition", rim.edition},
            {"chain", std::move(chain)},
            {"measurements", rim_measurements_claim(rim)},
            {"verified", false}};
}

} // namespace ccattest::gpu
