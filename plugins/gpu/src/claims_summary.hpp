// The top-level summary of a token's devices, the same for local and NRAS verification, so a site
// policy (a JSON pointer per rule) can require something of every device at once.
#pragma once

#include <boost/json/object.hpp>

namespace ccattest::gpu {

/// Adds to `claims` (which holds "devices") three summaries of its devices:
///  - "measurements": "failure" when any device's is, "success" when every device's is,
///    else "not_checked";
///  - "ocsp": the worst status of any device: "revoked", "certificate_hold", "not_checked", "good"
///    (a device without answers, or with a status other than these, counts as "not_checked");
///  - "debug_devices": how many devices report a debug mode (debug: true).
void add_device_summary(boost::json::object &claims);

} // namespace ccattest::gpu
