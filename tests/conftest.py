import os
import tempfile

# Keep MindSpore quiet, and MindFormers' side files (its log, adapter_config.json) out of the tree.
os.environ.setdefault("GLOG_v", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("LOCAL_DEFAULT_PATH", tempfile.mkdtemp(prefix="mathtune-mf-"))
