# Raw-socket clients of the hardening tests (hardening_http.sh, hardening_conn.sh). Each
# subcommand prints "key=value" lines that the shell test checks. Traffic goes to 127.0.0.1
# only, and every scenario is bounded in connections and seconds.
import select
import socket
import sys
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def connect(port, timeout=2.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setblocking(False)
    return s


def is_closed(s):
    """True when the server closed s (EOF or reset); drains what it sent."""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def slow_bodies(port, pid, n, size, seconds, path):
    """n POSTs announcing size bytes, each fed as fast as the server reads for seconds,
    never finished; RSS before, at its highest while they are open, and after they close."""
    before = rss_kb(pid)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            f"application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n").encode()
    socks, sent, answered = [], 0, 0
    for _ in range(n):
        s = connect(port)
        s.send(head)
        socks.append(s)
    chunk = b"a" * 65536
    peak, end = before, time.time() + seconds
    live = list(socks)
    while time.time() < end and live:
        _, w, _ = select.select([], live, [], 0.2)
        for s in w:
            try:
                sent += s.send(chunk)
            except OSError:
                live.remove(s)
        peak = max(peak, rss_kb(pid))
    for s in socks:
        try:
            if b" 413 " in s.recv(4096):
                answered += 1
        except OSError:
            pass
        s.close()
    time.sleep(1.0)
    print(f"rss_before_kb={before}\nrss_peak_kb={peak}\nrss_after_kb={rss_kb(pid)}")
    print(f"bytes_sent={sent}\nanswered_413={answered}")


def chunked_body(port, seconds):
    """A chunked body to /login that never ends: how much the server takes before it stops."""
    s = connect(port)
    s.send(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"a" * 65536 + b"\r\n"
    sent, end, reply = 0, time.time() + seconds, b""
    while time.time() < end:
        r, w, _ = select.select([s], [s], [], 0.2)
        if r:
            try:
                d = s.recv(65536)
            except OSError:
                break
            if not d:
                break
            reply += d
        elif w:
            try:
                sent += s.send(chunk)
            except OSError:
                break
    print(f"chunked_sent={sent}\nchunked_status={reply[:12].decode(errors='replace')}")


def slow_headers(port, n, seconds, every):
    """n clients that send one header byte every `every` seconds; how many are still open
    at the end. Also asks /healthz on a fresh connection in the middle."""
    socks = []
    for _ in range(n):
        try:
            s = connect(port)
            s.send(b"GET / HTTP/1.1\r\nX-Slow: ")
            socks.append(s)
        except OSError:
            pass
    start, normal = time.time(), "none"
    while time.time() - start < seconds:
        time.sleep(every)
        for s in socks:
            if not is_closed(s):
                try:
                    s.send(b"a")
                except OSError:
                    pass
        if normal == "none" and time.time() - start > seconds / 2:
            normal = get_status(port, "/healthz")
    still = sum(1 for s in socks if not is_closed(s))
    for s in socks:
        s.close()
    print(f"opened={len(socks)}\nopen_after={still}\nnormal_status={normal}")


def slow_body(port, seconds, every):
    """A POST to /login whose 1000-byte body comes one byte every `every` seconds: the
    seconds it stayed open (capped at `seconds`)."""
    s = connect(port)
    s.send(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
    start = time.time()
    while time.time() - start < seconds and not is_closed(s):
        time.sleep(every)
        try:
            s.send(b"a")
        except OSError:
            break
    print(f"slow_body_open_seconds={time.time() - start:.1f}")
    s.close()


def hold(port, n, seconds):
    """n idle connections held open for `seconds`: how many the server closed meanwhile."""
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(port))
        except OSError:
            pass
    time.sleep(seconds)
    closed = sum(1 for s in socks if is_closed(s))
    print(f"held={len(socks)}\nclosed_by_server={closed}")
    for s in socks:
        s.close()


def get_status(port, path, timeout=2.0):
    """The status code of GET path on a new connection, or 'refused'/'timeout'/'closed'."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        d = s.recv(64)
        s.close()
        return d.split(b" ")[1].decode() if d.startswith(b"HTTP/1.1 ") else "closed"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "refused"


def flood(port, n, seconds):
    """n connections opened and held for `seconds` (past the server's descriptor limit);
    a normal GET /healthz is tried in the middle, and after the flood is closed."""
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=1))
        except OSError:
            pass
    time.sleep(seconds / 2)
    during = get_status(port, "/healthz", 1.0)
    time.sleep(seconds / 2)
    for s in socks:
        s.close()
    after, start = "none", time.time()
    while time.time() - start < 5:
        after = get_status(port, "/healthz", 1.0)
        if after == "200":
            break
        time.sleep(0.2)
    print(f"flood_opened={len(socks)}\nduring_status={during}\nafter_status={after}")
    print(f"after_seconds={time.time() - start:.1f}")


def read_response(s, deadline):
    """One response's head and, for a GET, its body by Content-Length, from blocking s."""
    data = b""
    while b"\r\n\r\n" not in data and time.time() < deadline:
        d = s.recv(65536)
        if not d:
            break
        data += d
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode(errors="replace"), rest


def header(head, name):
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def head_then_get(port, path):
    """HEAD path then GET path on one kept-open connection (sent together): both answers
    must parse, HEAD with GET's Content-Length and no body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    deadline = time.time() + 3
    h1, rest = read_response(s, deadline)
    while len(rest) < 12 and time.time() < deadline:  # the second answer's status line
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        rest += d
    second_ok = rest.startswith(b"HTTP/1.1 ")
    h2 = ""
    body2 = b""
    if second_ok:
        h2, body2 = rest.decode(errors="replace").partition("\r\n\r\n")[0], \
            rest.partition(b"\r\n\r\n")[2]
        n2 = int(header(h2, "Content-Length") or -1)
        while len(body2) < n2 and time.time() < deadline:
            d = s.recv(65536)
            if not d:
                break
            body2 += d
    s.close()
    print(f"head_status={h1[9:12]}\nhead_length={header(h1, 'Content-Length')}")
    print(f"second_is_response={int(second_ok)}\nget_status={h2[9:12]}")
    print(f"get_length={header(h2, 'Content-Length') if h2 else None}\nget_body_bytes={len(body2)}")


def raw(port, data):
    """Sends data as it is; prints the status code of the answer (or closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(data)
    try:
        d = s.recv(64)
    except OSError:
        d = b""
    s.close()
    print(d.split(b" ")[1].decode() if d.startswith(b"HTTP/1.1 ") else "closed")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    a = sys.argv[3:]
    if cmd == "slow_bodies":
        slow_bodies(port, int(a[0]), int(a[1]), int(a[2]), float(a[3]), a[4])
    elif cmd == "chunked_body":
        chunked_body(port, float(a[0]))
    elif cmd == "slow_headers":
        slow_headers(port, int(a[0]), float(a[1]), float(a[2]))
    elif cmd == "slow_body":
        slow_body(port, float(a[0]), float(a[1]))
    elif cmd == "hold":
        hold(port, int(a[0]), float(a[1]))
    elif cmd == "flood":
        flood(port, int(a[0]), float(a[1]))
    elif cmd == "head_then_get":
        head_then_get(port, a[0])
    elif cmd == "raw":
        raw(port, a[0].encode("latin-1").decode("unicode_escape").encode("latin-1"))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
