# A resident submitting applications in a loop, for the tests that run submissions against a
# running portal (tests/integration/crash.sh, tests/integration/backup_restore.sh):
#   submit BASE OUT LOG STOP  logs in as the demo resident and submits 粗大ごみ applications
#                             (form, confirmation, 「申請する」, completion page, sometimes the
#                             same submission again) until the file STOP exists or 300 s pass;
#                             each receipt whose completion page came is appended to OUT (one
#                             a line, "DOUBLE" when a repeated submission led elsewhere);
#                             errors and the final counts go to LOG. It waits out a portal
#                             that is down (restarted) and logs in again.
#   look BASE RECEIPTS        logs in and opens /mypage/RECEIPT for each receipt of the file;
#                             prints how many pages came with 200 and showed the receipt.
# SUBMIT_EMAIL (default the demo resident; the demo's password) logs in as another resident;
# SUBMIT_VIA=URL sends 「申請する」 and opens the completion page through another portal
# process on the same database (the cookies go to both: they differ only in the port).
import http.cookiejar, os, random, re, sys, time, urllib.error, urllib.parse, urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None


base = sys.argv[2]
via = os.environ.get("SUBMIT_VIA", base)
email = os.environ.get("SUBMIT_EMAIL", "demo@example.jp")
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def req(path, data=None, at=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        r = op.open((at or base) + path, body, timeout=10)
        return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


def val(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, html)
    return m.group(1) if m else None


def wait_up():
    for _ in range(400):
        try:
            if req("/healthz")[0] == 200: return
        except Exception: pass
        time.sleep(0.05)


def login():
    while True:
        try:
            s, h, page = req("/login")
            s, h, _ = req("/login", {"csrf": val(page, "csrf"), "email": email,
                                     "password": "madoguchi-demo-2026", "return": "/mypage"})
            if s == 303: return
        except Exception: pass
        wait_up()


P = "/procedures/sodaigomi-collection"
answers = {"items": "たんす 1点", "item_count": "1", "place": None, "name": "見取 花子",
           "postal_code": "100-0001", "address": "東京都千代田区千代田1-1", "phone": "048-000-0000",
           "action": "next"}


def submit_once(out, log):
    s, h, page = req(P + "/form")
    if s != 200: log.write("form %d\n" % s); wait_up(); return 0
    if answers["place"] is None:
        answers["place"] = re.search(r'name="place" value="([^"]*)"', page).group(1)
    data = dict(answers, csrf=val(page, "csrf"))
    s, h, page = req(P + "/form", data)
    if s != 303: log.write("save %d\n" % s); return 0
    s, h, page = req(P + "/confirm")
    if s != 200: log.write("confirm %d\n" % s); return 0
    sub = {"csrf": val(page, "csrf"), "key": val(page, "key"), "digest": val(page, "digest"), "confirmed": "1"}
    s, h, _ = req(P + "/submit", sub, via)
    if s != 303: log.write("submit %d\n" % s); return 0
    loc = h["Location"]
    if random.random() < 0.3:  # the same submission again (double click, reload)
        s2, h2, _ = req(P + "/submit", sub, via)
        if s2 != 303 or h2["Location"] != loc:
            log.write("DOUBLE %s -> %s %s\n" % (loc, s2, h2.get("Location"))); out.write("DOUBLE\n")
    s, h, page = req(loc, None, via)
    if s == 200 and "以上で、申請は完了です。" in page:
        receipt = re.search(r'class="receipt">([0-9-]+)<', page).group(1)
        out.write(receipt + "\n")
        return 1
    return 0


def submit(out_path, log_path, stop_path):
    log = open(log_path, "a", buffering=1)
    login()
    completed = attempts = 0
    deadline = time.time() + 300
    out = open(out_path, "a", buffering=1)
    while not os.path.exists(stop_path) and time.time() < deadline:
        attempts += 1
        try:
            completed += submit_once(out, log)
        except Exception as e:
            log.write("error %r\n" % (e,)); wait_up()
    log.write("attempts %d completed %d\n" % (attempts, completed))


def look(receipts_path):
    login()
    found = 0
    for r in (l.strip() for l in open(receipts_path)):
        if not r[:1].isdigit(): continue
        s, h, page = req("/mypage/" + r)
        found += s == 200 and r in page
    print(found)


if sys.argv[1] == "submit":
    submit(sys.argv[3], sys.argv[4], sys.argv[5])
else:
    look(sys.argv[3])
