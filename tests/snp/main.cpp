#define BOOST_TEST_MODULE snp
#include <boost/test/unit_test.hpp>
