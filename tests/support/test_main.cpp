// The entry point of every hookline test suite.
#define BOOST_TEST_MODULE hookline
#include <boost/test/unit_test.hpp>
