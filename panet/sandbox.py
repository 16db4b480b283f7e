"""`forbid_network`: a worker process that cannot open a network socket, whatever it runs.

The service's worker processes run client-controlled work (SPARQL queries, RDF and JSON-LD
parsing). pyoxigraph executes ``SERVICE`` by itself and offers no switch to turn federation
off, so the guarantee is made where the engine runs: a seccomp filter (Linux x86-64 and
AArch64) makes ``socket()`` fail with EACCES for every family but ``AF_UNIX`` (the worker's
pipe to the server) and refuses ``io_uring_setup``. The filter holds for every thread of the
process and every thread or process it starts, and cannot be lifted.

>>> network_forbidden() in (True, False)
True
"""

from __future__ import annotations

import platform
import struct

__all__ = ["SandboxUnavailable", "forbid_network", "network_forbidden"]

# per machine: (AUDIT_ARCH_*, __NR_socket, __NR_seccomp); io_uring_setup is 425 on both
_ARCHES = {"x86_64": (0xC000003E, 41, 317), "aarch64": (0xC00000B7, 198, 277)}
_NR_IO_URING_SETUP = 425
_AF_UNIX = 1
_EACCES = 13
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_LD_ABS_W, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_X32_SYSCALL_BIT = 0x40000000
_ALLOW, _DENY = 0x7FFF0000, 0x00050000 | _EACCES  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO(EACCES)

_state = {"forbidden": False}


class SandboxUnavailable(OSError):
    """This system cannot install the filter (not Linux, another machine, seccomp off)."""


def network_forbidden() -> bool:
    """True once `forbid_network` succeeded in this process."""
    return _state["forbidden"]


def forbid_network() -> None:
    """Install the filter in this process (for good); `SandboxUnavailable` if the system cannot.

    >>> import subprocess, sys
    >>> code = "import panet.sandbox as s, socket; s.forbid_network(); socket.socket()"
    >>> run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    >>> "PermissionError" in run.stderr or not sys.platform.startswith("linux")  # no socket but Unix ones
    True
    """
    import ctypes
    import sys

    arch = _ARCHES.get(platform.machine())
    if not sys.platform.startswith("linux") or arch is None:
        raise SandboxUnavailable(f"no seccomp filter for {sys.platform} on {platform.machine()}")
    audit_arch, nr_socket, nr_seccomp = arch
    program = [
        (_LD_ABS_W, 0, 0, 4),  # 0: seccomp_data.arch
        (_JEQ_K, 0, 7, audit_arch),  # 1: another ABI: deny
        (_LD_ABS_W, 0, 0, 0),  # 2: seccomp_data.nr
        (_JGE_K, 5, 0, _X32_SYSCALL_BIT),  # 3: x32 numbering of the same calls: deny
        (_JEQ_K, 2, 0, nr_socket),  # 4
        (_JEQ_K, 3, 0, _NR_IO_URING_SETUP),  # 5
        (_RET_K, 0, 0, _ALLOW),  # 6
        (_LD_ABS_W, 0, 0, 16),  # 7: socket(): low word of args[0], the address family
        (_JEQ_K, 1, 0, _AF_UNIX),  # 8
        (_RET_K, 0, 0, _DENY),  # 9
        (_RET_K, 0, 0, _ALLOW),  # 10
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in program))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    filter_program = _Program(len(program), ctypes.cast(code, ctypes.c_void_p))
    if libc.syscall(nr_seccomp, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(filter_program)):
        raise SandboxUnavailable(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")
    _state["forbidden"] = True
