// Driver for fuzz targets in ordinary builds (the CI smoke): runs every seed file given (files or
// folders), then a fixed number of deterministic mutations of each seed (byte flips, truncations,
// insertions). Under the asan preset this exercises the target with sanitizers without libFuzzer.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {
std::vector<uint8_t> read(const std::filesystem::path &file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
} // namespace

int main(int argc, char **argv) {
    std::vector<std::vector<uint8_t>> seeds;
    size_t mutations = 2000;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument.rfind("--mutations=", 0) == 0) {
            mutations = std::stoul(argument.substr(12));
            continue;
        }
        const std::filesystem::path path(argument);
        if (std::filesystem::is_directory(path)) {
            for (const auto &entry : std::filesystem::directory_iterator(path)) {
                if (entry.is_regular_file()) {
                    seeds.push_back(read(entry.path()));
                }
            }
        } else {
            seeds.push_back(read(path));
        }
    }
    std::mt19937_64 random(20261127);
    size_t runs = 0;
    for (const auto &seed : seeds) {
        LLVMFuzzerTestOneInput(seed.data(), seed.size());
        ++runs;
        for (size_t m = 0; m < mutations; ++m) {
            std::vector<uint8_t> input = seed;
            switch (random() % 4) {
            case 0:
                if (!input.empty()) {
                    input[random() % input.size()] ^= static_cast<uint8_t>(1U << (random() % 8));
                }
                break;
            case 1: input.resize(input.empty() ? 0 : random() % input.size()); break;
            case 2:
                input.insert(input.begin() +
                                 static_cast<long>(input.empty() ? 0 : random() % input.size()),
                             static_cast<uint8_t>(random()));
                break;
            default:
                for (int k = 0; k < 8 && !input.empty(); ++k) {
                    input[random() % input.size()] = static_cast<uint8_t>(random());
                }
            }
            LLVMFuzzerTestOneInput(input.data(), input.size());
            ++runs;
        }
    }
    std::cout << runs << " inputs run, 0 failed\n";
    return seeds.empty() ? EXIT_FAILURE : EXIT_SUCCESS;
}
