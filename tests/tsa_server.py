#!/usr/bin/python3
# A test-only RFC 3161 time-stamp authority over HTTP: each POST body (a TimeStampReq) is
# answered by `openssl ts -reply` with the test TSA's key and certificate, as
# application/timestamp-reply. Listens on 127.0.0.1 only, on the port given (0: an
# ephemeral one), and writes the port it got to PORTFILE. The file DIR/mode, read at each
# request, makes it misbehave for the tests: "good" (or absent), "bad_imprint" (the reply is
# for the request with one byte of its message imprint changed), "bad_nonce" (the same for
# the nonce), "http500". Every request is appended to DIR/requests.log as one line.
# Usage: tsa_server.py DIR PORT PORTFILE   (DIR holds tsa.cnf, tsa.pem, tsa.key)
import http.server
import os
import subprocess
import sys
import tempfile

DIR, PORT, PORTFILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def tlv(b, i):
    """(tag, start of contents, end of contents) of the DER element at b[i]."""
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def changed(query, what):
    """query with the last byte of its message imprint or of its nonce flipped."""
    b = bytearray(query)
    _, i, end = tlv(b, 0)  # TimeStampReq SEQUENCE
    _, _, i = tlv(b, i)  # version INTEGER
    _, mi, mend = tlv(b, i)  # messageImprint SEQUENCE
    _, _, j = tlv(b, mi)  # hashAlgorithm
    _, hs, he = tlv(b, j)  # hashedMessage OCTET STRING
    if what == "bad_imprint":
        b[he - 1] ^= 0x01
        return bytes(b)
    i = mend
    while i < end:
        tag, s, e = tlv(b, i)
        if tag == 0x02:  # nonce INTEGER
            b[e - 1] ^= 0x01
            return bytes(b)
        i = e
    return bytes(b)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            with open(os.path.join(DIR, "mode")) as f:
                mode = f.read().strip() or "good"
        except OSError:
            mode = "good"
        with open(os.path.join(DIR, "requests.log"), "a") as f:
            f.write("%s %s %d\n" % (mode, self.headers.get("Content-Type"), len(body)))
        if mode == "http500":
            self.send_response(500)
            self.end_headers()
            return
        if mode in ("bad_imprint", "bad_nonce"):
            body = changed(body, mode)
        with tempfile.TemporaryDirectory(dir=DIR) as tmp:
            q, r = os.path.join(tmp, "q.tsq"), os.path.join(tmp, "r.tsr")
            with open(q, "wb") as f:
                f.write(body)
            rc = subprocess.run(["openssl", "ts", "-reply", "-config", os.path.join(DIR, "tsa.cnf"),
                                 "-queryfile", q, "-inkey", os.path.join(DIR, "tsa.key"),
                                 "-signer", os.path.join(DIR, "tsa.pem"), "-out", r],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            reply = open(r, "rb").read() if rc == 0 and os.path.exists(r) else b""
        self.send_response(200 if reply else 500)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
