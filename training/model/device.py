"""Which device a model runs on: Ascend when MindSpore finds one, else the CPU (or what the user chose)."""
from __future__ import annotations


def pick_device(choice: str) -> str:
    """'ascend' or 'cpu': `choice` itself unless it is 'auto'."""
    if choice != "auto":
        return choice
    import mindspore as ms

    return "ascend" if ms.hal.is_available("Ascend") else "cpu"
