#!/usr/bin/env bash
# A TAP check of the shell tests themselves: `check "..." A && B` runs only A as the check
# (the shell joins `&& B` to the check call, whose outcome is already printed), so B can never
# fail a test. Such a chain must be one command (`eval '...'`, `sh -c "..."`) or two checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
out=$(/usr/bin/python3 - tests/integration/*.sh tests/card_env.sh tests/lib.sh <<'PY'
import sys

def scan(text, i):
    """From text[i] to the end of the shell statement (a newline at the top level): returns
    (end, has_chain), has_chain when && or || stands at the top level, outside quotes and
    command substitutions (a stack of contexts: top, "..." and $( ))."""
    stack, chain = ["top"], False
    while i < len(text):
        c, ctx = text[i], stack[-1]
        if c == "\\":
            i += 2
            continue
        if ctx == "dq":
            if c == '"':
                stack.pop()
            elif text.startswith("$(", i):
                stack.append("sub")
                i += 1
        elif c == "'":
            i = text.find("'", i + 1)
            if i < 0:
                return len(text), chain
        elif c == '"':
            stack.append("dq")
        elif text.startswith("$(", i):
            stack.append("sub")
            i += 1
        elif c == ")" and ctx == "sub":
            stack.pop()
        elif ctx == "top" and c == "\n":
            return i, chain
        elif ctx == "top" and text[i:i + 2] in ("&&", "||"):
            chain = True
        i += 1
    return i, chain


for f in sys.argv[1:]:
    text = open(f, encoding="utf-8").read()
    pos = 0
    for line_no, line in enumerate(text.split("\n"), 1):
        t = line.lstrip()
        start = pos + (len(line) - len(t))
        pos += len(line) + 1
        if not t.startswith("check \""):
            continue
        # skip the description: the double-quoted word after "check "
        k = start + len("check ")
        stack = []
        while k < len(text):
            c = text[k]
            if c == "\\":
                k += 2
                continue
            if stack and stack[-1] == "sub" and c == "'":
                k = text.find("'", k + 1)
            elif c == '"' and (not stack or stack[-1] == "sub"):
                stack.append("dq")
            elif c == '"' and stack[-1] == "dq":
                stack.pop()
                if not stack:
                    break
            elif text.startswith("$(", k) and stack:
                stack.append("sub")
                k += 1
            elif c == ")" and stack and stack[-1] == "sub":
                stack.pop()
            k += 1
        rest = text[k + 1:].lstrip(" \t\\\n")
        if rest.startswith(("eval ", "sh -c ", "bash -c ")):
            continue
        _, chain = scan(text, k + 1)
        if chain:
            print("%s:%d" % (f, line_no))
PY
)
n=0
for where in $out; do
	n=$((n + 1))
	not_ok "$where: a chain after check is not part of the check"
done
check "no test script chains commands after check ($n found)" [ "$n" -eq 0 ]
tap_end
