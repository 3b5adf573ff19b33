#define BOOST_TEST_MODULE quant
#include <boost/test/unit_test.hpp>
