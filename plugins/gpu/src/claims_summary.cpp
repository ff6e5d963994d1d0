#include "claims_summary.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

namespace ccattest::gpu {
namespace json = boost::json;

namespace {

// OCSP statuses from best to worst.
constexpr std::array<std::string_view, 4> ocsp_order = {"good", "not_checked", "certificate_hold",
                                                        "revoked"};

size_t ocsp_rank(std::string_view status) {
    const auto *found = std::find(ocsp_order.begin(), ocsp_order.end(), status);
    return found == ocsp_order.end() ? 1 : static_cast<size_t>(found - ocsp_order.begin());
}

std::string_view text_of(const json::value *value) {
    return value != nullptr && value->is_string() ? std::string_view(value->get_string())
                                                  : std::string_view();
}

// A device's OCSP status: local verification writes {"status": ...}; NRAS one status per chain.
size_t device_ocsp_rank(const json::object &device) {
    const json::value *ocsp = device.if_contains("ocsp");
    if (ocsp == nullptr || !ocsp->is_object() || ocsp->get_object().empty()) {
        return ocsp_rank("not_checked");
    }
    if (const json::value *status = ocsp->get_object().if_contains("status")) {
        return ocsp_rank(text_of(status));
    }
    size_t worst = 0;
    for (const auto &[chain, status] : ocsp->get_object()) {
        worst = std::max(worst, ocsp_rank(text_of(&status)));
    }
    return worst;
}

} // namespace

void add_device_summary(json::object &claims) {
    const json::array &devices = claims.at("devices").get_array();
    bool any_failure = false;
    bool all_success = !devices.empty();
    size_t worst_ocsp = 0;
    int64_t debug_devices = 0;
    for (const auto &entry : devices) {
        const json::object &device = entry.get_object();
        const std::string_view measurements = text_of(device.if_contains("measurements"));
        any_failure = any_failure || measurements == "failure";
        all_success = all_success && measurements == "success";
        worst_ocsp = std::max(worst_ocsp, device_ocsp_rank(device));
        const json::value *debug = device.if_contains("debug");
        debug_devices += debug != nullptr && debug->is_bool() && debug->get_bool() ? 1 : 0;
    }
    claims["measurements"] = any_failure ? "failure" : all_success ? "success" : "not_checked";
    claims["ocsp"] = std::string(ocsp_order.at(worst_ocsp));
    claims["debug_devices"] = debug_devices;
}

} // namespace ccattest::gpu
