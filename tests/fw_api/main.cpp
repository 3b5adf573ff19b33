#define BOOST_TEST_MODULE fw_api
#include <boost/test/unit_test.hpp>
