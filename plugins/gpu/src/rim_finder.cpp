#include "rim_finder.hpp"

#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <regex>

namespace ccattest::gpu {
using sdk::failure;
using support::Bytes;
using support::Certificate;
namespace json = boost::json;

namespace {

constexpr size_t max_service_answer = size_t{4} << 20U;
constexpr size_t max_cached_rims = 1024;

bool same_text(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

// NVIDIA's VBIOS RIMs state the VBIOS version ("96.00.9F.00.01") and edition VBIOS; driver RIMs
// the driver's dotted decimal version.
RimKind kind_of(const Rim &rim) {
    static const std::regex vbios_version(R"(^[0-9a-fA-F]{2}(\.[0-9a-fA-F]{2}){4}$)");
    if (same_text(rim.edition, "VBIOS") || std::regex_match(rim.version, vbios_version)) {
        return RimKind::vbios;
    }
    return RimKind::driver;
}

bool for_product(const Rim &rim, const RimWanted &wanted) {
    return kind_of(rim) == wanted.kind &&
           (rim.product.empty() || same_text(rim.product, wanted.chip));
}

bool for_version(const Rim &rim, const RimWanted &wanted) {
    return wanted.kind == RimKind::vbios ? same_text(rim.version, wanted.version)
                                         : rim.version == wanted.version;
}

[[noreturn]] void refuse_version(const RimWanted &wanted, const std::string &what, const Rim &rim) {
    throw failure(CCATTEST_E_VERIFICATION_FAILED,
                  std::string(rim_kind_name(wanted.kind)) + " RIM " + what + " is for version " +
                      rim.version + ", the report's " + std::string(rim_kind_name(wanted.kind)) +
                      " is " + wanted.version + " (not compared)");
}

std::vector<std::filesystem::path> rim_files_of(const std::vector<std::filesystem::path> &paths) {
    std::vector<std::filesystem::path> files;
    for (const auto &path : paths) {
        std::error_code error;
        if (std::filesystem::is_directory(path, error)) {
            std::vector<std::filesystem::path> inside;
            for (const auto &entry : std::filesystem::directory_iterator(path)) {
                if (entry.is_regular_file()) {
                    inside.push_back(entry.path());
                }
            }
            std::sort(inside.begin(), inside.end()); // one order on every machine
            files.insert(files.end(), inside.begin(), inside.end());
        } else {
            files.push_back(path);
        }
    }
    return files;
}

// The RIM service answers {"id": ..., "rim": base64 of the XML, "sha256": hex of the XML, ...};
// a collateral folder holds the XML itself.
Bytes rim_bytes_of(const support::CollateralItem &item, const RimWanted &wanted) {
    if (item.provenance == support::Provenance::directory ||
        (!item.data.empty() && item.data.front() == '<')) {
        return item.data;
    }
    const std::string what = "RIM service answer for " + wanted.id;
    const json::value answer = support::parse_json(
        std::string_view(reinterpret_cast<const char *>(item.data.data()), item.data.size()));
    const json::object *object = answer.if_object();
    const json::value *rim = object != nullptr ? object->if_contains("rim") : nullptr;
    if (rim == nullptr || !rim->is_string()) {
        throw failure(CCATTEST_E_MALFORMED, what + " has no \"rim\" string");
    }
    if (const auto *id = object->if_contains("id");
        id != nullptr && id->is_string() && id->as_string() != wanted.id) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + " is for " + std::string(id->as_string()));
    }
    Bytes xml = support::base64_decode(rim->as_string(), what + ", rim");
    if (const auto *digest = object->if_contains("sha256");
        digest != nullptr && digest->is_string()) {
        if (!same_text(digest->as_string(), support::to_hex(support::sha256(xml)))) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          what + ": its sha256 does not match the RIM it carries");
        }
    }
    return xml;
}

} // namespace

std::string_view rim_kind_name(RimKind kind) noexcept {
    return kind == RimKind::vbios ? "VBIOS" : "driver";
}

RimFinder::RimFinder(const VerifierConfig &config, support::Host host)
    : source_(host, config.collateral, max_service_answer), service_url_(config.rim_service_url) {
    for (const auto &file : rim_files_of(config.rim_files)) {
        const std::string what = file.filename().string();
        try {
            const Bytes xml = support::read_file(file, max_rim_size);
            configured_.push_back(
                {std::make_shared<const Rim>(parse_rim(xml, what)), what, "rim_files"});
        } catch (const failure &e) {
            throw failure(CCATTEST_E_CONFIG, "rim_files: " + file.string() + ": " + e.what());
        }
    }
}

std::shared_ptr<const Rim> RimFinder::parsed(std::span<const uint8_t> xml,
                                             const std::string &what) const {
    return rims_.get(xml, [&](std::span<const uint8_t> bytes) { return parse_rim(bytes, what); });
}

std::shared_ptr<const VerifiedRim>
RimFinder::verified(const Rim &rim, const std::vector<Certificate> &anchors, int64_t when) const {
    std::array<uint8_t, 32> key{};
    std::copy_n(rim.sha256.begin(), std::min(rim.sha256.size(), key.size()), key.begin());
    {
        const std::shared_lock lock(mutex_);
        if (const auto found = verified_.find(key); found != verified_.end() &&
                                                    found->second->chain.valid_from <= when &&
                                                    when < found->second->chain.valid_until) {
            return found->second;
        }
    }
    std::shared_ptr<const VerifiedRim> outcome;
    try {
        outcome =
            std::make_shared<const VerifiedRim>(verify_rim(rim, anchors, when, &chain_cache_));
    } catch (const failure &e) {
        // rim.hpp's messages already name the RIM ("RIM <what>: ...").
        throw failure(e.status() == CCATTEST_E_EXPIRED ? CCATTEST_E_EXPIRED
                                                       : CCATTEST_E_VERIFICATION_FAILED,
                      e.what());
    }
    const std::unique_lock lock(mutex_);
    if (verified_.size() >= max_cached_rims) {
        verified_.clear();
    }
    verified_[key] = outcome;
    return outcome;
}

std::optional<RimFound> RimFinder::from_offered(const RimWanted &wanted,
                                                const std::vector<Offered> &offered,
                                                const std::vector<Certificate> &anchors,
                                                int64_t when) const {
    const Offered *other_version = nullptr;
    for (const auto &candidate : offered) {
        if (!for_product(*candidate.rim, wanted)) {
            continue;
        }
        if (for_version(*candidate.rim, wanted)) {
            RimFound found{verified(*candidate.rim, anchors, when), candidate.source};
            candidate.used = true;
            return found;
        }
        other_version = other_version != nullptr ? other_version : &candidate;
    }
    if (other_version != nullptr) {
        refuse_version(wanted, other_version->what, *other_version->rim);
    }
    return std::nullopt;
}

RimLookup RimFinder::from_collateral(const RimWanted &wanted,
                                     const std::vector<Certificate> &anchors, int64_t when) const {
    support::CollateralQuery query;
    query.what = std::string(rim_kind_name(wanted.kind)) + " RIM " + wanted.id;
    query.file_names = {wanted.id + ".xml"};
    query.url = service_url_ + wanted.id;
    const support::CollateralLookup lookup = source_.find(query);
    if (!lookup.item) {
        return {std::nullopt, lookup.miss_reason.empty() ? "not found" : lookup.miss_reason};
    }
    const Bytes xml = rim_bytes_of(*lookup.item, wanted);
    const std::string what = wanted.id + " (" + lookup.item->origin + ")";
    const auto rim = parsed(xml, what);
    if (!for_product(*rim, wanted) || !for_version(*rim, wanted)) {
        refuse_version(wanted, what, *rim);
    }
    return {RimFound{verified(*rim, anchors, when),
                     std::string(support::provenance_name(lookup.item->provenance))},
            {}};
}

std::vector<RimFinder::Offered> RimFinder::offered(std::span<const Bytes> carried) const {
    std::vector<Offered> out;
    for (size_t i = 0; i < carried.size(); ++i) {
        const std::string what = "token RIM " + std::to_string(i);
        out.push_back({parsed(carried[i], what), what, "token"});
    }
    out.insert(out.end(), configured_.begin(), configured_.end());
    return out;
}

RimLookup RimFinder::find(const RimWanted &wanted, const std::vector<Offered> &offered,
                          const std::vector<Certificate> &anchors, int64_t when) const {
    if (auto found = from_offered(wanted, offered, anchors, when)) {
        return {std::move(found), {}};
    }
    return from_collateral(wanted, anchors, when);
}

std::shared_ptr<const VerifiedRim>
RimFinder::verify_document(std::span<const uint8_t> xml, const std::string &what,
                           const std::vector<Certificate> &anchors, int64_t when) const {
    return verified(*parsed(xml, what), anchors, when);
}

} // namespace ccattest::gpu
