#!/usr/bin/python3
"""One phase of tests/integration/signer_gtk.sh: madoguchi-sign-gtk driven through AT-SPI with
dogtail, every control found by its accessible name (no screen coordinates). Prints TAP lines
("ok - ...", "not ok - ..."); the shell script counts them.

  signer_gtk.py sign|cancel|locked|expired|second normal|large

Environment: SIGN_GTK (the binary), LINK (the portal's madoguchi-sign: link), SHOTS (the
directory of the screenshots), DISPLAY and the D-Bus session of the AT-SPI bus."""
import os
import subprocess
import sys
import time

os.environ.pop("NO_AT_BRIDGE", None)
# dogtail stops unless GSettings or this says accessibility is on (GTK 4 ignores GTK_MODULES;
# the app is started without it)
os.environ["GTK_MODULES"] = "gail:atk-bridge"
from dogtail.config import config  # noqa: E402

config.logDebugToFile = False
config.logDebugToStdOut = False
config.searchCutoffCount = 3
config.searchBackoffDuration = 0.3
config.defaultDelay = 0.1
config.actionDelay = 0.1
config.typingDelay = 0.05
from dogtail import predicate, rawinput, tree  # noqa: E402

PHASE, SIZE = sys.argv[1], sys.argv[2]
BIN, LINK, SHOTS = os.environ["SIGN_GTK"], os.environ["LINK"], os.environ["SHOTS"]
failed = 0
STARTED = time.time()
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "GTK_MODULES"}


def report(good, what):
    global failed
    print(("ok - " if good else "not ok - ") + what, flush=True)
    if not good:
        failed += 1


def launch():
    p = subprocess.Popen([BIN, "--lang", "ja", "--card-timeout", "30", "--screenshot", SHOTS, LINK],
                         stdout=subprocess.DEVNULL, stderr=sys.stderr, env=CHILD_ENV)
    for _ in range(100):
        try:
            app = tree.root.application("madoguchi-sign-gtk")
            return p, app
        except Exception:
            time.sleep(0.2)
    raise SystemExit("not ok - the window appears on the AT-SPI bus")


def find(app, name, role=None, timeout=20.0, prefix=False):
    """The node named name (or whose name starts with it), waiting up to timeout seconds."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            n = app.findChild(lambda x: (x.name.startswith(name) if prefix else x.name == name)
                              and (role is None or x.roleName == role),
                              retry=False, requireResult=False)
            if n is not None:
                return n
        except Exception:
            pass
        time.sleep(0.1)
    return None


def shot(name):
    """Waits (up to 5 s) for the app's screenshot of the screen NAME, so that it is taken
    before the screen is left."""
    path = os.path.join(SHOTS, name + ("-large" if SIZE == "large" else "") + ".png")
    end = time.time() + 5
    while time.time() < end and not (os.path.exists(path) and os.path.getmtime(path) >= STARTED):
        time.sleep(0.1)


def heading(app, name, timeout=20.0):
    return find(app, name, "heading", timeout)


def click(node):
    node.doActionNamed("click")


def sensitive(node):
    return node.sensitive


def focus(node, tries=30):
    """Tab until node has the keyboard focus (GTK 4.8 refuses AT-SPI's grabFocus)."""
    for _ in range(tries):
        if node.focused:
            return True
        rawinput.pressKey("Tab")
        time.sleep(0.15)
    return node.focused


def toggle(node):
    """A check box (GTK 4.8 gives it no AT-SPI action): focused by Tab, then the space bar."""
    if focus(node):
        rawinput.pressKey("space")
        time.sleep(0.3)


def count(entry):
    """The characters in the entry (GTK 4.8 gives a password entry's text as '', not its
    length)."""
    try:
        return entry.queryText().characterCount
    except Exception:
        return -1


def password(app, typed, clear=False):
    entry = find(app, "署名用電子証明書のパスワード", "password text")
    if entry is None or not focus(entry):
        return None
    if clear:
        rawinput.keyCombo("<Control>a")
        rawinput.pressKey("BackSpace")
    rawinput.typeText(typed)
    time.sleep(0.3)
    return entry


def start(app):
    """The start screen: its contents checked in sign; 「文字を大きく」 switched on in large."""
    h = heading(app, "電子署名の依頼")
    report(h is not None, "the start screen appears with its heading 「電子署名の依頼」")
    if h is None:
        return False
    report(h.focused, "... the focus is on the heading")
    report(find(app, "手順 1/4", timeout=2) is not None, "... step counter 手順 1/4")
    large = find(app, "文字を大きく", "check box", 2)
    report(large is not None, "... the 「文字を大きく」 switch")
    if large is not None and SIZE == "large" and not large.checked:
        toggle(large)
        time.sleep(0.7)
    if large is not None and SIZE == "large":
        report(find(app, "文字を大きく", "check box", 2).checked, "... 「文字を大きく」 is on (and stays set)")
    if PHASE == "sign":
        for text in ("手続: ", "署名を求めているサイト: http://127.0.0.1:", "1. マイナンバーカードが必要です。",
                     "2. 署名用電子証明書が必要です。", "3. 英数字6文字以上16文字以下"):
            report(find(app, text, prefix=True, timeout=2) is not None, "... shows 「%s…」" % text)
        table = find(app, "署名する申請内容:", "table", 2)
        rows = [r for r in table.children if r.roleName == "table row"] if table else []
        report(len(rows) >= 2 and all([c.roleName for c in r.children] == ["row header", "table cell"]
                                      for r in rows),
               "... the lines to sign as a table of rows of label and value (%d rows)" % len(rows))
        name = [r for r in rows if r.children[0].name == "氏名"]
        report(len(name) == 1 and name[0].children[1].name == "見取 花子",
               "... the row 氏名 says 見取 花子")
    b = find(app, "電子署名を開始します", "push button", 2)
    report(b is not None, "... 「電子署名を開始します」")
    if b is not None and PHASE == "sign":
        buttons = app.findChildren(lambda x: x.roleName == "push button", recursive=True)
        heights = [n.size[1] for n in buttons]
        report(len(heights) >= 2 and min(heights) >= 48,
               "... every button is at least 48 px high (%s)" % heights)
    if b is None:
        return False
    click(b)
    return True


def give_password(app, typed):
    h = heading(app, "署名用電子証明書用のパスワード")
    report(h is not None, "the password screen (手順 2/4)")
    if h is None:
        return False
    nxt = find(app, "次へ", "push button", 2)
    report(nxt is not None and not sensitive(nxt), "... 「次へ」 is off before 6 characters")
    entry = password(app, typed)
    report(entry is not None and sensitive(nxt), "... 「次へ」 is on after 「%s」" % typed)
    click(nxt)
    return True


def sign_phase(app):
    if not start(app):
        return
    h = heading(app, "署名用電子証明書用のパスワード")
    report(h is not None, "the password screen appears")
    nxt = find(app, "次へ", "push button", 2)
    report(nxt is not None and not sensitive(nxt), "... 「次へ」 is off with nothing typed")
    entry = password(app, "abc12３")
    report(count(entry) == 6, "... 「abc12３」 typed: 6 characters (%d)" % count(entry))
    report(nxt is not None and sensitive(nxt), "... 「次へ」 is on from 6 characters")
    rawinput.typeText("-4")  # "-" is not typed; the password becomes ABC1234: wrong
    time.sleep(0.2)
    report(count(entry) == 7, "... then 「-4」: 「-」 is not typed, 「4」 is (%d)" % count(entry))
    toggle(find(app, "入力したパスワードを表示する", "check box", 2))
    click(nxt)
    err = find(app, "パスワードが間違っています。残り", prefix=True, timeout=30)
    report(err is not None, "a wrong password: the password screen again with the tries left (%s)"
           % (err.name if err else "-"))
    shot("password-wrong")
    # the card takes ABC123 only: signing with 「abc12３」 typed shows that the field made it so
    entry = password(app, "abc12３")
    report(count(entry) == 6, "... 「abc12３」 typed again (%d)" % count(entry))
    rawinput.pressKey("Return")  # Enter = the main action (次へ)
    done = heading(app, "電子署名が完了しました。", 40)
    report(done is not None, "the right one signs: 「電子署名が完了しました。」")
    report(find(app, "ブラウザに戻って、申請を続けてください。", timeout=2) is not None,
           "... 「ブラウザに戻って、申請を続けてください。」")
    close = find(app, "閉じる", "push button", 2)
    report(close is not None, "... 「閉じる」")
    shot("done")
    if close is not None:
        click(close)


def cancel_phase(app):
    if not start(app):
        return
    if not give_password(app, "ABC123"):
        return
    h = heading(app, "マイナンバーカードをカードリーダーに置いてください")
    report(h is not None, "the card screen: 「マイナンバーカードをカードリーダーに置いてください」")
    report(find(app, "手順 3/4", timeout=2) is not None, "... 手順 3/4")
    time.sleep(1.5)  # waiting for the card, which is out
    c = find(app, "キャンセル", "push button", 2)
    t0 = time.time()
    click(c)
    f = heading(app, "電子署名できませんでした", 5)
    dt = time.time() - t0
    report(f is not None and dt < 1.0, "「キャンセル」 while waiting for the card returns within 1 s (%.2f s)" % dt)
    report(find(app, "署名を中止しました。", timeout=2) is not None, "... says 「署名を中止しました。」")
    report(find(app, "申請はそのまま残っています。", prefix=True, timeout=2) is not None,
           "... and that the application is unchanged")
    shot("failure-cancelled")
    click(find(app, "閉じる", "push button", 2))


def refused_phase(app, what, words):
    if not start(app):
        return
    if not give_password(app, "ABC123"):
        return
    f = heading(app, "電子署名できませんでした", 30)
    report(f is not None, "%s: the failure screen" % what)
    report(find(app, words, prefix=True, timeout=2) is not None, "... 「%s…」" % words)
    report(find(app, "本庁 住民窓口センターもしくは出先機関の窓口へ、", prefix=True, timeout=2) is not None,
           "... what to do: the counter of the city hall")
    shot("failure-" + PHASE)
    click(find(app, "閉じる", "push button", 2))


def second_phase(app):
    if heading(app, "電子署名の依頼") is None:
        report(False, "the first window shows the start screen")
        return
    t0 = time.time()
    r = subprocess.run([BIN, "--lang", "ja", LINK], timeout=20, stdout=subprocess.DEVNULL,
                       env=CHILD_ENV)
    report(r.returncode == 0, "a second launch with a link exits 0 (%d, %.1f s)" % (r.returncode, time.time() - t0))
    report(find(app, "いま、電子署名を進めています。", prefix=True, timeout=5) is not None,
           "... the first window says a signature is under way")
    apps = [a for a in tree.root.applications() if a.name == "madoguchi-sign-gtk"]
    report(len(apps) == 1, "... and is the only window of the app (%d)" % len(apps))
    rawinput.pressKey("Escape")  # Esc = キャンセル
    report(find(app, "署名を中止しました。", timeout=5) is not None, "Esc is 「キャンセル」: 「署名を中止しました。」")
    c = find(app, "閉じる", "push button", 5)
    if c is not None:
        click(c)


def main():
    p, app = launch()
    try:
        if PHASE == "sign":
            sign_phase(app)
        elif PHASE == "cancel":
            cancel_phase(app)
        elif PHASE == "locked":
            refused_phase(app, "a locked card", "署名用電子証明書のパスワードにロックがかかっています。")
        elif PHASE == "expired":
            refused_phase(app, "an expired certificate", "署名用電子証明書の有効期限が切れています")
        elif PHASE == "second":
            second_phase(app)
        rc = p.wait(timeout=10)
        want = {"sign": 0, "cancel": 16, "locked": 13, "expired": 14, "second": 16}[PHASE]
        report(rc == want, "the app ends with exit %d (%d)" % (want, rc))
    finally:
        if p.poll() is None:
            p.kill()
    shots = sorted(os.listdir(SHOTS))
    report(len(shots) > 0, "screenshots in %s: %s" % (SHOTS, " ".join(shots)))


main()
sys.exit(1 if failed else 0)
