// How a vendor runs the conformance checks inside their own Boost.Test binary.
#include <ccattest/conformance.hpp>

#include <boost/test/unit_test.hpp>

bool init_checks() {
    ccattest::conformance::Options options;
    options.plugin = EXAMPLE_PLUGIN;
    options.config_json = R"({"key_hex": "00112233445566778899aabbccddeeff"})";
    ccattest::conformance::register_boost_tests(options);
    return true;
}

int main(int argc, char *argv[]) {
    return boost::unit_test::unit_test_main(&init_checks, argc, argv);
}
