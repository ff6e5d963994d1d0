#include "evidence.hpp"

#include "spdm.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/decode_cache.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace ccattest::gpu {
using sdk::failure;
using support::Bytes;

namespace {

constexpr size_t min_chain_size = 2; // a leaf and its issuer, at least (ccattest form)
constexpr size_t max_chain_size = 8;
constexpr size_t json_depth = 8;
constexpr std::array<std::string_view, 4> top_members = {"format", "devices", "rims", "ocsp"};
constexpr std::array<std::string_view, 4> device_members = {"kind", "arch", "report",
                                                            "certificates"};
// The list of NVIDIA's evidence JSON, as each tool names it: nvtrust's Python SDK (and NRAS
// requests), Confidential Containers' attester, the nvattest command line.
constexpr std::array<std::string_view, 3> nvidia_lists = {"evidence_list", "device_evidence_list",
                                                          "evidences"};
constexpr std::array<uint8_t, 3> utf8_bom = {0xEF, 0xBB, 0xBF};
// A fleet sends the same device chains in every token; parsing a certificate (its public key
// above all) costs more than checking the report it vouches for. Keyed by the SHA-256 of the exact
// bytes; a parse that fails is not cached, so a bad certificate is refused every time.
constexpr size_t parsed_cache_size = 512;

const support::DecodeCache<support::Certificate> &parsed_certificates() {
    static const support::DecodeCache<support::Certificate> cache(parsed_cache_size);
    return cache;
}

const support::DecodeCache<std::vector<support::Certificate>> &parsed_bundles() {
    static const support::DecodeCache<std::vector<support::Certificate>> cache(parsed_cache_size);
    return cache;
}

[[noreturn]] void malformed(const std::string &problem) {
    throw failure(CCATTEST_E_MALFORMED, problem);
}

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

// Member order is part of the one spelling; naming the first misplaced member helps whoever wrote
// the token by hand.
template <size_t N>
void require_order(const boost::json::object &object, const std::array<std::string_view, N> &order,
                   const std::string &where) {
    size_t next = 0;
    for (const auto &member : object) {
        const auto found = std::find(order.begin(), order.end(), member.key());
        if (found == order.end()) {
            malformed(where + " has an unknown member " + quoted(member.key()));
        }
        const auto position = static_cast<size_t>(found - order.begin());
        if (position < next) {
            malformed(where + " member " + quoted(member.key()) +
                      " is out of order (the order is " + std::string(order.front()) + ", ..., " +
                      std::string(order.back()) + ")");
        }
        next = position + 1;
    }
}

const boost::json::string &string_member(const boost::json::object &object, std::string_view name,
                                         const std::string &where) {
    const auto *member = object.if_contains(name);
    if (member == nullptr) {
        malformed(where + " has no " + quoted(name));
    }
    if (!member->is_string()) {
        malformed(where + " " + quoted(name) + " is not a string");
    }
    return member->get_string();
}

// A non-empty array of at most `limit` elements.
const boost::json::array &array_member(const boost::json::object &object, std::string_view name,
                                       const std::string &where, size_t limit) {
    const auto *member = object.if_contains(name);
    if (member == nullptr) {
        malformed(where + " has no " + quoted(name));
    }
    if (!member->is_array()) {
        malformed(where + " " + quoted(name) + " is not an array");
    }
    const auto &array = member->get_array();
    if (array.empty()) {
        malformed(where + " " + quoted(name) + " is empty");
    }
    if (array.size() > limit) {
        malformed(where + " " + quoted(name) + " has " + std::to_string(array.size()) +
                  " entries, more than the " + std::to_string(limit) + " allowed");
    }
    return array;
}

Bytes decode_base64(const boost::json::value &value, const std::string &what) {
    if (!value.is_string()) {
        malformed(what + " is not a string");
    }
    Bytes bytes = support::base64_decode(value.get_string(), what);
    if (bytes.empty()) {
        malformed(what + " is empty");
    }
    return bytes;
}

void check_report_size(const Bytes &report, const std::string &what) {
    if (report.size() > max_report_size) {
        malformed(what + " is " + std::to_string(report.size()) + " bytes, more than the " +
                  std::to_string(max_report_size) + " allowed");
    }
}

DeviceKind kind_of(Arch arch) {
    return arch == Arch::ls10 ? DeviceKind::nvswitch : DeviceKind::gpu;
}

// ---- ccattest-gpu-v1 ----

std::vector<Bytes> read_der_certificates(const boost::json::object &device,
                                         const std::string &where) {
    const auto &array = array_member(device, "certificates", where, max_chain_size);
    if (array.size() < min_chain_size) {
        malformed(where + " has " + std::to_string(array.size()) + " certificate; a chain has " +
                  std::to_string(min_chain_size) + " to " + std::to_string(max_chain_size));
    }
    std::vector<Bytes> certificates;
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string what = where + " certificate " + std::to_string(i);
        Bytes der = decode_base64(array[i], what);
        // DER only: PEM here would be a second spelling of the same token.
        (void)parsed_certificates().get(der, [&](std::span<const uint8_t> bytes) {
            return support::Certificate::parse(bytes, what, support::Encoding::der);
        });
        certificates.push_back(std::move(der));
    }
    return certificates;
}

DeviceEvidence read_device(const boost::json::value &value, size_t index) {
    const std::string where = "token device " + std::to_string(index);
    if (!value.is_object()) {
        malformed(where + " is not an object");
    }
    const auto &object = value.get_object();
    require_order(object, device_members, where);
    DeviceEvidence device;
    const auto &kind = string_member(object, "kind", where);
    if (kind != device_kind_name(DeviceKind::gpu) &&
        kind != device_kind_name(DeviceKind::nvswitch)) {
        malformed(where + " kind " + quoted(kind) + " is not \"gpu\" or \"switch\"");
    }
    device.kind = kind == "gpu" ? DeviceKind::gpu : DeviceKind::nvswitch;
    const auto &arch_text = string_member(object, "arch", where);
    const auto arch = arch_from_name(arch_text);
    if (!arch || arch_name(*arch) != arch_text) {
        malformed(where + " arch " + quoted(arch_text) +
                  " is not \"hopper\", \"blackwell\" or \"ls10\"");
    }
    if (kind_of(*arch) != device.kind) {
        malformed(where + " kind " + quoted(kind) + " does not match its arch " +
                  quoted(arch_text));
    }
    device.arch = arch;
    const auto *report = object.if_contains("report");
    if (report == nullptr) {
        malformed(where + " has no \"report\"");
    }
    device.report = decode_base64(*report, where + " report");
    check_report_size(device.report, where + " report");
    device.certificates = read_der_certificates(object, where);
    return device;
}

// "rims" or "ocsp": present only when not empty; each entry base64 of a document.
std::vector<Bytes> read_documents(const boost::json::object &object, std::string_view name,
                                  bool der) {
    std::vector<Bytes> documents;
    if (!object.contains(name)) {
        return documents;
    }
    const std::string where = "token " + quoted(name);
    const auto &array = array_member(object, name, "token", max_token_size);
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string what = where + " entry " + std::to_string(i);
        Bytes bytes = decode_base64(array[i], what);
        if (der && bytes.front() != 0x30) { // an OCSPResponse is a DER SEQUENCE
            malformed(what + " is not DER (it does not start with a SEQUENCE)");
        }
        documents.push_back(std::move(bytes));
    }
    return documents;
}

Evidence ccattest_json(const boost::json::object &object, std::string_view text) {
    require_order(object, top_members, "token");
    const auto &format = string_member(object, "format", "token");
    if (format != token_format_id) {
        malformed("token format " + quoted(format) + " is not " + quoted(token_format_id));
    }
    Evidence evidence;
    evidence.form = TokenForm::ccattest;
    const auto &devices = array_member(object, "devices", "token", max_devices);
    for (size_t i = 0; i < devices.size(); ++i) {
        evidence.devices.push_back(read_device(devices[i], i));
    }
    evidence.rims = read_documents(object, "rims", false);
    evidence.ocsp_responses = read_documents(object, "ocsp", true);
    // Whatever the checks above let through (whitespace, escapes) is refused here: only the text
    // encode_token writes is a token, so no two texts carry the same evidence.
    if (encode_token(evidence) != text) {
        malformed("token is not in canonical form (whitespace or escapes, which encode_token "
                  "does not write)");
    }
    return evidence;
}

// ---- NVIDIA's evidence JSON ----

std::optional<Arch> nvidia_arch(const boost::json::object &object, const std::string &where) {
    const auto *member = object.if_contains("arch");
    if (member == nullptr) {
        return std::nullopt;
    }
    if (!member->is_string()) {
        malformed(where + " \"arch\" is not a string");
    }
    const auto arch = arch_from_name(member->get_string());
    if (!arch) {
        malformed(where + " arch " + quoted(member->get_string()) +
                  " is not Hopper, Blackwell or LS10");
    }
    return arch;
}

DeviceEvidence nvidia_device(const boost::json::value &value, size_t index,
                             std::optional<Arch> default_arch) {
    const std::string where = "NVIDIA evidence entry " + std::to_string(index);
    if (!value.is_object()) {
        malformed(where + " is not an object");
    }
    const auto &object = value.get_object();
    DeviceEvidence device;
    device.arch = nvidia_arch(object, where);
    if (!device.arch) {
        device.arch = default_arch;
    }
    device.kind = device.arch ? kind_of(*device.arch) : DeviceKind::gpu;
    const auto *report = object.if_contains("evidence");
    if (report == nullptr) {
        malformed(where + " has no \"evidence\"");
    }
    device.report = decode_base64(*report, where + " evidence");
    check_report_size(device.report, where + " evidence");
    const auto *chain = object.if_contains("certificate");
    if (chain == nullptr) {
        malformed(where + " has no \"certificate\"");
    }
    // Base64 of the PEM chain as NVML gives it (leaf first); kept as DER.
    const std::string what = where + " certificate";
    const auto bundle =
        parsed_bundles().get(decode_base64(*chain, what), [&](std::span<const uint8_t> bytes) {
            return support::Certificate::parse_bundle(bytes, what);
        });
    const auto &certificates = *bundle;
    if (certificates.size() > max_chain_size) {
        malformed(what + " holds " + std::to_string(certificates.size()) +
                  " certificates, more than the " + std::to_string(max_chain_size) + " allowed");
    }
    for (const auto &certificate : certificates) {
        device.certificates.push_back(certificate.der());
    }
    return device;
}

Evidence nvidia_json(const boost::json::object &object) {
    std::string_view list_name;
    for (const auto name : nvidia_lists) {
        if (object.contains(name)) {
            if (!list_name.empty()) {
                malformed("NVIDIA evidence has both " + quoted(list_name) + " and " + quoted(name));
            }
            list_name = name;
        }
    }
    const auto default_arch = nvidia_arch(object, "NVIDIA evidence");
    const auto &list = array_member(object, list_name, "NVIDIA evidence", max_devices);
    Evidence evidence;
    evidence.form = TokenForm::nvidia_evidence;
    for (size_t i = 0; i < list.size(); ++i) {
        evidence.devices.push_back(nvidia_device(list[i], i, default_arch));
    }
    return evidence;
}

// ---- the other forms ----

Evidence nras_eat(std::string_view text, const boost::json::value &document) {
    const auto &array = document.get_array();
    const auto is_jwt_entry = [](const boost::json::value &first) {
        if (!first.is_array() || first.get_array().size() != 2) {
            return false;
        }
        const auto &pair = first.get_array();
        return pair[0].is_string() && pair[0].get_string() == "JWT" && pair[1].is_string() &&
               !pair[1].get_string().empty();
    };
    if (array.empty() || !is_jwt_entry(array[0])) {
        malformed("token is a JSON array but not an NRAS detached EAT (its first element must be "
                  "[\"JWT\", \"<token>\"])");
    }
    Evidence evidence;
    evidence.form = TokenForm::nras_eat;
    evidence.text = std::string(text);
    return evidence;
}

Evidence json_token(std::string_view text) {
    boost::json::value document;
    try {
        document = support::parse_json(text, json_depth);
    } catch (const failure &e) {
        malformed(std::string("token is not valid JSON: ") + e.what());
    }
    if (document.is_array()) {
        return nras_eat(text, document);
    }
    if (!document.is_object()) {
        malformed("token is JSON but neither an object nor an array");
    }
    const auto &object = document.get_object();
    if (object.contains("format") || object.contains("devices")) {
        return ccattest_json(object, text);
    }
    if (std::any_of(nvidia_lists.begin(), nvidia_lists.end(),
                    [&](std::string_view name) { return object.contains(name); })) {
        return nvidia_json(object);
    }
    malformed(std::string("token is a JSON object with neither \"format\" (") + token_format_id +
              ") nor \"evidence_list\", \"device_evidence_list\" or \"evidences\" (NVIDIA's "
              "evidence JSON)");
}

Evidence raw_report(std::span<const uint8_t> token) {
    Evidence evidence;
    evidence.form = TokenForm::raw_spdm;
    DeviceEvidence device;
    device.report.assign(token.begin(), token.end());
    check_report_size(device.report, "raw SPDM report");
    evidence.devices.push_back(std::move(device));
    return evidence;
}

// The checks decode_token makes, for evidence about to be written, so that encode_token never
// writes a token decode_token refuses.
void check_encodable(const Evidence &evidence) {
    const auto refuse = [](const std::string &problem) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT,
                      std::string("cannot encode a ") + token_format_id + " token: " + problem);
    };
    if (evidence.devices.empty() || evidence.devices.size() > max_devices) {
        refuse(std::to_string(evidence.devices.size()) + " devices (1 to " +
               std::to_string(max_devices) + ")");
    }
    for (size_t i = 0; i < evidence.devices.size(); ++i) {
        const auto &device = evidence.devices[i];
        const std::string name = "device " + std::to_string(i);
        if (!device.arch) {
            refuse(name + " has no architecture");
        }
        if (kind_of(*device.arch) != device.kind) {
            refuse(name + " kind " + std::string(device_kind_name(device.kind)) +
                   " does not match its arch " + std::string(arch_name(*device.arch)));
        }
        if (device.report.empty() || device.report.size() > max_report_size) {
            refuse(name + " report is " + std::to_string(device.report.size()) + " bytes");
        }
        if (device.certificates.size() < min_chain_size ||
            device.certificates.size() > max_chain_size) {
            refuse(name + " has " + std::to_string(device.certificates.size()) +
                   " certificates (2 to 8)");
        }
    }
    const auto has_empty = [](const std::vector<Bytes> &items) {
        return std::any_of(items.begin(), items.end(), [](const Bytes &b) { return b.empty(); });
    };
    if (has_empty(evidence.rims) || has_empty(evidence.ocsp_responses)) {
        refuse("an empty RIM or OCSP response");
    }
}

boost::json::array base64_array(const std::vector<Bytes> &items) {
    boost::json::array array;
    for (const auto &item : items) {
        array.emplace_back(support::base64_encode(item));
    }
    return array;
}

} // namespace

std::string_view device_kind_name(DeviceKind kind) noexcept {
    return kind == DeviceKind::nvswitch ? "switch" : "gpu";
}

std::string_view arch_name(Arch arch) noexcept {
    switch (arch) {
    case Arch::hopper: return "hopper";
    case Arch::blackwell: return "blackwell";
    case Arch::ls10: return "ls10";
    }
    return "hopper";
}

std::optional<Arch> arch_from_name(std::string_view name) noexcept {
    for (const Arch arch : {Arch::hopper, Arch::blackwell, Arch::ls10}) {
        const auto known = arch_name(arch);
        if (std::equal(name.begin(), name.end(), known.begin(), known.end(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == b;
            })) {
            return arch;
        }
    }
    return std::nullopt;
}

std::string_view token_form_name(TokenForm form) noexcept {
    switch (form) {
    case TokenForm::ccattest: return token_format_id;
    case TokenForm::nvidia_evidence: return "nvidia-evidence";
    case TokenForm::raw_spdm: return "raw-spdm";
    case TokenForm::nras_eat: return "nras-eat";
    case TokenForm::rim_document: return "rim-document";
    }
    return token_format_id;
}

Evidence decode_token(std::span<const uint8_t> token) {
    if (token.size() > max_token_size) {
        malformed("token is " + std::to_string(token.size()) + " bytes, more than the " +
                  std::to_string(max_token_size) + " allowed");
    }
    if (token.empty()) {
        malformed("token is empty");
    }
    if (token.size() >= 2 && token[0] == spdm_version_1_1 && token[1] == spdm_get_measurements) {
        return raw_report(token); // its structure is checked by the SPDM parser
    }
    if (token.size() >= utf8_bom.size() &&
        std::equal(utf8_bom.begin(), utf8_bom.end(), token.begin())) {
        malformed("token starts with a UTF-8 byte order mark");
    }
    const std::string_view text(reinterpret_cast<const char *>(token.data()), token.size());
    if (text.front() == '<') {
        Evidence evidence;
        evidence.form = TokenForm::rim_document;
        evidence.text = std::string(text);
        return evidence;
    }
    // NVIDIA's tools print their JSON with a line break; the ccattest form refuses any whitespace
    // through its canonical check.
    const auto first = std::find_if_not(text.begin(), text.end(), is_space);
    if (first != text.end() && (*first == '{' || *first == '[')) {
        return json_token(text);
    }
    if (first != text.end() && *first == '<') {
        malformed("token starts with whitespace before '<'; a RIM document starts with '<'");
    }
    malformed(std::string("token is neither a ") + token_format_id +
              " or NVIDIA evidence JSON object, a raw SPDM report (0x11 0xe0), an NRAS detached "
              "EAT (a JSON array) nor a RIM document ('<')");
}

std::string encode_token(const Evidence &evidence) {
    switch (evidence.form) {
    case TokenForm::raw_spdm:
        if (evidence.devices.size() != 1) {
            throw failure(CCATTEST_E_INVALID_ARGUMENT, "cannot encode a raw SPDM token of " +
                                                           std::to_string(evidence.devices.size()) +
                                                           " devices (1)");
        }
        return {reinterpret_cast<const char *>(evidence.devices[0].report.data()),
                evidence.devices[0].report.size()};
    case TokenForm::nras_eat:
    case TokenForm::rim_document: return evidence.text;
    case TokenForm::ccattest:
    case TokenForm::nvidia_evidence: break; // NVIDIA's JSON is written in the ccattest form
    }
    check_encodable(evidence);
    boost::json::array devices;
    for (const auto &device : evidence.devices) {
        devices.emplace_back(boost::json::object{
            {"kind", device_kind_name(device.kind)},
            {"arch", arch_name(*device.arch)},
            {"report", support::base64_encode(device.report)},
            {"certificates", base64_array(device.certificates)},
        });
    }
    boost::json::object token{{"format", token_format_id}, {"devices", std::move(devices)}};
    if (!evidence.rims.empty()) {
        token["rims"] = base64_array(evidence.rims);
    }
    if (!evidence.ocsp_responses.empty()) {
        token["ocsp"] = base64_array(evidence.ocsp_responses);
    }
    return boost::json::serialize(token);
}

} // namespace ccattest::gpu
