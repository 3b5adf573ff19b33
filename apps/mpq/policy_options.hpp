#pragma once

#include "cli.hpp"
#include "libmpq/quant/policy.hpp"

namespace mpq::cli {

// --policy FILE | --uniform N | --uniform-w W --uniform-a A
po::options_description policy_options();
bool has_policy_option(const po::variables_map& vm);
// The policy named by the options, for the model `spec` (a file must belong to it).
Policy read_policy_options(const po::variables_map& vm, const ModelSpec& spec);

}  // namespace mpq::cli
