"""pykeops.common.utils: pykeops' message helpers."""

import warnings


def pyKeOps_Message(message, use_tag=True, **kwargs):
    print(("[pyKeOps] " if use_tag else "") + message, **kwargs)


def pyKeOps_Warning(message):
    warnings.warn("[pyKeOps] Warning : " + message)
