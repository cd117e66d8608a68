"""Starts the real `sibyl` binary for the Python client tests.

Each node gets a fresh temporary workdir, 127.0.0.1 and OS-chosen ports (read
back from the startup line), and is stopped by PID when the test ends.
"""
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SIBYL_BIN = os.environ.get("SIBYL_BIN", os.path.join(ROOT, "target", "debug", "sibyl"))


class SibylNode:
    def __init__(self, *args, workdir=None):
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="sibyl-py-")
        self.workdir = workdir or self._tmp.name
        cmd = [SIBYL_BIN, "--workdir", self.workdir, "--commitlog-segment-size-in-mb", "1", "--listen-address", "127.0.0.1",
               "--native-transport-port", "0", "--native-shard-aware-transport-port", "0", "--api-port", "0", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "SIBYL_LOG": "debug"})
        self.lines = []
        started = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                if " started in " in line:
                    started.set()

        threading.Thread(target=pump, daemon=True).start()
        if not started.wait(20):
            self.stop()
            raise RuntimeError("sibyl did not start:\n" + "\n".join(self.lines))
        line = next(l for l in self.lines if " started in " in l)
        self.port = int(re.search(r"CQL on 127\.0\.0\.1:(\d+)", line).group(1))
        self.shard_aware_port = int(re.search(r"shard-aware CQL on 127\.0\.0\.1:(\d+)", line).group(1))
        self.api_port = int(re.search(r"REST API on [^:]+:(\d+)", line).group(1))

    def log(self):
        return "\n".join(self.lines)

    def stop(self, cleanup=True):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if cleanup and self._tmp is not None:
            self._tmp.cleanup()


@pytest.fixture
def node():
    n = SibylNode("--smp", "2")
    yield n
    n.stop()
