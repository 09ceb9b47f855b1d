# tsa_env.sh: the test time-stamp authority (RFC 3161) for integration tests, sourced after
# tests/lib.sh and tests/card_env.sh (wait_for, stop_pid). tsa_env_init DIR makes its PKI with openssl: a root (DIR/tsa-ca.pem) and the
# TSA's certificate (DIR/tsa.pem, key DIR/tsa.key) with extendedKeyUsage critical
# timeStamping, as RFC 3161 requires, and the `openssl ts -reply` configuration DIR/tsa.cnf.
# tsa_env_start DIR PORT starts tests/tsa_server.py (a small HTTP wrapper that runs
# `openssl ts -reply` per request) on 127.0.0.1:PORT (0: an ephemeral port) and sets TSA_PID
# and TSA_PORT; stop it with stop_pid "$TSA_PID" in the test's trap. DIR/mode makes it
# misbehave (see tests/tsa_server.py).

tsa_env_init() {
	local d=$1
	mkdir -p "$d" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/tsa-ca.key" -out "$d/tsa-ca.pem" \
		-subj "/C=JP/O=Madoguchi Test/CN=Test TSA Root" -days 3650 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		> /dev/null 2>&1 || return 1
	openssl req -newkey rsa:2048 -nodes -keyout "$d/tsa.key" -out "$d/tsa.csr" \
		-subj "/C=JP/O=Madoguchi Test/CN=Test TSA" > /dev/null 2>&1 || return 1
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
		'extendedKeyUsage=critical,timeStamping' > "$d/tsa.ext"
	openssl x509 -req -in "$d/tsa.csr" -CA "$d/tsa-ca.pem" -CAkey "$d/tsa-ca.key" \
		-set_serial 2 -days 365 -extfile "$d/tsa.ext" -out "$d/tsa.pem" > /dev/null 2>&1 || return 1
	echo 01 > "$d/tsaserial"
	cat > "$d/tsa.cnf" <<-CNF
	[ tsa ]
	default_tsa = test_tsa
	[ test_tsa ]
	dir = $d
	serial = \$dir/tsaserial
	crypto_device = builtin
	signer_cert = \$dir/tsa.pem
	certs = \$dir/tsa-ca.pem
	signer_key = \$dir/tsa.key
	signer_digest = sha256
	default_policy = 1.2.3.4.1
	digests = sha256, sha384, sha512
	accuracy = secs:1
	ordering = yes
	tsa_name = no
	ess_cert_id_chain = no
	ess_cert_id_alg = sha256
	CNF
}

tsa_env_start() {
	local d=$1 port=$2
	rm -f "$d/port"
	/usr/bin/python3 tests/tsa_server.py "$d" "$port" "$d/port" >> "$d/server.log" 2>&1 &
	TSA_PID=$!
	wait_for "the test TSA listens" test -s "$d/port" || return 1
	TSA_PORT=$(cat "$d/port")
}
