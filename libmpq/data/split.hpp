#pragma once

#include <string>

namespace mpq {

// Which part of a dataset to open. The validation split is carved out of the training
// files (never out of test), so that searching and model selection never see the test
// images.
enum class Split { train, validation, test };

// "train" | "validation" (or "val") | "test"; throws Error otherwise.
Split parse_split(const std::string& name);
const char* split_name(Split split);

}  // namespace mpq
