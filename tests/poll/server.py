#!/usr/bin/python3
"""A scripted HTTP server for chorus's polling tests (standard library only).

Usage: server.py SCRIPT.json LOG.jsonl PORTFILE

Listens on 127.0.0.1 on a free port, writes the port to PORTFILE, and serves
what SCRIPT.json says. The script is read again on every request, so a test
can change it between polls. It maps a path to a response, or to a list of
responses used one after the other (the last one repeats):

  {"/feed": {"status": 200, "headers": {"ETag": "\"a\""}, "body": "...",
             "conditional": true, "gzip": false, "delay": 0,
             "reset": false, "endless": false, "body_file": "x.xml"}}

- "conditional": answer 304 when If-None-Match equals the ETag header, or
  If-Modified-Since equals the Last-Modified header, byte for byte.
- "gzip": send the body gzip-encoded when the client accepts it.
- "delay": seconds to wait before answering; "reset": close the connection
  with a TCP reset instead of answering; "endless": stream a body forever.
- In header values and bodies, {port} becomes the port and {date+N} the
  HTTP-date N seconds from now.

Every request is appended to LOG.jsonl as one JSON object: start and end
times, method, path, headers (names lower-cased) and the status sent. The
server runs until killed (tests stop it by its PID).
"""
import email.utils
import gzip
import json
import os
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPT, LOG, PORTFILE = sys.argv[1], sys.argv[2], sys.argv[3]
LOCK = threading.Lock()
STEPS = {}
PORT = 0


def subst(text):
    text = text.replace("{port}", str(PORT))

    def date(m):
        return email.utils.formatdate(time.time() + int(m.group(1)),
                                      usegmt=True)
    return re.sub(r"\{date\+(-?\d+)\}", date, text)


def pick(path):
    with open(SCRIPT) as f:
        script = json.load(f)
    r = script.get(path)
    if r is None:
        return {"status": 404, "body": "not found"}
    if isinstance(r, list):
        with LOCK:
            n = STEPS.get(path, 0)
            STEPS[path] = n + 1
        r = r[min(n, len(r) - 1)]
    return r


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, start, status):
        entry = {
            "start": start, "end": time.time(), "method": self.command,
            "path": self.path, "status": status,
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }
        with LOCK:
            with open(LOG, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def do_GET(self):
        start = time.time()
        r = pick(self.path)
        if r.get("delay"):
            time.sleep(r["delay"])
        if r.get("reset"):
            self.record(start, "reset")
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            # Close the descriptor itself: the handler's file objects
            # would otherwise keep the socket open.
            os.close(self.connection.detach())
            self.close_connection = True
            return
        headers = {k: subst(v) for k, v in r.get("headers", {}).items()}
        status = r.get("status", 200)
        if r.get("conditional"):
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if ((inm is not None and inm == headers.get("ETag")) or
                    (ims is not None and
                     ims == headers.get("Last-Modified"))):
                status = 304
        if r.get("endless"):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<!-- " + b"x" * 65536 + b" -->\n"
            try:
                for _ in range(100000):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.record(start, status)
            self.close_connection = True
            return
        if "body_file" in r:
            with open(os.path.join(os.path.dirname(SCRIPT),
                                   r["body_file"]), "rb") as f:
                body = f.read()
        else:
            body = subst(r.get("body", "")).encode()
        if status == 304 or status < 200:
            body = b""
        elif r.get("gzip") and "gzip" in self.headers.get(
                "Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass
        self.record(start, status)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up (the size cap, resets) are expected


def main():
    global PORT
    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    PORT = server.server_address[1]
    tmp = PORTFILE + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(PORT))
    os.rename(tmp, PORTFILE)
    server.serve_forever()


if __name__ == "__main__":
    main()
