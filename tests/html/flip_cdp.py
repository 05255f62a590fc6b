#!/usr/bin/env python3
"""Drives the `coinflip flip --format html` page in headless Chromium and checks that the browser
flips exactly as the command line does (tests/html/flip_check.sh runs it; see there).

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: file
descriptors 3 and 4, messages ending in a NUL byte), so nothing but the standard library and the
browser is needed. Buttons are clicked with real mouse events at their positions on the screen;
the flips are read back from the DOM.

    flip_cdp.py CHROMIUM PROFILE_DIR PAGE.html CASE
"""
import fcntl
import json
import os
import select
import subprocess
import sys
import time


class Browser:
    def __init__(self, chromium, profile, url):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # Out of the way of 3 and 4 first, so that placing them there cannot overwrite one.
        high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 20)
        high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 20)
        os.close(to_child_r)
        os.close(from_child_w)

        def wire():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--remote-debugging-pipe", "--window-size=1280,900",
             f"--user-data-dir={profile}", url],
            preexec_fn=wire, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "chromium.log"), "w"))
        os.close(high_r)
        os.close(high_w)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + 60
        while True:
            while b"\0" not in self.buf:
                left = deadline - time.time()
                if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                    raise SystemExit(f"FAIL: no answer from chromium to {method}")
                chunk = os.read(self.from_child, 1 << 16)
                if not chunk:
                    raise SystemExit(f"FAIL: chromium closed the pipe during {method}")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SystemExit(f"FAIL: {method}: {reply['error']}")
                return reply["result"]

    def attach(self, url):
        for _ in range(100):
            pages = [t for t in self.send("Target.getTargets", session=False)["targetInfos"]
                     if t["type"] == "page"]
            if pages:
                self.session = self.send("Target.attachToTarget",
                                         {"targetId": pages[0]["targetId"], "flatten": True},
                                         session=False)["sessionId"]
                break
            time.sleep(0.1)
        else:
            raise SystemExit("FAIL: chromium opened no page")
        for _ in range(200):
            # The first document may still be the blank one the tab starts with.
            if self.eval("location.href + ' ' + document.readyState") == url + " complete":
                return
            time.sleep(0.05)
        raise SystemExit("FAIL: the page did not finish loading")

    def eval(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise SystemExit(f"FAIL: {expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def click(self, element_id):
        """A real click: mouse pressed and released at the middle of the element."""
        rect = self.eval(f"""(() => {{
            const e = document.getElementById({json.dumps(element_id)});
            e.scrollIntoView({{block: "center"}});
            const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2];
        }})()""")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": rect[0], "y": rect[1], "button": "left",
                       "clickCount": 1})

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


DOM_STATE = """(() => ({
    flips: [...document.querySelectorAll("#flips tbody tr")].map(tr => ({
        index: Number(tr.dataset.index), u: tr.dataset.u, id: Number(tr.dataset.id),
        token: tr.dataset.token, u_text: tr.cells[1].textContent,
        shown: tr.cells[3].textContent})),
    ticks: document.querySelectorAll("#ticks line").length,
    tally: [...document.querySelectorAll("#tally tbody tr")].map(
        tr => Number(tr.querySelector(".observed").textContent)),
    count: document.getElementById("count").textContent,
}))()"""


def compare(dom, cli, n, what, fails):
    """The DOM's flips are the CLI's first n flips, and its tally is their tally."""
    want = cli["flips"][:n]
    got = dom["flips"]
    if len(got) != n:
        fails.append(f"{what}: {len(got)} flips in the DOM, expected {n}")
        return
    for g, w in zip(got, want):
        same = (g["index"] == w["index"] and float(g["u"]) == w["u"] and g["id"] == w["id"]
                and g["token"] == w["token"] and g["u_text"] == f"{w['u']:.6f}"
                and g["shown"].endswith(f"({w['id']})"))
        if not same:
            fails.append(f"{what}: browser flip {g} differs from coinflip's {w}")
            return
    counts = [0] * len(cli["candidates"])
    ids = [c["id"] for c in cli["candidates"]]
    for w in want:
        counts[ids.index(w["id"])] += 1
    if dom["tally"] != counts:
        fails.append(f"{what}: tally {dom['tally']} in the DOM, expected {counts}")
    word = "1 flip" if n == 1 else f"{n} flips"
    if dom["count"] != word:
        fails.append(f"{what}: the tally heading says {dom['count']!r}, expected {word!r}")
    if dom["ticks"] != n:
        fails.append(f"{what}: {dom['ticks']} ticks on the coin, expected {n}")


def main():
    chromium, profile, page, case = sys.argv[1:5]
    spec = json.loads(case)
    cli = json.load(open(spec["json"]))
    fails = []
    url = "file://" + os.path.abspath(page)
    b = Browser(chromium, profile, url)
    try:
        b.attach(url)
        # The JavaScript ChaCha20 against the independent Python reference.
        for seed, domain, index, want in spec.get("vectors", []):
            got = b.eval(f"coinflipFlip.u64s({json.dumps(str(seed))}, {domain}, {index}, "
                         f"{len(want)})")
            if got != [str(x) for x in want]:
                fails.append(f"ChaCha20 stream ({seed}, {domain}, {index}): the page gives "
                             f"{got[:3]}…, the reference {want[:3]}…")
        start = spec["start"]
        compare(b.eval(DOM_STATE), cli, start, "as written", fails)
        n = start
        for button, times in spec["clicks"]:
            for _ in range(times):
                b.click(button)
            n = 0 if button == "reset" else n + times * (10 if button == "flip-10" else 1)
            compare(b.eval(DOM_STATE), cli, n, f"after {times} × {button}", fails)
    finally:
        b.close()
    if fails:
        print(f"FAIL: {page}:\n  " + "\n  ".join(fails))
        sys.exit(1)
    print(f"{page}: {n} flips in the browser, as coinflip flips them")


if __name__ == "__main__":
    main()
