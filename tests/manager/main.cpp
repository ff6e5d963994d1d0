#define BOOST_TEST_MODULE manager
#include <boost/test/unit_test.hpp>
