"""Headless Chromium driven over the Chrome DevTools Protocol, with Python's
standard library only: the browser is started with --remote-debugging-pipe and
reads commands on fd 3 and writes replies and events on fd 4, each message a
JSON text ended by a NUL byte.

    with Browser() as b:
        page = b.open("file:///tmp/report.html")
        page.eval("document.title")
        page.events          # console messages, exceptions, log entries, requests
        page.screenshot("out.png")

Browser.find() returns the chromium binary or None (the caller skips with a
reason). The flags are those known to work on a closed network and as root:
no sandbox, no GPU, no background networking, a fresh profile directory.
"""
import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time


class BrowserError(Exception):
    pass


def find():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Page:
    def __init__(self, browser, session):
        self.b = browser
        self.session = session
        self.events = []

    def send(self, method, params=None, timeout=60):
        return self.b.send(method, params, session=self.session, timeout=timeout)

    def eval(self, expression, timeout=60):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in r:
            raise BrowserError("evaluation failed: %s: %s" % (expression[:200], json.dumps(r["exceptionDetails"])[:800]))
        return r["result"].get("value")

    def wait_for(self, expression, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.eval(expression):
                return True
            time.sleep(0.1)
        return False

    def screenshot(self, path, width=1280, max_height=5000):
        """A PNG of the page from its top, as tall as its content (up to max_height)."""
        m = self.send("Page.getLayoutMetrics")
        size = m.get("cssContentSize") or m.get("contentSize")
        height = int(min(max(size["height"], 200), max_height))
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        r = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                 "clip": {"x": 0, "y": 0, "width": width, "height": height,
                                                          "scale": 1}}, timeout=120)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        self.send("Emulation.clearDeviceMetricsOverride")

    def problems(self, page_url):
        """Console errors and warnings, uncaught exceptions, log entries of
        level error or warning, and any request other than the page itself."""
        out = []
        for method, p in self.events:
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append("console.%s: %s" % (p["type"], " ".join(str(a.get("value", a.get("description")))
                                                                    for a in p.get("args", []))))
            elif method == "Runtime.exceptionThrown":
                out.append("exception: %s" % json.dumps(p.get("exceptionDetails"))[:500])
            elif method == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                out.append("log %s/%s: %s" % (p["entry"].get("source"), p["entry"]["level"], p["entry"].get("text")))
            elif method == "Network.requestWillBeSent" and p["request"]["url"] != page_url:
                out.append("request: %s" % p["request"]["url"][:300])
        return out


class Browser:
    def __init__(self, binary=None, width=1280, height=900):
        self.binary = binary or find()
        if not self.binary:
            raise BrowserError("no chromium binary")
        self.profile = tempfile.mkdtemp(prefix="verdict-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def fds():
            # The browser reads commands on fd 3 and writes on fd 4.
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-default-browser-check",
                "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
                "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(3, 4), preexec_fn=fds)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next = 0
        self._buf = b""
        self._pages = {}
        self.send("Target.setDiscoverTargets", {"discover": False}, timeout=60)

    # -- the wire
    def _write(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self._to_browser, data)
            data = data[n:]

    def _read_one(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no answer from the browser in time")
            r, _, _ = select.select([self._from_browser], [], [], left)
            if not r:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("the browser closed its pipe (exit %s)" % self.proc.poll())
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=60):
        self._next += 1
        mid = self._next
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._write(msg)
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_one(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise BrowserError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self._event(m)

    def _event(self, m):
        page = self._pages.get(m.get("sessionId"))
        if page is not None and "method" in m:
            page.events.append((m["method"], m.get("params", {})))

    def pump(self, seconds):
        """Collect events for a while (late console messages, requests)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._event(self._read_one(deadline))
        except BrowserError as e:
            if "in time" not in str(e):
                raise

    # -- pages
    def open(self, url, timeout=120):
        """A new tab with every event domain on, navigated to url; returns
        once the load event fired."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.target = target
        self._pages[session] = page
        for domain in ("Runtime", "Log", "Network", "Page"):
            page.send(domain + ".enable")
        page.send("Page.navigate", {"url": url}, timeout=timeout)
        deadline = time.monotonic() + timeout
        while not any(m == "Page.loadEventFired" for m, _ in page.events):
            self._event(self._read_one(deadline))
        return page

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self._write({"id": 0, "method": "Browser.close", "params": {}})
                    self.proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self._to_browser, self._from_browser):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
