#define BOOST_TEST_MODULE gpu
#include <boost/test/unit_test.hpp>
