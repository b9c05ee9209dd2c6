#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Raw HTTP/1.1 client for the origin e2e tests: what curl will not send.

  http_raw.py raw HOST [--head] [--timeout S]   request bytes on stdin
      Sends stdin as is, reads one response and prints its status line,
      its header lines, "body-bytes: N" (by Content-Length) and
      "extra-bytes: N": anything the server sent after that response within
      a short wait (must be 0 after a HEAD: no body).  "closed: yes|no"
      says whether the server closed the connection after it.
  http_raw.py hold HOST N SECONDS
      Opens N connections, sends nothing, keeps them SECONDS, prints how
      many connected.
  http_raw.py first HOST
      Connects, sends a GET, prints the status line of the answer (used
      when the connection pool is full: the server answers 503 at once).
Every socket operation has a timeout; exit 1 on a protocol failure.
"""
import socket
import sys
import time

PORT = 80


def read_response(s, head, timeout):
    s.settimeout(timeout)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    if b"\r\n\r\n" not in buf:
        print("no complete response head; got %r" % buf[:200])
        return 1
    hdr, rest = buf.split(b"\r\n\r\n", 1)
    lines = hdr.decode("latin-1").split("\r\n")
    length = 0
    for line in lines:
        print(line)
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    status = int(lines[0].split()[1])
    if head or status in (204, 304):
        length = 0
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    print("body-bytes: %d" % min(len(rest), length))
    extra = len(rest) - length
    closed = "no"
    s.settimeout(1.0)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = "yes"
                break
            extra += len(chunk)
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = "reset"
    print("extra-bytes: %d" % extra)
    print("closed: %s" % closed)
    return 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    mode, host = sys.argv[1], sys.argv[2]
    if mode == "raw":
        head = "--head" in sys.argv
        timeout = 10.0
        if "--timeout" in sys.argv:
            timeout = float(sys.argv[sys.argv.index("--timeout") + 1])
        req = sys.stdin.buffer.read()
        s = socket.create_connection((host, PORT), timeout=timeout)
        try:
            s.sendall(req)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before all of it went
        return read_response(s, head, timeout)
    if mode == "hold":
        n, secs = int(sys.argv[3]), float(sys.argv[4])
        socks = []
        for _ in range(n):
            try:
                socks.append(socket.create_connection((host, PORT), timeout=5))
            except OSError as e:
                print("connect failed: %s" % e)
        print("connected: %d" % len(socks))
        sys.stdout.flush()
        time.sleep(secs)
        for s in socks:
            s.close()
        return 0
    if mode == "first":
        s = socket.create_connection((host, PORT), timeout=5)
        s.sendall(b"GET /x/y HTTP/1.1\r\nHost: t\r\n\r\n")
        s.settimeout(5)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        print(data.split(b"\r\n", 1)[0].decode("latin-1"))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
