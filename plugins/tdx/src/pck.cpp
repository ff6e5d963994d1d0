#include "pck.hpp"

#include <ccattest/support/der.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

namespace ccattest::tdx {
using sdk::failure;
using support::DerReader;
namespace der_tag = support::der_tag;

namespace {

// Members are SEQUENCE { OID, value } in any order: each OID at most once, unknown ones skipped.
class MemberSet {
public:
    MemberSet(std::string who, std::string parent)
        : who_(std::move(who)), parent_(std::move(parent)) {}

    // The next member's reader, positioned at its value, and its OID relative to the parent
    // ("4" for FMSPC).
    std::pair<DerReader, std::string> next(DerReader &members) {
        DerReader member = members.enter("member");
        std::string oid = member.oid("member OID");
        if (!seen_.insert(oid).second) {
            fail(oid + " appears more than once");
        }
        if (oid.size() <= parent_.size() + 1 || oid.compare(0, parent_.size(), parent_) != 0 ||
            oid[parent_.size()] != '.') {
            return {std::move(member), std::string()};
        }
        return {std::move(member), oid.substr(parent_.size() + 1)};
    }

    void require(const std::string &suffix, std::string_view name) const {
        if (seen_.count(parent_ + "." + suffix) == 0) {
            fail(std::string(name) + " (" + parent_ + "." + suffix + ") is missing");
        }
    }

    [[noreturn]] void fail(const std::string &problem) const {
        throw failure(CCATTEST_E_MALFORMED, who_ + ": SGX extension " + problem);
    }

private:
    std::string who_;
    std::string parent_;
    std::set<std::string> seen_;
};

template <size_t N>
std::array<uint8_t, N> fixed_octets(DerReader &member, const MemberSet &set,
                                    std::string_view name) {
    const auto value = member.octet_string(name);
    if (value.size() != N) {
        set.fail(std::string(name) + " is " + std::to_string(value.size()) + " bytes, expected " +
                 std::to_string(N));
    }
    member.expect_end(name);
    std::array<uint8_t, N> out{};
    std::copy(value.begin(), value.end(), out.begin());
    return out;
}

int64_t bounded_integer(DerReader &member, const MemberSet &set, const std::string &name,
                        int64_t max) {
    const int64_t value = member.integer(name);
    if (value < 0 || value > max) {
        set.fail(name + " " + std::to_string(value) + " is outside 0.." + std::to_string(max));
    }
    member.expect_end(name);
    return value;
}

// SGX type is an ENUMERATED, which DerReader does not decode: it follows INTEGER's minimal
// encoding, and only small non-negative values are meaningful (pck.hpp).
int enumerated(DerReader &member, const MemberSet &set) {
    const auto contents = member.expect(der_tag::enumerated, "SGX type").contents;
    if (contents.empty() || contents.size() > 2 || (contents[0] & 0x80U) != 0 ||
        (contents.size() == 2 && contents[0] == 0 && (contents[1] & 0x80U) == 0)) {
        set.fail("SGX type is not a non-negative ENUMERATED of at most 15 bits in DER");
    }
    member.expect_end("SGX type");
    int value = 0;
    for (const uint8_t b : contents) {
        value = (value << 8) | b;
    }
    return value;
}

// 1..18 for the TCB's members ("1".."18"), 0 for any other suffix.
int member_index(const std::string &suffix) {
    for (int index = 1; index <= 18; ++index) {
        if (suffix == std::to_string(index)) {
            return index;
        }
    }
    return 0;
}

void parse_tcb(DerReader &value, PckExtensions &out, const std::string &who) {
    DerReader members = value.enter("TCB");
    value.expect_end("TCB");
    MemberSet set(who, std::string(sgx_extensions_oid) + ".2");
    while (!members.at_end()) {
        auto [member, suffix] = set.next(members);
        if (suffix.empty()) {
            continue;
        }
        const int index = member_index(suffix);
        if (index >= 1 && index <= 16) {
            out.tcb_components[static_cast<size_t>(index - 1)] = static_cast<uint8_t>(
                bounded_integer(member, set, "TCB component " + suffix + " SVN", UINT8_MAX));
        } else if (index == 17) {
            out.pcesvn = static_cast<uint16_t>(bounded_integer(member, set, "PCESVN", UINT16_MAX));
        } else if (index == 18) {
            out.cpusvn = fixed_octets<16>(member, set, "CPUSVN");
        }
    }
    for (int index = 1; index <= 16; ++index) {
        set.require(std::to_string(index), "TCB component " + std::to_string(index) + " SVN");
    }
    set.require("17", "PCESVN");
    set.require("18", "CPUSVN");
}

void parse_member(const std::string &suffix, DerReader &member, const MemberSet &set,
                  PckExtensions &out, const std::string &who) {
    if (suffix == "1") {
        const auto ppid = fixed_octets<16>(member, set, "PPID");
        out.ppid.assign(ppid.begin(), ppid.end());
    } else if (suffix == "2") {
        parse_tcb(member, out, who);
    } else if (suffix == "3") {
        out.pce_id = fixed_octets<2>(member, set, "PCE-ID");
    } else if (suffix == "4") {
        out.fmspc = fixed_octets<6>(member, set, "FMSPC");
    } else if (suffix == "5") {
        out.sgx_type = enumerated(member, set);
    } else if (suffix == "6") {
        out.platform_instance_id = fixed_octets<16>(member, set, "platform instance id");
    } else if (suffix == "7") {
        // The configuration's flags do not enter the verdict; only its shape is checked.
        (void)member.expect(der_tag::sequence, "configuration");
        member.expect_end("configuration");
    }
}

} // namespace

PckExtensions parse_pck_extensions(const support::Certificate &pck) {
    const std::string who = "PCK " + support::describe_certificate(pck);
    const auto value = pck.extension(sgx_extensions_oid);
    if (!value) {
        throw failure(CCATTEST_E_MALFORMED,
                      who + " has no SGX extensions (" + std::string(sgx_extensions_oid) + ")");
    }
    DerReader outer(*value, who + " SGX extensions");
    DerReader members = outer.enter("sequence");
    outer.expect_end("sequence");
    MemberSet set(who, std::string(sgx_extensions_oid));
    PckExtensions out;
    while (!members.at_end()) {
        auto [member, suffix] = set.next(members);
        parse_member(suffix, member, set, out, who);
    }
    set.require("1", "PPID");
    set.require("2", "TCB");
    set.require("3", "PCE-ID");
    set.require("4", "FMSPC");
    set.require("5", "SGX type");
    return out;
}

} // namespace ccattest::tdx
