#include "trust.hpp"

#include "embedded_amd_roots.hpp"

#include <ccattest/support/files.hpp>

#include <array>
#include <mutex>

namespace ccattest::snp {
using sdk::failure;
using support::Certificate;

namespace {

struct Pin {
    Product product;
    const char *file;
    const char *sha256;
};

// SHA-256 fingerprints of AMD's certificates (config/trust/amd/README.md gives the source).
constexpr std::array<Pin, 9> pins = {{
    {Product::milan, "milan_ark.pem",
     "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"},
    {Product::milan, "milan_ask.pem",
     "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b"},
    {Product::milan, "milan_asvk.pem",
     "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5"},
    {Product::genoa, "genoa_ark.pem",
     "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"},
    {Product::genoa, "genoa_ask.pem",
     "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521"},
    {Product::genoa, "genoa_asvk.pem",
     "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372"},
    {Product::turin, "turin_ark.pem",
     "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"},
    {Product::turin, "turin_ask.pem",
     "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185"},
    {Product::turin, "turin_asvk.pem",
     "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c"},
}};

Certificate pinned(const Pin &pin, const std::optional<std::filesystem::path> &trust_dir) {
    Certificate certificate = [&] {
        if (trust_dir) {
            return Certificate::load(*trust_dir / pin.file);
        }
        const std::string_view text = embedded_amd_root(pin.file);
        return Certificate::parse({reinterpret_cast<const uint8_t *>(text.data()), text.size()},
                                  std::string("built-in ") + pin.file);
    }();
    const std::string actual = support::to_hex(certificate.sha256());
    if (actual != pin.sha256) {
        const std::string where =
            trust_dir ? (*trust_dir / pin.file).string() : std::string("built-in ") + pin.file;
        throw failure(CCATTEST_E_CONFIG,
                      where + " has SHA-256 " + actual + ", not the pinned " + pin.sha256);
    }
    return certificate;
}

// One product line's pinned roots (pins[first..first+2]), from trust_dir or the built-in copies.
ProductRoots pinned_roots(size_t first, const std::optional<std::filesystem::path> &trust_dir) {
    try {
        return {pins[first].product, pinned(pins[first], trust_dir),
                pinned(pins[first + 1], trust_dir), pinned(pins[first + 2], trust_dir), false};
    } catch (const failure &e) {
        throw failure(CCATTEST_E_CONFIG, std::string("trust roots: ") + e.what());
    }
}

// The built-in roots of a product line, parsed and checked against their pins on first use and
// kept for the process: a verifier that only ever sees Milan reports parses Milan's roots only,
// which keeps a one-shot `ccattest verify` short.
const ProductRoots &built_in_roots(Product product) {
    static std::array<std::once_flag, pins.size() / 3> once;
    static std::array<std::optional<ProductRoots>, pins.size() / 3> roots;
    for (size_t first = 0; first < pins.size(); first += 3) {
        if (pins[first].product == product) {
            const size_t line = first / 3;
            std::call_once(once.at(line),
                           [&] { roots.at(line) = pinned_roots(first, std::nullopt); });
            return *roots.at(line);
        }
    }
    throw failure(CCATTEST_E_INTERNAL, "no built-in roots for this product line");
}

} // namespace

TrustStore TrustStore::amd(const std::optional<std::filesystem::path> &trust_dir) {
    TrustStore store;
    if (!trust_dir) {
        store.built_in_ = true;
        return store;
    }
    // An operator's folder is read and checked now, so a wrong file fails at create.
    for (size_t first = 0; first < pins.size(); first += 3) {
        store.roots_.push_back(pinned_roots(first, trust_dir));
    }
    return store;
}

std::vector<const ProductRoots *> TrustStore::for_product(Product product) const {
    if (built_in_) {
        return {&built_in_roots(product)};
    }
    std::vector<const ProductRoots *> out;
    for (const auto &roots : roots_) {
        if (roots.product == product) {
            out.push_back(&roots);
        }
    }
    return out;
}

std::filesystem::path simulated_root_file(const std::filesystem::path &state_dir, Product product,
                                          std::string_view role) {
    return state_dir / simulator_subfolder /
           (std::string(product_name(product)) + "_" + std::string(role) + ".pem");
}

std::optional<ProductRoots> read_simulated_roots(const std::filesystem::path &state_dir,
                                                 Product product) {
    constexpr size_t max_root_file = size_t{64} << 10U;
    std::vector<Certificate> certificates;
    for (const char *role : {"ark", "ask", "asvk"}) {
        const std::filesystem::path file = simulated_root_file(state_dir, product, role);
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            return std::nullopt; // the simulator has not made this product line's roots (yet)
        }
        certificates.push_back(Certificate::parse(support::read_file(file, max_root_file),
                                                  "simulated root " + file.string()));
    }
    return ProductRoots{product, std::move(certificates[0]), std::move(certificates[1]),
                        std::move(certificates[2]), true};
}

} // namespace ccattest::snp
