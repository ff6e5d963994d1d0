// Helpers shared by the fuzz targets: a per-process scratch folder, splitting an input into parts,
// writing and reading files, and reporting a finding (abort, which libFuzzer and the replay driver
// both report with the input that caused it).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace fuzz {

namespace fs = std::filesystem;

/// Separates the parts of a multi-part input (e.g. a site file and its drop-in files). Seven bytes
/// that no JSON text, base64, PEM or replay record contains by chance.
inline constexpr std::string_view separator = "\n=====\n";

/// The replay key the replay-store target checks and records (its seeds hold it too).
inline std::array<uint8_t, 32> replay_fuzz_key() {
    std::array<uint8_t, 32> key{};
    for (size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<uint8_t>(0xA5U ^ (i * 29U));
    }
    return key;
}
/// The verifier's clock in the replay-store target and its seeds.
inline constexpr int64_t replay_fuzz_now = 1700000000;

/// The request whose entry file the cache-entry target writes (its seeds hold entries for it).
inline constexpr std::string_view cache_fuzz_url =
    "https://kdsintf.amd.com/vcek/v1/Milan/cert_chain";

/// Stops the run: a property the target checks does not hold.
[[noreturn]] inline void finding(const std::string &what) {
    (void)std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
    std::abort();
}

inline void require(bool condition, const std::string &what) {
    if (!condition) {
        finding(what);
    }
}

/// The input as text.
inline std::string_view text_of(const uint8_t *data, size_t size) {
    return {reinterpret_cast<const char *>(data), size};
}

/// The parts of `text` between separators; at most `max_parts` (the last keeps any further
/// separators).
inline std::vector<std::string_view> split(std::string_view text, size_t max_parts) {
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < max_parts) {
        const size_t at = text.find(separator);
        if (at == std::string_view::npos) {
            break;
        }
        parts.push_back(text.substr(0, at));
        text.remove_prefix(at + separator.size());
    }
    parts.push_back(text);
    return parts;
}

/// A folder of this process's own, under /dev/shm when there is one (the replay store fsyncs),
/// removed at exit. Each call to fresh() empties it.
class Scratch {
public:
    explicit Scratch(const std::string &name) {
        std::error_code ec;
        const fs::path base = fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0
                                  ? fs::path("/dev/shm")
                                  : fs::temp_directory_path();
        std::string pattern = (base / ("ccattest-fuzz-" + name + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            finding("cannot create a scratch folder under " + base.string());
        }
        path_ = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    Scratch(const Scratch &) = delete;
    Scratch &operator=(const Scratch &) = delete;

    [[nodiscard]] const fs::path &path() const noexcept { return path_; }

    /// Empties the folder and returns it.
    const fs::path &fresh() const {
        std::error_code ec;
        for (const auto &entry : fs::directory_iterator(path_, ec)) {
            fs::remove_all(entry.path(), ec);
        }
        return path_;
    }

private:
    fs::path path_;
};

inline void write_file(const fs::path &file, std::span<const uint8_t> bytes) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<long>(bytes.size()));
    out.close();
    if (!out) {
        finding("cannot write " + file.string());
    }
}

inline void write_file(const fs::path &file, std::string_view text) {
    write_file(file, std::span(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
}

/// The file's bytes, or nullopt-like empty flag when it does not exist.
inline bool read_file(const fs::path &file, std::string &out) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

} // namespace fuzz
