# staff_lib: what the staff console's integration tests share (staff_login.sh,
# staff_inbox.sh). Source after tests/lib.sh; staff_test_start sets T (the test's directory),
# U (the portal's URL), DB (its database) and J (the default cookie jar) that the others use.
# Codes come from oathtool, an implementation of RFC 6238 other than the portal's liboath
# calls.

# staff_test_start NAME: a temporary directory removed on exit, oathtool present, and a
# portal in development mode (mails kept, argon2 made cheap for the many logins).
staff_test_start() {
	T=$(mktemp -d "/tmp/madoguchi-$1.XXXXXX")
	trap 'stop_portal; rm -rf "$T"' EXIT
	command -v oathtool > /dev/null || { not_ok "oathtool is installed (scripts/setup.sh)"; tap_end; exit 1; }
	export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1
	start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
	U=$PORTAL_URL
	DB="$T/portal.db"
	J="$T/jar"
}

csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -1 | sed 's/.*value="\([^"]*\)"/\1/'; }
# get PATH [JAR]; post PATH [curl args...] (jar $J); the page in $T/page.html, headers in $T/h
get() { curl -s -b "${2:-$J}" -c "${2:-$J}" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$U$1"; }
post() { local path=$1; shift; curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$@" "$U$path"; }
staff_add() { MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_BASE_URL="$U" "$TEST_BUILD/madoguchi" staff add "$@"; }
totp() { oathtool --totp -b "$@"; }
none_of() { ! "$@"; } # check takes one command: a negated one through this

# staff_enrol_token TOKEN PASSWORD: enrols the password and the TOTP secret with the
# enrolment link's token (first code of the current step) and prints the secret; nothing on
# failure.
staff_enrol_token() {
	local token=$1 pw=$2 c secret jar="$T/enrol.jar"
	rm -f "$jar"
	get "/staff/enrol?token=$token" "$jar" > /dev/null; c=$(csrf_of "$T/page.html")
	curl -s -b "$jar" -c "$jar" -o "$T/page.html" --data-urlencode "csrf=$c" --data-urlencode "token=$token" \
		--data-urlencode "password=$pw" --data-urlencode "password2=$pw" "$U/staff/enrol"
	secret=$(grep -o 'otpauth://totp/[^"<]*' "$T/page.html" | head -1 | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
	[ -n "$secret" ] || return 1
	curl -s -b "$jar" -c "$jar" -o "$T/page.html" --data-urlencode "csrf=$c" --data-urlencode "token=$token" \
		--data-urlencode "code=$(totp "$secret")" "$U/staff/enrol/confirm"
	grep -q '<code>[a-z2-7]\{5\}-[a-z2-7]\{5\}</code>' "$T/page.html" || return 1
	echo "$secret"
}

# staff_enrolled EMAIL NAME PASSWORD [staff add options...]: adds a staff member, enrols
# the password and the TOTP secret (first code of the current step) and prints the secret;
# nothing on failure.
staff_enrolled() {
	local email=$1 name=$2 pw=$3 out token
	shift 3
	out=$(staff_add --email "$email" --name "$name" "$@") || return 1
	token=$(grep -o 'token=[A-Za-z0-9_-]*' <<<"$out"); token=${token#token=}
	staff_enrol_token "$token" "$pw"
}

# staff_login_as JAR EMAIL PASSWORD CODE: a staff login into JAR; prints the HTTP status.
staff_login_as() {
	local jar=$1 c
	curl -s -b "$jar" -c "$jar" -o "$T/page.html" "$U/staff/login"; c=$(csrf_of "$T/page.html")
	curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$c" --data-urlencode "email=$2" \
		--data-urlencode "password=$3" --data-urlencode "code=$4" "$U/staff/login"
}

# hidden NAME: the value of the hidden field NAME of $T/page.html.

# road_report LOCATION [NAME [DETAILS]]: a road/park report submitted without login (the reporter's
# name and the details (穴 unless given), optional); prints its receipt.
road_report() {
	local jar="$T/r.jar" c
	rm -f "$jar"
	curl -s -b "$jar" -c "$jar" -o "$T/page.html" "$U/procedures/road-park-report/form"; c=$(csrf_of "$T/page.html")
	curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$c" --data-urlencode kind=road_damage \
		--data-urlencode "location=$1" --data-urlencode "details=${3:-穴}" --data-urlencode "name=${2:-}" \
		--data-urlencode action=next "$U/procedures/road-park-report/form"
	curl -s -b "$jar" -c "$jar" -o "$T/page.html" "$U/procedures/road-park-report/confirm"
	curl -s -b "$jar" -c "$jar" -D "$T/h" -o /dev/null --data-urlencode "csrf=$(csrf_of "$T/page.html")" \
		--data-urlencode "key=$(hidden key)" --data-urlencode "digest=$(hidden digest)" --data-urlencode confirmed=1 \
		"$U/procedures/road-park-report/submit"
	grep -i '^location:' "$T/h" | tr -d '\r' | sed -n 's|.*/applications/\([0-9-]*\)/complete|\1|p'
}

# demo_login JAR: the demo resident logs in into JAR; prints the HTTP status.
demo_login() {
	curl -s -b "$1" -c "$1" -o "$T/page.html" "$U/login"
	curl -s -b "$1" -c "$1" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$(hidden csrf)" \
		--data-urlencode email=demo@example.jp --data-urlencode password=madoguchi-demo-2026 "$U/login"
}

# gomi_apply JAR ITEMS [NAME]: a large-waste collection (sodaigomi-collection) of ITEMS
# submitted by the resident logged in into JAR, the name 山田太郎 unless given; prints its
# receipt.
gomi_apply() {
	local jar=$1 s=/procedures/sodaigomi-collection
	curl -s -b "$jar" -c "$jar" -o "$T/page.html" "$U$s/form"
	curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$(hidden csrf)" --data-urlencode "items=$2" \
		--data-urlencode item_count=1 --data-urlencode place=house --data-urlencode "name=${3:-山田太郎}" \
		--data-urlencode postal_code=1000001 --data-urlencode address=千代田1-1 \
		--data-urlencode phone=03-0000-0000 --data-urlencode action=next "$U$s/form"
	curl -s -b "$jar" -c "$jar" -o "$T/page.html" "$U$s/confirm"
	curl -s -b "$jar" -c "$jar" -D "$T/h" -o /dev/null --data-urlencode "csrf=$(hidden csrf)" \
		--data-urlencode "key=$(hidden key)" --data-urlencode "digest=$(hidden digest)" \
		--data-urlencode confirmed=1 "$U$s/submit"
	location | sed -n 's|^/applications/\([^/]*\)/complete$|\1|p'
}
