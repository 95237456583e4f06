/**
 * The Python side of every call, shared by both modes: it runs the node's code with fresh
 * globals (`inputs`, `memory`, `result`), captures stdout/stderr (capped), and answers with
 * one JSON envelope. The WebAssembly worker loads it once and calls `_agentcrate_run(text)`
 * per call; a container runs it with `python3 -I -S -c` and reads the request on stdin.
 *
 * The `memory` object is configurable-agents' AgentMemory API (`memory['k']` reads, missing
 * keys read as None; `memory.write(k, v)`; `read`, `delete`, `keys`, `list`, `clear`, `in`,
 * `len`) over a snapshot of the node's scope: its changes come back in the envelope and the
 * host stores them when the node succeeds.
 */
export const RUNNER_SOURCE = String.raw`
import builtins as _builtins
import io as _io
import json as _json
import sys as _sys
import time as _time
import traceback as _traceback

_OUTPUT_CAP = 65536
_DENIED_MODULES = frozenset({"js", "pyodide", "pyodide_js", "_pyodide", "_pyodide_core", "micropip", "pyodide_http"})
_real_import = _builtins.__import__


class SandboxViolation(Exception):
    """Something the sandbox does not allow (a module outside the standard library, the network)."""


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.split(".")[0] in _DENIED_MODULES:
        raise SandboxViolation(f"module '{name}' is not available in the sandbox: only the Python standard library is")
    return _real_import(name, globals, locals, fromlist, level)


class _CappedText(_io.TextIOBase):
    def __init__(self):
        self._parts = []
        self._size = 0
        self.truncated = False

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = _OUTPUT_CAP - self._size
        if room > 0:
            self._parts.append(s[:room])
            self._size += min(len(s), room)
        if len(s) > room:
            self.truncated = True
        return len(s)

    def getvalue(self):
        text = "".join(self._parts)
        return text + ("\n[output truncated at %d characters]" % _OUTPUT_CAP if self.truncated else "")


class SandboxMemory:
    """configurable-agents' AgentMemory API over the node's scope."""

    def __init__(self, values, enabled, node):
        self._values = {k: _json.dumps(v) for k, v in values.items()}
        self._ops = []
        self._enabled = enabled
        self._node = node

    def _check(self):
        if not self._enabled:
            raise RuntimeError(
                f"memory is not enabled for node '{self._node}': add memory: {{enabled: true}} to the node (or config.memory)"
            )

    def __getitem__(self, key):
        self._check()
        text = self._values.get(str(key))
        return None if text is None else _json.loads(text)

    def read(self, key, default=None):
        value = self[key]
        return default if value is None else value

    get = read

    def write(self, key, value, ttl=None):
        self._check()
        if not isinstance(key, str) or key == "":
            raise TypeError("memory keys must be non-empty strings")
        try:
            text = _json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise TypeError(f"memory.write('{key}', ...): the value must be JSON data (str, int, float, bool, None, list, dict): {e}") from None
        self._values[key] = text
        self._ops.append({"op": "set", "key": key, "value": _json.loads(text)})

    def delete(self, key):
        self._check()
        existed = self._values.pop(str(key), None) is not None
        if existed:
            self._ops.append({"op": "delete", "key": str(key)})
        return existed

    def keys(self):
        self._check()
        return sorted(self._values)

    def list(self, prefix=""):
        return [(k, _json.loads(self._values[k])) for k in self.keys() if k.startswith(prefix)]

    def clear(self):
        for k in self.keys():
            self.delete(k)

    def __contains__(self, key):
        return self[key] is not None

    def __len__(self):
        return len(self.keys())

    def __iter__(self):
        return iter(self.keys())

    def __repr__(self):
        return f"<memory of node '{self._node}': {len(self._values) if self._enabled else 'disabled'}>"


def _code_line(tb):
    line = None
    for frame in _traceback.extract_tb(tb):
        if frame.filename == "<code>":
            line = frame.lineno
    return line


def _code_traceback(e):
    frames = [f for f in _traceback.extract_tb(e.__traceback__) if f.filename == "<code>"]
    text = "Traceback (most recent call last):\n" + "".join(_traceback.format_list(frames)) if frames else ""
    return text + "".join(_traceback.format_exception_only(type(e), e))


def _agentcrate_run(request_text):
    req = _json.loads(request_text)
    out, err = _CappedText(), _CappedText()
    mem = SandboxMemory(req["memory"], req["memory_enabled"], req["node"])
    user_builtins = dict(_builtins.__dict__)
    user_builtins["__import__"] = _guarded_import
    scope = {"__builtins__": user_builtins, "__name__": "__sandbox__", "inputs": req["inputs"], "memory": mem, "result": None}
    envelope = {"ok": True}
    saved = (_sys.stdout, _sys.stderr)
    _sys.stdout, _sys.stderr = out, err
    started = _time.perf_counter()
    try:
        exec(compile(req["code"], "<code>", "exec"), scope)
        result = scope.get("result")
        try:
            _json.dumps(result, allow_nan=False)
            envelope["result"] = result
        except (TypeError, ValueError, RecursionError) as e:
            envelope = {"ok": False, "error": {"kind": "result", "type": type(result).__name__,
                        "message": f"result is a {type(result).__name__}, which is not JSON data ({e}); assign str, int, float, bool, None, list or dict"}}
    except SyntaxError as e:
        envelope = {"ok": False, "error": {"kind": "syntax", "type": "SyntaxError", "line": e.lineno,
                    "message": f"{e.msg} (line {e.lineno})", "traceback": "".join(_traceback.format_exception_only(type(e), e))}}
    except MemoryError as e:
        envelope = {"ok": False, "error": {"kind": "memory", "type": "MemoryError", "line": _code_line(e.__traceback__),
                    "message": "the code ran out of memory (the preset's memory limit)"}}
    except SandboxViolation as e:
        envelope = {"ok": False, "error": {"kind": "violation", "type": "SandboxViolation", "line": _code_line(e.__traceback__),
                    "message": str(e), "traceback": _code_traceback(e)}}
    except BaseException as e:
        envelope = {"ok": False, "error": {"kind": "exception", "type": type(e).__name__, "line": _code_line(e.__traceback__),
                    "message": f"{type(e).__name__}: {e}", "traceback": _code_traceback(e)}}
    finally:
        _sys.stdout, _sys.stderr = saved
    envelope["duration_ms"] = (_time.perf_counter() - started) * 1000
    envelope["stdout"] = out.getvalue()
    envelope["stderr"] = err.getvalue()
    envelope["memory"] = mem._ops if envelope["ok"] else []
    return _json.dumps(envelope)


def _agentcrate_block_network():
    import socket

    def _no_network(*args, **kwargs):
        raise SandboxViolation("network access is disabled in the python sandbox; use sandbox: {mode: docker, network: true} for code that needs it")

    socket.socket.__init__ = _no_network
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network


def _agentcrate_stdio(marker):
    text = _sys.stdin.read()
    answer = _agentcrate_run(text)
    _sys.__stdout__.write("\n" + marker + answer + "\n")
    _sys.__stdout__.flush()
`;
