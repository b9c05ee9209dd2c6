#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bounded TCP clients for the dataplane e2e tests (run inside the test's
network namespace).

  tcp_client.py echo HOST PORT BYTES [TIMEOUT_S] [CONNS]
      send BYTES of pseudo-random data on each of CONNS connections while
      reading the echo back; compare SHA-256 of sent and received bytes.
  tcp_client.py refused HOST PORT
      expect an immediate RST (connection refused) from a closed port.
Exit status 0 on success; prints one line with bytes, seconds and Mbit/s.
"""
import hashlib
import os
import socket
import sys
import threading
import time


def echo_one(host, port, nbytes, deadline, results, idx):
    data = os.urandom(min(nbytes, 1 << 20))
    sent_hash = hashlib.sha256()
    recv_hash = hashlib.sha256()
    s = socket.create_connection((host, port), timeout=10)
    s.settimeout(max(1.0, deadline - time.time()))
    received = 0
    err = []

    def reader():
        nonlocal received
        try:
            while received < nbytes:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                recv_hash.update(chunk)
                received += len(chunk)
        except Exception as e:  # timeout or reset
            err.append(repr(e))

    t = threading.Thread(target=reader)
    t.start()
    sent = 0
    try:
        while sent < nbytes:
            if time.time() > deadline:
                raise TimeoutError("send deadline")
            n = min(len(data), nbytes - sent)
            s.sendall(data[:n])
            sent_hash.update(data[:n])
            sent += n
        s.shutdown(socket.SHUT_WR)
    except Exception as e:
        err.append(repr(e))
    t.join(max(0.0, deadline - time.time()) + 1)
    s.close()
    ok = not err and received == nbytes and \
        sent_hash.digest() == recv_hash.digest()
    results[idx] = (ok, sent, received, err)


def main():
    mode = sys.argv[1]
    host, port = sys.argv[2], int(sys.argv[3])
    if mode == "refused":
        try:
            socket.create_connection((host, port), timeout=5).close()
        except ConnectionRefusedError:
            print("refused as expected")
            return 0
        print("connection was not refused")
        return 1
    nbytes = int(sys.argv[4])
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 60
    conns = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    deadline = time.time() + timeout
    results = [None] * conns
    t0 = time.time()
    threads = [threading.Thread(target=echo_one,
                                args=(host, port, nbytes, deadline, results, i))
               for i in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    dt = time.time() - t0
    bad = [r for r in results if r is None or not r[0]]
    total = sum(r[2] for r in results if r)
    print(f"echo: {conns} conn(s) x {nbytes} bytes, {dt:.2f} s, "
          f"{total * 8 / dt / 1e6:.1f} Mbit/s echoed, {len(bad)} failed")
    for r in bad:
        print("  failed:", r)
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
