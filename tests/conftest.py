import os

# Keep MindSpore quiet and single-host in every test process.
os.environ.setdefault("GLOG_v", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
