#!/usr/bin/env python3
"""The clients overload.sh needs beside mqbench, over raw MQTT 3.1.1 sockets (no library to install):

  - SLOW subscribers, subscriber i on PREFIX/i at QoS 0, each reading at most RATE bytes a second: a slow consumer
    whose queue the broker has to hold or drop;
  - an idle client that sends PINGREQ every half second and times the PINGRESP;
  - a new client every half second whose CONNECT it times to the CONNACK.

Runs for DURATION seconds, then prints one line:
  PROBE pings=.. ping_failed=.. ping_p50_ms=.. ping_max_ms=.. connects=.. connect_failed=.. connect_p50_ms=..
        connect_max_ms=.. slow_read_bytes=..
A ping or connect that gets no answer within 10 s counts as failed.

usage: overload-probe.py PORT DURATION SLOW RATE [PREFIX]
"""
import select
import socket
import statistics
import struct
import sys
import threading
import time

TIMEOUT = 10.0


def utf8(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def remaining(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def connect_packet(client_id, keep_alive=60):
    body = utf8("MQTT") + bytes([4, 0x02]) + struct.pack("!H", keep_alive) + utf8(client_id)
    return bytes([0x10]) + remaining(len(body)) + body


def subscribe_packet(topic, packet_id=1):
    body = struct.pack("!H", packet_id) + utf8(topic) + bytes([0])
    return bytes([0x82]) + remaining(len(body)) + body


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_packet(sock):
    """One packet: (first byte, body)."""
    first = recv_exact(sock, 1)[0]
    multiplier, length = 1, 0
    while True:
        b = recv_exact(sock, 1)[0]
        length += (b & 0x7F) * multiplier
        multiplier *= 128
        if not b & 0x80:
            break
    return first, recv_exact(sock, length)


def open_client(port, client_id, keep_alive=60):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(connect_packet(client_id, keep_alive))
    first, body = read_packet(sock)
    if first != 0x20 or body[1] != 0:
        raise ConnectionError("CONNECT refused: %02x %s" % (first, body.hex()))
    return sock


def slow_subscribers(port, count, rate, prefix, stop, totals):
    socks = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.sendall(connect_packet("overload-slow-%d" % i))
        read_packet(s)
        s.sendall(subscribe_packet("%s/%d" % (prefix, i)))
        read_packet(s)
        s.setblocking(False)
        socks.append(s)
    tick = 0.05
    per_tick = max(1, int(rate * tick))
    while not stop.is_set():
        start = time.monotonic()
        for s in socks:
            try:
                totals["slow"] += len(s.recv(per_tick))
            except BlockingIOError:
                pass
            except OSError:
                pass
        time.sleep(max(0.0, tick - (time.monotonic() - start)))
    for s in socks:
        s.close()


def pinger(port, stop, results):
    sock = open_client(port, "overload-idle")
    while not stop.is_set():
        time.sleep(0.5)
        t = time.monotonic()
        try:
            sock.sendall(bytes([0xC0, 0]))
            first, _ = read_packet(sock)
            if first != 0xD0:
                raise ConnectionError("not PINGRESP: %02x" % first)
            results["ping"].append((time.monotonic() - t) * 1000)
        except Exception as e:  # a timeout or a closed connection: count it, then reconnect
            results["ping_failed"] += 1
            sock.close()
            sock = open_client(port, "overload-idle")
    sock.close()


def connector(port, stop, results):
    n = 0
    while not stop.is_set():
        time.sleep(0.5)
        t = time.monotonic()
        try:
            sock = open_client(port, "overload-new-%d" % n)
            results["connect"].append((time.monotonic() - t) * 1000)
            sock.sendall(bytes([0xE0, 0]))
            sock.close()
        except Exception:
            results["connect_failed"] += 1
        n += 1


def summary(values):
    if not values:
        return "0", "-", "-"
    return str(len(values)), "%.1f" % statistics.median(values), "%.1f" % max(values)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    port, duration, slow, rate = (int(a) for a in sys.argv[1:5])
    prefix = sys.argv[5] if len(sys.argv) > 5 else "bench"
    stop = threading.Event()
    results = {"ping": [], "ping_failed": 0, "connect": [], "connect_failed": 0}
    totals = {"slow": 0}
    threads = [threading.Thread(target=slow_subscribers, args=(port, slow, rate, prefix, stop, totals)),
               threading.Thread(target=pinger, args=(port, stop, results)),
               threading.Thread(target=connector, args=(port, stop, results))]
    for t in threads:
        t.daemon = True
        t.start()
    print("PROBE-READY", flush=True)
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join(TIMEOUT + 2)
    pings, ping_p50, ping_max = summary(results["ping"])
    connects, connect_p50, connect_max = summary(results["connect"])
    print("PROBE pings=%s ping_failed=%d ping_p50_ms=%s ping_max_ms=%s connects=%s connect_failed=%d "
          "connect_p50_ms=%s connect_max_ms=%s slow_read_bytes=%d"
          % (pings, results["ping_failed"], ping_p50, ping_max, connects, results["connect_failed"], connect_p50,
             connect_max, totals["slow"]), flush=True)


if __name__ == "__main__":
    main()
