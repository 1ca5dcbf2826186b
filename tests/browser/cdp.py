#!/usr/bin/python3
"""Load pages in headless Chromium and report what they did.

A test harness (standard library only): it serves a folder on 127.0.0.1,
starts Debian's chromium with --remote-debugging-pipe (the DevTools
protocol as NUL-separated JSON on file descriptors 3 and 4), opens each
page at the given widths, and records for each load:

  requests  every URL the page asked for (Network.requestWillBeSent)
  external  those not on the served origin: a page must make none
  console   console API calls (Runtime.consoleAPICalled), with their type
  errors    uncaught exceptions and browser log entries of level error
  dialogs   alert/confirm/prompt dialogs opened (dismissed at once)
  shot      the screenshot file, when --shots is given

Usage: cdp.py [--shots DIR] [--dark] [--width W ...] ROOT PAGE...
PAGE is a path under ROOT (served over http) or "file:PATH" for a local
file. Prints one JSON object {"pages": [...]} on stdout. Exit 0 when the
run itself worked (the caller judges the results), 2 on usage errors and
3 when the browser could not be driven.
"""

import argparse
import fcntl
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import base64

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--disable-extensions",
    "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Browser:
    def __init__(self, timeout=20.0):
        self.profile = tempfile.mkdtemp(prefix="chorus-chromium-")
        cmd_r, self.cmd_w = os.pipe()
        self.resp_r, resp_w = os.pipe()

        def child():
            # The protocol pipes must be fds 3 and 4 in the browser.
            a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(resp_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM] + FLAGS + ["--user-data-dir=" + self.profile,
                                  "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, close_fds=False, preexec_fn=child)
        os.close(cmd_r)
        os.close(resp_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.timeout = timeout

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.resp_r)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.resp_r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.resp_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the protocol pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def call(self, method, params=None, session=None):
        want = self.send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._read(deadline)
            if msg is None:
                raise RuntimeError("no answer to " + method)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds, until=None):
        """Collect events for up to seconds, or until until(event)."""
        deadline = time.monotonic() + seconds
        while True:
            msg = self._read(deadline)
            if msg is None:
                return False
            if "method" in msg:
                self.events.append(msg)
                if until and until(msg):
                    return True


def load(browser, url, origin, width, shot, dark):
    """Open url in a new tab at width; return what the page did."""
    b = browser
    target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = b.call("Target.attachToTarget",
               {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Network", "Runtime", "Log"):
        b.call(domain + ".enable", session=s)
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": width, "height": 800, "deviceScaleFactor": 1,
            "mobile": width < 600}, session=s)
    b.call("Emulation.setEmulatedMedia",
           {"features": [{"name": "prefers-color-scheme",
                          "value": "dark" if dark else "light"}]},
           session=s)
    b.events = []
    b.call("Page.navigate", {"url": url}, session=s)

    def until_loaded(m):
        if m.get("sessionId") != s:
            return False
        if m["method"] == "Page.javascriptDialogOpening":
            b.send("Page.handleJavaScriptDialog", {"accept": False},
                   session=s)
        return m["method"] == "Page.loadEventFired"

    loaded = b.pump(15, until_loaded)
    # Late work (timers, handlers) gets a moment to show itself; a dialog
    # blocks the page until it is answered.
    end = time.monotonic() + 0.7
    seen = len(b.events)
    while time.monotonic() < end:
        b.pump(0.1)
        for m in b.events[seen:]:
            if m.get("sessionId") == s and \
                    m["method"] == "Page.javascriptDialogOpening":
                b.send("Page.handleJavaScriptDialog", {"accept": False},
                       session=s)
        seen = len(b.events)
    result = {"url": url, "width": width, "dark": dark, "loaded": loaded,
              "requests": [], "external": [], "console": [], "errors": [],
              "dialogs": []}
    for m in b.events:
        if m.get("sessionId") != s:
            continue
        p = m.get("params", {})
        if m["method"] == "Network.requestWillBeSent":
            u = p["request"]["url"]
            result["requests"].append(u)
            if not (u.startswith(origin) or u.startswith("data:")):
                result["external"].append(u)
        elif m["method"] == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", "")))
                            for a in p.get("args", []))
            result["console"].append({"type": p.get("type"), "text": text})
        elif m["method"] == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            result["errors"].append(d.get("text", "exception") + " " +
                                    d.get("exception", {}).get(
                                        "description", ""))
        elif m["method"] == "Log.entryAdded":
            e = p.get("entry", {})
            if e.get("level") == "error":
                result["errors"].append(e.get("text", "") + " " +
                                        e.get("url", ""))
        elif m["method"] == "Page.javascriptDialogOpening":
            result["dialogs"].append(p.get("message", ""))
    if shot:
        metrics = b.call("Page.getLayoutMetrics", session=s)
        height = int(metrics.get("cssContentSize",
                                 metrics.get("contentSize"))["height"])
        height = max(200, min(height, 5000))
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1,
                "mobile": width < 600}, session=s)
        png = b.call("Page.captureScreenshot", {"format": "png"},
                     session=s)["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))
        result["shot"] = shot
    b.call("Target.closeTarget", {"targetId": target})
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shots", help="folder for PNG screenshots")
    ap.add_argument("--width", type=int, action="append")
    ap.add_argument("--dark", action="store_true",
                    help="also load each page in the dark colour scheme")
    ap.add_argument("root")
    ap.add_argument("pages", nargs="+")
    a = ap.parse_args()
    widths = a.width or [1280]
    handler = functools.partial(Quiet, directory=a.root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = "http://127.0.0.1:%d/" % server.server_address[1]
    browser = None
    out = {"origin": origin, "pages": []}
    try:
        browser = Browser()
        browser.call("Browser.getVersion")
        for page in a.pages:
            if page.startswith("file:"):
                path = os.path.abspath(page[5:])
                url, page_origin = "file://" + path, "file://"
            else:
                url, page_origin = origin + page, origin
            for dark in ([False, True] if a.dark else [False]):
                for w in widths:
                    shot = None
                    if a.shots:
                        name = page.replace("file:", "").strip("/")
                        name = name.replace("/", "_").replace(".html", "")
                        shot = os.path.join(a.shots, "%s-%d%s.png" % (
                            name, w, "-dark" if dark else ""))
                    out["pages"].append(load(browser, url, page_origin, w,
                                             shot, dark))
    except Exception as e:  # the browser could not be driven
        print(json.dumps({"error": str(e)}))
        return 3
    finally:
        if browser:
            browser.close()
        server.shutdown()
        server.server_close()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
