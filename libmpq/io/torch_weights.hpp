#pragma once

#include <string>
#include <vector>

#include "libmpq/io/safetensors.hpp"
#include "libmpq/nn/checkpoint.hpp"

namespace mpq {

// How one tensor of PyTorch's state_dict maps onto a model of ours (docs/pretrained.md).
// Names are torchvision's for mobilenet_v2 / mnasnet (our node names are theirs) and the
// same scheme for mobilenet_v1: "<node>.weight" / ".bias" for convs and linear layers,
// and for BN "<node>.weight" (our gamma), ".bias" (beta), ".running_mean", ".running_var"
// and ".num_batches_tracked" (PyTorch's update counter, which we do not keep).
struct TorchTensor {
  enum class Layout {
    Same,        // identical shape and element order
    ConvWeight,  // PyTorch [out, in/groups, kh, kw] <-> ours [out, kh, kw, in/groups]
    Counter,     // num_batches_tracked: I64 scalar, no counterpart here
  };
  std::string torch_name;
  Shape torch_shape;
  Layout layout = Layout::Same;
  Tensor* value = nullptr;  // the model's tensor; null for Counter
};

// Every tensor of the PyTorch state_dict of `model`, in state_dict order. Throws Error
// for a layer with parameters that has no PyTorch counterpart.
std::vector<TorchTensor> torch_state_dict_layout(Model& model);

// Loads a torchvision-style state_dict into a fresh model of `spec` and returns it as a
// float checkpoint (meta kind "float", epoch "0"). Float tensors may be F32, F16, BF16
// or F64 (converted to float); num_batches_tracked must be an integer scalar if present
// and is ignored. Throws Error naming `what` and the tensor for a missing or unexpected
// tensor, a wrong shape or a wrong dtype.
Checkpoint import_torch_weights(const ModelSpec& spec, const SafetensorsFile& file, const std::string& what);

// The model weights of a float checkpoint as a torchvision-style state_dict: F32 in
// PyTorch layouts, num_batches_tracked as I64 0 (so that torch's load_state_dict with
// strict=True accepts the file), metadata {"format": "pt"}. Throws Error naming `what`
// for a checkpoint that is not float or does not match its model.
SafetensorsFile export_torch_weights(const Checkpoint& ckpt, const std::string& what);

}  // namespace mpq
