# Shared set-up of the integration tests that need the smart-card stack: a private pcscd
# (foreground, Debian's vpcd reader driver on two free ports) and the virtual card
# (`madoguchi-card serve`), inside a private mount namespace with its own /run/pcscd when the
# test runs as root and `unshare -m` works, so it never meets another pcscd and leaves nothing
# behind; and in a network namespace with only loopback when `unshare -n` works. Sourced (not run) by tests/integration/card_opensc.sh and signer_card.sh:
#
#   cd "$(dirname "$0")/../.."
#   . tests/card_env.sh
#   card_env_enter_ns "$0" "$@"   # re-runs the test under unshare -m, or returns
#   . tests/lib.sh
#   card_env_init                 # $T, $CARD, $PORT, reader config, trap card_env_cleanup
#   card_env_start_pcscd || fail_early "..."
#   start_card || fail_early "..."
#
# A test that starts more processes defines card_env_extra_cleanup() to stop them; the trap
# calls it first. CARD_TEST_NO_NS=1 skips the namespace (to test the fallback): the test then
# refuses to run beside another pcscd.

W=${W:-20} # seconds: the limit of every wait
PCSCD_PID= CARD_PID=

card_env_enter_ns() { # card_env_enter_ns "$0" "$@"
	if [ -z "${CARD_TEST_NS:-}" ] && [ -z "${CARD_TEST_NO_NS:-}" ] && [ "$(id -u)" = 0 ] &&
		unshare -m true 2>/dev/null; then
		local script=$1
		shift
		# and a network namespace of its own with only loopback: `openssl ocsp -port N` of
		# OpenSSL 3.0 listens on every interface, and nothing started here may be reachable
		# from outside the machine
		if unshare -n true 2>/dev/null && command -v ip >/dev/null; then
			exec env CARD_TEST_NS=1 unshare -mn --propagation private \
				bash -c 'ip link set lo up && exec bash "$@"' bash "$script" "$@"
		fi
		exec env CARD_TEST_NS=1 unshare -m --propagation private bash "$script" "$@"
	fi
}

stop_pid() { # stop_pid PID: TERM, then KILL after 5 s; returns the exit status
	local pid=$1 rc=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

card_env_cleanup() {
	if declare -F card_env_extra_cleanup > /dev/null; then card_env_extra_cleanup; fi
	stop_pid "$CARD_PID"
	stop_pid "$PCSCD_PID"
	# a failed check: the card's and pcscd's last words, for whoever reads the log
	if [ "${TAP_FAILED:-0}" -gt 0 ]; then
		for f in "$T/card.log" "$T/pcscd.log"; do
			[ -f "$f" ] && { echo "# $f:"; tail -n 40 "$f" | sed 's/^/#   /'; }
		done
	fi
	[ -n "${CARD_TEST_NS:-}" ] && umount /run/pcscd 2>/dev/null
	rm -rf "$T"
}

fail_early() { # fail_early DESCRIPTION: a failed check, the logs, the end
	not_ok "$1"
	for f in "$T"/*.log; do [ -f "$f" ] && { echo "# $f:"; tail -n 30 "$f" | sed 's/^/#   /'; }; done
	tap_end
	exit 1
}

t() { timeout "$W" "$@"; }
tq() { timeout "$W" "$@" > /dev/null 2>&1; } # for checks: only the status counts
wait_for() { # wait_for DESCRIPTION COMMAND...: retries for up to $W seconds
	local d=$1; shift
	for _ in $(seq 1 $((W * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	echo "# timed out: $d"
	return 1
}

# card_env_signing_pki: the test PKI in $T/pki with the card $T/card.json of 見取 花子 (born
# 1950-04-01, 女性, at 東京都千代田区千代田1-1; password ABC123, PIN 1234), its signing CA in
# $T/trust/ca.pem (the portal's anchors directory $T/trust), and `openssl ocsp` answering for
# that CA on $OCSP_PORT (pid $OCSP_PID, log $T/ocsp.log; stop it in card_env_extra_cleanup).
# Returns non-zero when a step fails.
card_env_signing_pki() {
	tq "$CARD" pki init "$T/pki" || return 1
	tq "$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '見取 花子' --birth 1950-04-01 --gender 2 \
		--address '東京都千代田区千代田1-1' --password ABC123 --pin 1234 || return 1
	mkdir -p "$T/trust"
	t "$CARD" export --state "$T/card.json" --what sign-ca > "$T/trust/ca.pem" || return 1
	OCSP_PORT=$(free_port)
	: > "$T/ocsp.log"
	openssl ocsp -index "$T/pki/sign/index.txt" -CA "$T/pki/sign/ca.pem" -rsigner "$T/pki/sign/ocsp.pem" \
		-rkey "$T/pki/sign/ocsp.key" -port "$OCSP_PORT" -ndays 1 -ignore_err >> "$T/ocsp.log" 2>&1 &
	OCSP_PID=$!
	wait_for "the OCSP responder listens" grep -qi 'Waiting for OCSP client connections' "$T/ocsp.log"
}

# card_env_browser NODE_SCRIPT: the test PKI with its OCSP responder, pcscd with the vpcd
# reader and the virtual card in it, then the browser part NODE_SCRIPT (it starts its own
# portal) with the signing app ($SEED_SIGN), the card's signing password
# ($SEED_CARD_PASSWORD) and the portal's trust in the test PKI and its responder; its TAP
# lines pass through, and an exit other than 0 is one failure. The responder stops at exit.
card_env_browser() {
	OCSP_PID=
	card_env_extra_cleanup() { stop_pid "$OCSP_PID"; }
	card_env_signing_pki || fail_early "the test PKI, the card and the OCSP responder"
	card_env_start_pcscd || fail_early "pcscd with the vpcd reader"
	start_card || fail_early "the virtual card in the reader"
	ok "card stack: pcscd, the virtual card, the OCSP responder on 127.0.0.1:$OCSP_PORT"
	SEED_SIGN="$TEST_BUILD/madoguchi-sign" SEED_CARD_PASSWORD=abc123 \
		MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" MADOGUCHI_SIGN_OCSP_URL="http://127.0.0.1:$OCSP_PORT" \
		timeout 600 node "$1"
	local rc=$?
	[ $rc -eq 0 ] || not_ok "the browser part ($1) exited $rc"
}

# card_env_init [TOOL...]: the temporary directory $T (removed by the trap), the card binary
# $CARD, the private /run/pcscd, two free ports for vpcd ($PORT, $PORT+1) and the reader
# configuration $T/reader.conf.d; checks that pcscd, opensc-tool and the TOOLs are installed.
card_env_init() {
	CARD="$TEST_BUILD/madoguchi-card"
	T=$(mktemp -d /tmp/madoguchi-card.XXXXXX)
	trap card_env_cleanup EXIT
	if [ -n "${CARD_TEST_NS:-}" ]; then
		mkdir -p /run/pcscd
		mount -t tmpfs -o mode=0755 tmpfs /run/pcscd || fail_early "private /run/pcscd (mount)"
		ok "private mount namespace with its own /run/pcscd"
	elif pgrep -x pcscd >/dev/null; then
		fail_early "another pcscd is running and no private namespace is possible: stop it first"
	else
		ok "no other pcscd runs (shared /run/pcscd, no private namespace)"
	fi
	for tool in pcscd opensc-tool "$@"; do
		command -v "$tool" >/dev/null || fail_early "$tool is installed (run scripts/setup.sh)"
	done
	[ -x "$CARD" ] || fail_early "$CARD is built (make BUILD=$TEST_BUILD SAN=1 $CARD)"

	# vpcd opens two readers, on PORT and PORT+1: find two free ports in a row
	PORT=$(python3 -c '
import socket
for _ in range(200):
    a=socket.socket(); a.bind(("127.0.0.1",0)); p=a.getsockname()[1]
    if p >= 65535: a.close(); continue
    b=socket.socket()
    try: b.bind(("0.0.0.0",p+1)); a.close(); b.close(); print(p); break
    except OSError: a.close(); b.close()')
	local libpath
	libpath=$(awk '$1=="LIBPATH"{print $2}' /etc/reader.conf.d/vpcd 2>/dev/null)
	libpath=${libpath:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}
	mkdir -p "$T/reader.conf.d" "$T/no-readers.conf.d"
	cat > "$T/reader.conf.d/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$PORT
LIBPATH      $libpath
CHANNELID    $PORT
EOF
	# OpenSC: no file cache (every test card has the serial 00000000), nothing from the user's HOME
	cat > "$T/opensc.conf" <<EOF
app default {
	framework pkcs15 {
		use_file_caching = no;
	}
}
EOF
	export OPENSC_CONF="$T/opensc.conf" HOME="$T"
}

# card_env_start_pcscd [CONFDIR]: pcscd in the foreground with the vpcd reader (or the readers
# of CONFDIR: "$T/no-readers.conf.d" has none); waits until it answers.
card_env_start_pcscd() {
	local conf=${1:-$T/reader.conf.d}
	pcscd --foreground --auto-exit -c "$conf" >> "$T/pcscd.log" 2>&1 &
	PCSCD_PID=$!
	if [ "$conf" = "$T/reader.conf.d" ]; then
		wait_for "pcscd answers" sh -c 'timeout 5 opensc-tool -l | grep -q "Virtual PCD 00 00"'
	else
		wait_for "pcscd answers" sh -c 'timeout 5 opensc-tool -l 2>&1 | grep -q "No smart card readers found"'
	fi
}
card_env_stop_pcscd() {
	stop_pid "$PCSCD_PID"
	PCSCD_PID=
	# the next pcscd must not find the old socket
	for _ in $(seq 1 50); do [ -e /run/pcscd/pcscd.comm ] || break; sleep 0.1; done
}

card_present() { t opensc-tool -l 2>/dev/null | grep -q '^0 *Yes .*Virtual PCD 00 00'; }
card_absent() { t opensc-tool -l 2>/dev/null | grep -q '^0 *No .*Virtual PCD 00 00'; }
start_card() { # start_card [serve options...]: the card of $T/card.json into the first reader
	# a card stopped just before may still be in pcscd's view: seen "present", the new card
	# would be taken for it while its connection is still refused
	wait_for "the reader is empty" card_absent || return 1
	"$CARD" serve --state "$T/card.json" --vpcd "127.0.0.1:$PORT" --verbose "$@" \
		>> "$T/card.log" 2>&1 &
	CARD_PID=$!
	wait_for "the card is in the reader" card_present
}
stop_card() { # the card must end cleanly: exit status 0 (ASan/LSan included)
	local rc=0
	stop_pid "$CARD_PID" || rc=$?
	CARD_PID=
	return $rc
}

# card_env_start_portal VAR=value...: the portal of TEST_BUILD for the signing tests, its
# database, access log and log ($T/portal.log) in $T, in development mode with mails kept,
# cheap argon2 and the signing CA of $T/trust as its anchor, plus the settings given (the
# revocation source); sets PORTAL_PID, PORTAL_PORT and U, and waits until it answers.
card_env_start_portal() {
	PORTAL_PORT=$(free_port)
	U="http://127.0.0.1:$PORTAL_PORT"
	env MADOGUCHI_PORT="$PORTAL_PORT" MADOGUCHI_BASE_URL="$U" MADOGUCHI_DATABASE="$(portal_db_url "$T")" \
		MADOGUCHI_DEV_MODE=1 MADOGUCHI_ACCESS_LOG="$T/access.log" MADOGUCHI_THREADS=2 MADOGUCHI_MAIL_MODE=dev \
		MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1 MADOGUCHI_REFDATA_DIR="$TEST_BUILD/refdata" \
		MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" "$@" "$TEST_BUILD/madoguchi" > "$T/portal.log" 2>&1 &
	PORTAL_PID=$!
	wait_for "the portal answers" curl -sf -o /dev/null "$U/healthz"
}
