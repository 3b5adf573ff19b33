#define BOOST_TEST_MODULE mcu
#include <boost/test/unit_test.hpp>
