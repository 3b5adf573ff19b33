#define BOOST_TEST_MODULE rl
#include <boost/test/unit_test.hpp>
