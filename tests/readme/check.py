"""Every console example of README.md against the real server.

Each "$ command" line of a ```console block is run (with localhost:8080 pointed at a
build/neurond started on a free port, in an empty working folder) and its output must be
the lines that follow it in the block, byte for byte. --fix writes the outputs the server
gives back into README.md instead.

    python3 tests/readme/check.py BINARY README.md [--fix]
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def examples(lines):
    """(index of the command line, command, [output lines], index after the output)."""
    out, inblock, i = [], False, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            inblock = line.strip() == "```console"
            i += 1
            continue
        if inblock and line.startswith("$ ") and not line.startswith("$ #"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("$ ") and not lines[j].startswith("```"):
                j += 1
            out.append((i, line[2:], lines[i + 1:j], j))
            i = j
            continue
        i += 1
    return out


def main():
    binary, readme = os.path.abspath(sys.argv[1]), sys.argv[2]
    fix = "--fix" in sys.argv[3:]
    lines = open(readme).read().split("\n")
    port = free_port()
    srv = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--no-access-log"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    srv.stdout.readline()
    bad, runs = 0, 0
    try:
        with tempfile.TemporaryDirectory() as work:
            for at, cmd, want, end in reversed(examples(lines)):
                run = cmd.replace("localhost:8080", f"127.0.0.1:{port}")
                got = subprocess.run(["bash", "-c", run], cwd=work, capture_output=True,
                                     text=True, timeout=120).stdout.split("\n")
                if got and got[-1] == "":
                    got = got[:-1]
                runs += 1
                if got != want:
                    bad += 1
                    if fix:
                        lines[at + 1:end] = got
                    else:
                        print(f"README.md:{at + 1}: {cmd[:100]}")
                        for w, g in zip(want + [""] * len(got), got + [""] * len(want)):
                            if w != g:
                                print(f"  want: {w[:300]}\n  got:  {g[:300]}")
                                break
    finally:
        srv.terminate()
        srv.wait()
    if fix:
        open(readme, "w").write("\n".join(lines))
        print(f"readme: {runs} examples run, {bad} rewritten")
        return 0
    print(f"readme: {runs} examples run, {bad} differ from the server's output")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
