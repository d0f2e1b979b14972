"""No Internet for a worker that needs none: a seccomp filter that refuses to open IPv4 and IPv6 sockets.

``kg serve`` refuses federated queries by reading the request's SPARQL (``kg.serve.lexing``), but the
engine's parser is not citekg's, and a spelling the two read differently would make the server call a
host of the client's choosing. A read-only server's workers that may call no service therefore run
under a filter the kernel enforces: ``socket(AF_INET | AF_INET6, ...)`` fails with EACCES, so whatever
the engine parses, no request leaves. Unix sockets (the worker's line to the server) are untouched.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import socket
import struct

# seccomp's view of a system call (struct seccomp_data): nr at 0, arch at 4, args from 16 (each 64 bits,
# the low half first on these little-endian machines)
_ARCH_OFFSET, _NR_OFFSET, _ARG0_OFFSET = 4, 0, 16
_MACHINES = {  # machine: (AUDIT_ARCH_*, the socket system call's number)
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
_LOAD, _JUMP_IF_EQUAL, _RETURN = (
    0x20,
    0x15,
    0x06,
)  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
_ALLOW, _FAIL_WITH = 0x7FFF0000, 0x00050000  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | errno
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class _Filter(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def supported() -> bool:
    """Whether this machine can take the filter (Linux on x86-64 or ARM64)."""
    return platform.system() == "Linux" and platform.machine() in _MACHINES


def _program(arch: int, socket_call: int) -> bytes:
    def op(code: int, jump_true: int, jump_false: int, value: int) -> bytes:
        return struct.pack("<HBBI", code, jump_true, jump_false, value)

    return b"".join(
        [
            op(_LOAD, 0, 0, _ARCH_OFFSET),
            op(_JUMP_IF_EQUAL, 0, 5, arch),  # another ABI: allow (the engine makes native calls)
            op(_LOAD, 0, 0, _NR_OFFSET),
            op(_JUMP_IF_EQUAL, 0, 3, socket_call),
            op(_LOAD, 0, 0, _ARG0_OFFSET),  # the socket's address family
            op(_JUMP_IF_EQUAL, 2, 0, socket.AF_INET),
            op(_JUMP_IF_EQUAL, 1, 0, socket.AF_INET6),
            op(_RETURN, 0, 0, _ALLOW),
            op(_RETURN, 0, 0, _FAIL_WITH | errno.EACCES),
        ]
    )


def forbid_internet() -> None:
    """From now on, this process and the threads it starts cannot open an IPv4 or IPv6 socket (call it
    before starting threads). Raises OSError where the kernel refuses the filter."""
    arch, socket_call = _MACHINES[platform.machine()]
    program = _program(arch, socket_call)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    fprog = _Filter(len(program) // 8, program)
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
