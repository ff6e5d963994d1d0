#define BOOST_TEST_MODULE tdx
#include <boost/test/unit_test.hpp>
