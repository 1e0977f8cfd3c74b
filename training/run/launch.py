"""`mathtune launch`: run a mathtune command on several workers through MindSpore's `msrun`.

The command line is built as a list, printed before it runs, and `--dry-run` stops there.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Launch:
    workers: int
    script: str  # the file msrun runs as each worker (msrun takes a script path): mathtune's __main__.py
    local_workers: int | None = None  # default: all workers on this node
    master_addr: str = "127.0.0.1"
    master_port: int = 8118
    node_rank: int = 0
    log_dir: str = "logs/msrun"
    join: bool = True
    cluster_time_out: int = 600


def msrun_command(launch: Launch, mathtune_args: list[str]) -> list[str]:
    msrun = shutil.which("msrun") or str(Path(sys.executable).with_name("msrun"))
    if launch.workers < 1:
        raise ValueError("--workers must be at least 1")
    local = launch.local_workers or launch.workers
    return [msrun, f"--worker_num={launch.workers}", f"--local_worker_num={local}",
            f"--master_addr={launch.master_addr}", f"--master_port={launch.master_port}",
            f"--node_rank={launch.node_rank}", f"--log_dir={launch.log_dir}",
            f"--join={launch.join}", f"--cluster_time_out={launch.cluster_time_out}",
            launch.script, *mathtune_args]


def run(launch: Launch, mathtune_args: list[str], dry_run: bool = False) -> int:
    cmd = msrun_command(launch, mathtune_args)
    print("+ " + shlex.join(cmd), flush=True)
    if dry_run:
        return 0
    Path(launch.log_dir).mkdir(parents=True, exist_ok=True)
    # msrun starts workers as `python SCRIPT`: make that this interpreter, not whatever PATH has first
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return subprocess.run(cmd, env=env).returncode
