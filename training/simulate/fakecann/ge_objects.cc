// mathtune development aid: stand-ins for the CANN "GE" C++ entry points that MindSpore's Ascend
// plugin calls during a dryrun compile. Plain C stubs (generated) cannot serve these: they return
// objects by value (hidden sret pointer) or construct objects in place, so a stub that only sets
// %eax leaves garbage that MindSpore later dereferences (measured: a segfault in AclKernelMod::Resize
// at MS_SIMULATION_LEVEL=1). Each stand-in returns / builds a zeroed object of the ABI's size.
// Nothing here computes anything; it is never used for training.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

// Not in an anonymous namespace: functions returning these must keep external linkage.
template <int Bytes> struct Zeroed {
  unsigned char raw[Bytes];
  Zeroed() { std::memset(raw, 0, Bytes); }
  ~Zeroed() {}  // non-trivial: forces return through the hidden sret pointer, as the real classes do
};
using Handle16 = Zeroed<16>;   // ge::TensorDesc, ge::Shape, ge::Tensor, ge::Graph: a pimpl shared_ptr
using Object24 = Zeroed<24>;   // ge::Operator (vptr + shared_ptr) and std::vector

#define MT_SYMBOL(mangled) __asm__(mangled)

// Constructors: zero the object in place.
#define MT_CTOR(fn, mangled, bytes) \
  extern "C++" void fn(void *self, ...) MT_SYMBOL(mangled); \
  void fn(void *self, ...) { std::memset(self, 0, bytes); }
// Const getters that return a 16-byte handle or a 24-byte object (an empty vector) by value.
#define MT_GET(fn, mangled, type) \
  type fn(const void *, ...) MT_SYMBOL(mangled); \
  type fn(const void *, ...) { return type(); }

Object24 mt_create_op_c(const char *, const char *) MT_SYMBOL("_ZN2ge15OperatorFactory14CreateOperatorEPKcS2_");
Object24 mt_create_op_c(const char *, const char *) { return Object24(); }
Object24 mt_create_op_s(const void *, const void *) MT_SYMBOL("_ZN2ge15OperatorFactory14CreateOperatorERKSsS2_");
Object24 mt_create_op_s(const void *, const void *) { return Object24(); }

MT_CTOR(mt_op_ctor_s, "_ZN2ge8OperatorC1ERKSs", 24)
MT_CTOR(mt_op_ctor_ss, "_ZN2ge8OperatorC1ERKSsS2_", 24)
MT_CTOR(mt_op_ctor2_c, "_ZN2ge8OperatorC2EPKc", 24)
MT_CTOR(mt_op_ctor2_cc, "_ZN2ge8OperatorC2EPKcS2_", 24)
MT_CTOR(mt_op_ctor2_aa, "_ZN2ge8OperatorC2ERKNS_12AscendStringES3_", 24)
MT_CTOR(mt_op_ctor2_ss, "_ZN2ge8OperatorC2ERKSsS2_", 24)
MT_CTOR(mt_desc_ctor_shape, "_ZN2ge10TensorDescC1ENS_5ShapeENS_6FormatENS_8DataTypeE", 16)
MT_CTOR(mt_desc_ctor_move, "_ZN2ge10TensorDescC1EOS0_", 16)
MT_CTOR(mt_desc_ctor_copy, "_ZN2ge10TensorDescC1ERKS0_", 16)
MT_CTOR(mt_desc_ctor, "_ZN2ge10TensorDescC1Ev", 16)
MT_CTOR(mt_graphbuf_ctor, "_ZN2ge11GraphBufferC1Ev", 16)
MT_CTOR(mt_astr_ctor, "_ZN2ge12AscendStringC1EPKc", 16)
MT_CTOR(mt_graph_ctor_c, "_ZN2ge5GraphC1EPKc", 16)
MT_CTOR(mt_graph_ctor_s, "_ZN2ge5GraphC1ERKSs", 16)
MT_CTOR(mt_shape_ctor_v, "_ZN2ge5ShapeC1ERKSt6vectorIlSaIlEE", 16)
MT_CTOR(mt_shape_ctor, "_ZN2ge5ShapeC1Ev", 16)
MT_CTOR(mt_tensor_ctor_d, "_ZN2ge6TensorC1ERKNS_10TensorDescE", 16)
MT_CTOR(mt_tensor_ctor_dp, "_ZN2ge6TensorC1ERKNS_10TensorDescEPKhm", 16)
MT_CTOR(mt_tensor_ctor, "_ZN2ge6TensorC1Ev", 16)

MT_GET(mt_origin_shape, "_ZNK2ge10TensorDesc14GetOriginShapeEv", Handle16)
MT_GET(mt_shape, "_ZNK2ge10TensorDesc8GetShapeEv", Handle16)
MT_GET(mt_st_shape, "_ZNK2ge12ShapeAndType8GetShapeEv", Handle16)
MT_GET(mt_tensor_desc, "_ZNK2ge6Tensor13GetTensorDescEv", Handle16)
MT_GET(mt_in_desc_s, "_ZNK2ge8Operator12GetInputDescERKSs", Handle16)
MT_GET(mt_in_desc_i, "_ZNK2ge8Operator12GetInputDescEj", Handle16)
MT_GET(mt_out_desc_s, "_ZNK2ge8Operator13GetOutputDescERKSs", Handle16)
MT_GET(mt_out_desc_i, "_ZNK2ge8Operator13GetOutputDescEj", Handle16)
MT_GET(mt_in_desc_n, "_ZNK2ge8Operator18GetInputDescByNameEPKc", Handle16)
MT_GET(mt_dyn_in_desc, "_ZNK2ge8Operator19GetDynamicInputDescEPKcj", Handle16)
MT_GET(mt_out_desc_n, "_ZNK2ge8Operator19GetOutputDescByNameEPKc", Handle16)
MT_GET(mt_in_ctrl, "_ZNK2ge5GNode17GetInControlNodesEv", Object24)
MT_GET(mt_out_ctrl, "_ZNK2ge5GNode18GetOutControlNodesEv", Object24)
MT_GET(mt_in_data, "_ZNK2ge5GNode27GetInDataNodesAndPortIndexsEi", Object24)
MT_GET(mt_out_data, "_ZNK2ge5GNode28GetOutDataNodesAndPortIndexsEi", Object24)
MT_GET(mt_direct_nodes, "_ZNK2ge5Graph13GetDirectNodeEv", Object24)
MT_GET(mt_handle_shapes, "_ZNK2ge16InferenceContext28GetInputHandleShapesAndTypesEv", Object24)

std::vector<int64_t> mt_dims(const void *) MT_SYMBOL("_ZNK2ge5Shape7GetDimsEv");
std::vector<int64_t> mt_dims(const void *) { return {}; }
std::string mt_op_name(const void *) MT_SYMBOL("_ZNK2ge8Operator7GetNameEv");
std::string mt_op_name(const void *) { return std::string(); }
std::string mt_op_type(const void *) MT_SYMBOL("_ZNK2ge8Operator9GetOpTypeEv");
std::string mt_op_type(const void *) { return std::string(); }
static const std::string kEmpty;
const std::string &mt_graph_name(const void *) MT_SYMBOL("_ZNK2ge5Graph7GetNameEv");
const std::string &mt_graph_name(const void *) { return kEmpty; }
const char *mt_astr_get(const void *) MT_SYMBOL("_ZNK2ge12AscendString9GetStringEv");
const char *mt_astr_get(const void *) { return ""; }

// The plugin asks which chip it is on; kernel selection follows the answer (910B, as in the presets).
extern "C" const char *aclrtGetSocName(void) { return "Ascend910B1"; }
// Referenced by CANN-built objects compiled with -fstack-protector-guard=global.
extern "C" { unsigned long __stack_chk_guard = 0x2545F4914F6CDD1DUL; }
