#include "spdm.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <string_view>

namespace ccattest::gpu {
using sdk::failure;
using support::ByteCursor;
using support::Bytes;

namespace {

// Every length the report carries is checked against what its enclosing structure has left, and
// every message gives the offset (from the start of the report, request included) of what is
// wrong, so a refused report can be found with a hex dump.
constexpr size_t block_header_size = 4;  // index, specification, size (LE16)
constexpr size_t dmtf_header_size = 3;   // value type, value size (LE16)
constexpr size_t opaque_header_size = 4; // type (LE16), length (LE16)
constexpr uint8_t attribute_signature_requested = 0x01;
constexpr uint8_t specification_dmtf = 0x01;
constexpr uint8_t spdm_error = 0x7F;
// NVIDIA GPUs give the VBIOS version as 8 binary bytes; NVSwitches give it as text.
constexpr size_t binary_vbios_version_size = 8;

[[noreturn]] void malformed(const std::string &problem) {
    throw failure(CCATTEST_E_MALFORMED, "SPDM report: " + problem);
}

std::string hex8(uint8_t value) {
    char text[5];
    (void)std::snprintf(text, sizeof text, "0x%02x", value);
    return text;
}

std::string at(size_t offset) {
    return " at offset " + std::to_string(offset);
}

template <size_t N> std::array<uint8_t, N> take_array(ByteCursor &in, std::string_view field) {
    std::array<uint8_t, N> out{};
    const auto bytes = in.take(N, field);
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

uint16_t le16(std::span<const uint8_t> bytes) {
    return static_cast<uint16_t>(bytes[0] | (static_cast<unsigned>(bytes[1]) << 8U));
}

void read_request(ByteCursor &in, SpdmReport &report) {
    const uint8_t version = in.u8("request version");
    if (version != spdm_version_1_1) {
        malformed("request version " + hex8(version) + at(0) + " is not SPDM 1.1 (0x11)");
    }
    const uint8_t code = in.u8("request code");
    if (code != spdm_get_measurements) {
        malformed("request code " + hex8(code) + at(1) + " is not GET_MEASUREMENTS (0xe0)");
    }
    report.request_attributes = in.u8("request attributes");
    if ((report.request_attributes & attribute_signature_requested) == 0) {
        malformed("request attributes " + hex8(report.request_attributes) + at(2) +
                  " do not request a signature (bit 0)");
    }
    report.measurement_operation = in.u8("request measurement operation");
    report.nonce = take_array<spdm_nonce_size>(in, "request nonce");
    report.slot_id = in.u8("request slot id");
}

void read_response_header(ByteCursor &in, SpdmReport &report) {
    const size_t start = in.position();
    const uint8_t version = in.u8("response version");
    if (version != spdm_version_1_1) {
        malformed("response version " + hex8(version) + at(start) +
                  " differs from the request's version 0x11");
    }
    const uint8_t code = in.u8("response code");
    if (code != spdm_measurements) {
        malformed("response code " + hex8(code) + at(start + 1) + " is not MEASUREMENTS (0x60)" +
                  (code == spdm_error ? ": the device answered with an SPDM ERROR" : ""));
    }
    report.response_param1 = in.u8("response param1");
    report.response_param2 = in.u8("response param2");
    // A signed response names the slot whose key signed it: the slot the request asked for.
    const unsigned slot = report.response_param2 & 0x0FU;
    if (slot != report.slot_id) {
        malformed("response slot id " + std::to_string(slot) + " (param2 bits 0..3" +
                  at(start + 3) + ") differs from the request's slot id " +
                  std::to_string(report.slot_id));
    }
}

// One block of the measurement record, which ends at `record_end`.
void read_block(ByteCursor &in, size_t record_end, SpdmReport &report,
                std::array<bool, 256> &seen) {
    const size_t start = in.position();
    if (record_end - start < block_header_size) {
        malformed("measurement block header" + at(start) +
                  " needs 4 bytes, the measurement record has " +
                  std::to_string(record_end - start) + " left");
    }
    MeasurementBlock block;
    block.index = in.u8("measurement block index");
    block.specification = in.u8("measurement block specification");
    const uint16_t size = in.u16_le("measurement block size");
    const std::string name = "measurement block " + std::to_string(block.index) + at(start);
    if (block.index == 0 || block.index == 0xFF) {
        malformed(name + ": index " + std::to_string(block.index) +
                  " is reserved (a block's index is 1..254)");
    }
    if (seen[block.index]) {
        malformed(name + " repeats the index of an earlier block");
    }
    seen[block.index] = true;
    if (size > record_end - in.position()) {
        malformed(name + ": size " + std::to_string(size) +
                  " runs past the end of the measurement record (" +
                  std::to_string(record_end - in.position()) + " bytes left)");
    }
    const auto body = in.take(size, "measurement block");
    if ((block.specification & specification_dmtf) == 0) { // not DMTF: the measurement is opaque
        block.value.assign(body.begin(), body.end());
        report.blocks.push_back(std::move(block));
        return;
    }
    if (size < dmtf_header_size) {
        malformed(name + ": size " + std::to_string(size) +
                  " is too small for a DMTF measurement (3-byte header)");
    }
    block.value_type = body[0];
    const uint16_t value_size = le16(body.subspan(1, 2));
    if (size != dmtf_header_size + value_size) {
        malformed(name + ": size " + std::to_string(size) + " disagrees with its DMTF value size " +
                  std::to_string(value_size) + " (the size must be 3 + value size)");
    }
    block.value.assign(body.begin() + dmtf_header_size, body.end());
    report.blocks.push_back(std::move(block));
}

void read_measurement_record(ByteCursor &in, SpdmReport &report) {
    const size_t count_at = in.position();
    const uint8_t number_of_blocks = in.u8("number of blocks");
    const size_t length_at = in.position();
    const auto length_bytes = in.take(3, "measurement record length");
    const size_t length = length_bytes[0] | (static_cast<size_t>(length_bytes[1]) << 8U) |
                          (static_cast<size_t>(length_bytes[2]) << 16U);
    if (length > in.remaining()) {
        malformed("measurement record length " + std::to_string(length) + at(length_at) +
                  " runs past the end of the report (" + std::to_string(in.remaining()) +
                  " bytes left)");
    }
    const size_t record_end = in.position() + length;
    std::array<bool, 256> seen{};
    while (in.position() < record_end) {
        read_block(in, record_end, report, seen);
    }
    if (report.blocks.size() != number_of_blocks) {
        malformed("number of blocks " + std::to_string(number_of_blocks) + at(count_at) +
                  " disagrees with the " + std::to_string(report.blocks.size()) +
                  " blocks of the measurement record");
    }
}

// Text fields are NUL-padded ASCII: the text ends at the first NUL and only NULs may follow.
std::string opaque_text(std::span<const uint8_t> value, const std::string &name) {
    const auto nul = std::find(value.begin(), value.end(), uint8_t{0});
    const auto bad =
        std::find_if(value.begin(), nul, [](uint8_t c) { return c < 0x20 || c > 0x7E; });
    if (bad != nul) {
        malformed(name + ": byte " + hex8(*bad) + " at position " +
                  std::to_string(bad - value.begin()) + " is not printable ASCII");
    }
    if (std::any_of(nul, value.end(), [](uint8_t c) { return c != 0; })) {
        malformed(name + ": bytes other than NUL follow its text");
    }
    return {value.begin(), nul};
}

// NVIDIA's tools print a GPU's 8 bytes b0..b7 as b3.b2.b1.b0.b4 in hex (bytes 00 9f 00 96 01 00
// 00 00 are "96.00.9f.00.01", the form RIMs and NVIDIA's claims use); b5..b7 are not part of it.
std::string vbios_version(std::span<const uint8_t> value, const std::string &name) {
    if (value.size() != binary_vbios_version_size) {
        return opaque_text(value, name);
    }
    char text[16];
    (void)std::snprintf(text, sizeof text, "%02x.%02x.%02x.%02x.%02x", value[3], value[2], value[1],
                        value[0], value[4]);
    return text;
}

uint8_t opaque_byte(std::span<const uint8_t> value, const std::string &name) {
    if (value.size() != 1) {
        malformed(name + ": length " + std::to_string(value.size()) + " is not 1");
    }
    return value[0];
}

// A little-endian unsigned integer of 1 to 8 bytes, as NVIDIA's parsers read it, that must fit 32
// bits.
uint32_t opaque_u32(std::span<const uint8_t> value, const std::string &name) {
    if (value.empty() || value.size() > 8) {
        malformed(name + ": length " + std::to_string(value.size()) + " is not 1 to 8");
    }
    uint64_t number = 0;
    for (size_t i = value.size(); i-- > 0;) {
        number = (number << 8U) | value[i];
    }
    if (number > UINT32_MAX) {
        malformed(name + ": " + std::to_string(number) + " does not fit 32 bits");
    }
    return static_cast<uint32_t>(number);
}

std::optional<std::string> OpaqueData::*text_member(uint16_t type) {
    switch (type) {
    case opaque_type::driver_version: return &OpaqueData::driver_version;
    case opaque_type::project: return &OpaqueData::project;
    case opaque_type::project_sku: return &OpaqueData::project_sku;
    case opaque_type::project_sku_mod: return &OpaqueData::project_sku_mod;
    case opaque_type::chip_sku: return &OpaqueData::chip_sku;
    case opaque_type::chip_sku_mod: return &OpaqueData::chip_sku_mod;
    case opaque_type::sku: return &OpaqueData::sku;
    default: return nullptr;
    }
}

std::optional<Bytes> OpaqueData::*bytes_member(uint16_t type) {
    switch (type) {
    case opaque_type::board_id: return &OpaqueData::board_id;
    case opaque_type::fwid: return &OpaqueData::fwid;
    case opaque_type::switch_pdi: return &OpaqueData::switch_pdi;
    default: return nullptr;
    }
}

void decode_field(OpaqueData &data, uint16_t type, std::span<const uint8_t> value,
                  const std::string &name) {
    if (const auto member = text_member(type)) {
        data.*member = opaque_text(value, name);
    } else if (const auto bytes = bytes_member(type)) {
        data.*bytes = Bytes(value.begin(), value.end());
    } else if (type == opaque_type::vbios_version) {
        data.vbios_version = vbios_version(value, name);
    } else if (type == opaque_type::opaque_data_version) {
        data.opaque_data_version = opaque_u32(value, name);
    } else if (type == opaque_type::nvdec0_status) {
        data.nvdec0_status = opaque_byte(value, name);
    } else if (type == opaque_type::protected_pcie_status) {
        data.protected_pcie_status = opaque_byte(value, name);
    }
}

// NVIDIA's opaque data: entries {type LE16, length LE16, value} filling it exactly. `base` is the
// opaque data's offset in the report. A type given twice is refused: which one counts would
// depend on the reader.
OpaqueData parse_opaque(std::span<const uint8_t> opaque, size_t base) {
    OpaqueData data;
    std::set<uint16_t> seen;
    size_t position = 0;
    while (position < opaque.size()) {
        const size_t left = opaque.size() - position;
        if (left < opaque_header_size) {
            malformed("opaque entry header" + at(base + position) +
                      " needs 4 bytes, the opaque data has " + std::to_string(left) + " left");
        }
        const uint16_t type = le16(opaque.subspan(position, 2));
        const uint16_t length = le16(opaque.subspan(position + 2, 2));
        const std::string name = "opaque entry " + opaque_type_name(type) + " (type " +
                                 std::to_string(type) + ")" + at(base + position);
        if (length > left - opaque_header_size) {
            malformed(name + ": length " + std::to_string(length) +
                      " runs past the end of the opaque data (" +
                      std::to_string(left - opaque_header_size) + " bytes left)");
        }
        if (!seen.insert(type).second) {
            malformed(name + " repeats an earlier entry's type");
        }
        const auto value = opaque.subspan(position + opaque_header_size, length);
        data.fields.push_back({type, Bytes(value.begin(), value.end())});
        decode_field(data, type, value, name);
        position += opaque_header_size + length;
    }
    return data;
}

} // namespace

std::string opaque_type_name(uint16_t type) {
    static constexpr std::array<std::string_view, 37> names = {
        "",
        "cert_issuer_name",
        "cert_authority_key_identifier",
        "driver_version",
        "gpu_info",
        "sku",
        "vbios_version",
        "manufacturer_id",
        "tamper_detection",
        "smc",
        "vpr",
        "nvdec0_status",
        "msrscnt",
        "cprinfo",
        "board_id",
        "chip_sku",
        "chip_sku_mod",
        "project",
        "project_sku",
        "project_sku_mod",
        "fwid",
        "protected_pcie_status",
        "switch_pdi",
        "floorswept_ports",
        "position_id",
        "lock_switch_status",
        "",
        "",
        "",
        "",
        "",
        "", // 26..31: not assigned
        "gpu_link_conn",
        "sys_enable_status",
        "opaque_data_version",
        "chip_info",
        "feature_flag",
    };
    if (type < names.size() && !names[type].empty()) {
        return std::string(names[type]);
    }
    return "type_" + std::to_string(type);
}

const OpaqueField *OpaqueData::find(uint16_t type) const noexcept {
    const auto found = std::find_if(fields.begin(), fields.end(),
                                    [&](const OpaqueField &f) { return f.type == type; });
    return found == fields.end() ? nullptr : &*found;
}

SpdmReport parse_spdm_report(std::span<const uint8_t> bytes) {
    if (bytes.size() > max_report_size) {
        malformed(std::to_string(bytes.size()) + " bytes exceed the maximum report size (" +
                  std::to_string(max_report_size) + " bytes)");
    }
    ByteCursor in(bytes, "SPDM report");
    SpdmReport report;
    read_request(in, report);
    read_response_header(in, report);
    read_measurement_record(in, report);
    report.responder_nonce = take_array<spdm_nonce_size>(in, "responder nonce");
    const size_t length_at = in.position();
    const uint16_t opaque_length = in.u16_le("opaque data length");
    if (opaque_length > in.remaining()) {
        malformed("opaque data length " + std::to_string(opaque_length) + at(length_at) +
                  " runs past the end of the report (" + std::to_string(in.remaining()) +
                  " bytes left)");
    }
    const size_t opaque_at = in.position();
    const auto opaque = in.take(opaque_length, "opaque data");
    report.opaque.assign(opaque.begin(), opaque.end());
    report.opaque_data = parse_opaque(opaque, opaque_at);
    const auto signed_part = bytes.first(in.position());
    report.signed_bytes.assign(signed_part.begin(), signed_part.end());
    report.signature = take_array<spdm_signature_size>(in, "signature");
    report.trailing_bytes = in.remaining();
    return report;
}

} // namespace ccattest::gpu
