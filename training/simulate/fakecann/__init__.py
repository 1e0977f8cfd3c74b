"""A stub "CANN" so MindSpore's dryrun can compile an Ascend parallel graph on a CPU machine.

DEVELOPMENT AID ONLY. MindSpore's simulation (`MS_SIMULATION_LEVEL`) needs the Ascend plugin,
which links Huawei's CANN libraries (not on PyPI). `build.build()` makes one shared library in which
every CANN symbol the plugin needs returns 0 (and a few GE C++ entry points return zeroed
objects, see ge_objects.cc), links every CANN library name to it, and adds the `hccl` Python
package that `mindspore.communication.init()` imports. Nothing runs on a device and no number
computed under it is real: only compilation, sharding and MindSpore's memory plan are. Tied to
the MindSpore build it was made from; the cache is per MindSpore version.
"""
