# chorus poll over HTTP/2 and TLS: nginx on 127.0.0.1 with a certificate
# made here, trusted through [poll] ca_file. Every feed of the host must
# come over HTTP/2 on one connection (multiplexed, not one connection per
# feed), the conditional second poll too (304s), and an untrusted
# certificate or a missing ca_file must be named in one line.
. "$(dirname "$0")/lib.sh"
. "$CHORUS_SRC/tests/poll/lib.sh"

NGINX_PID=
stop_nginx() {
	if [ -n "$NGINX_PID" ]; then
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		NGINX_PID=
	fi
}
trap 'stop_nginx; rm -rf "$TMP"' EXIT

srv=$TMP/srv
mkdir -p "$srv/feeds" "$srv/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$srv/key.pem" -out "$srv/cert.pem" 2>/dev/null ||
	fail "openssl made no certificate"
for i in 1 2 3 4 5 6; do
	rss "Outlet $i" "h2-$i|Report $i|Text of report $i." >"$srv/feeds/f$i.xml"
done
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$srv/nginx.conf" <<CONF
$([ "$(id -u)" -eq 0 ] && echo 'user root;')
daemon off;
worker_processes 1;
pid $srv/nginx.pid;
error_log $srv/error.log warn;
events { worker_connections 64; }
http {
	log_format h2 '\$server_protocol \$connection \$status \$request_uri';
	access_log $srv/access.log h2;
	client_body_temp_path $srv/tmp;
	proxy_temp_path $srv/tmp;
	fastcgi_temp_path $srv/tmp;
	uwsgi_temp_path $srv/tmp;
	scgi_temp_path $srv/tmp;
	types { application/rss+xml xml; }
	server {
		listen 127.0.0.1:$PORT ssl http2;
		ssl_certificate $srv/cert.pem;
		ssl_certificate_key $srv/key.pem;
		root $srv/feeds;
		etag on;
	}
}
CONF
nginx -c "$srv/nginx.conf" -p "$srv" 2>"$srv/start.log" &
NGINX_PID=$!
for _ in $(seq 100); do
	"$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.1)' "$PORT" 2>/dev/null && break
	sleep 0.05
done
BASE=https://127.0.0.1:$PORT

site=$(poll_site h2)
for i in 1 2 3 4 5 6; do
	printf '[feed "%s/f%d.xml"]\n' "$BASE" "$i" >>"$site/chorus.ini"
done

# The certificate is not trusted yet: each feed fails, named, in one line.
out=$("$CHORUS" -C "$site" poll 2>&1)
rc=$?
check "untrusted certificate: exit 1 (rc $rc)" [ $rc -eq 1 ]
check "untrusted certificate: named per feed ($out)" [ "$(grep -c "^chorus: $BASE/f[1-6].xml: .*certificate.*\[poll\] ca_file)" <<<"$out")" -eq 6 ]
check "untrusted certificate: nothing stored" [ "$(articles "$site")" -eq 0 ]

printf '[poll]\nca_file = nowhere.pem\n' >>"$site/chorus.ini"
out=$("$CHORUS" -C "$site" poll 2>&1)
rc=$?
check "missing ca_file: exit 2 (rc $rc)" [ $rc -eq 2 ]
check "missing ca_file: named ($out)" grep -q "ca_file $site/nowhere.pem: No such file or directory" <<<"$out"

cp "$srv/cert.pem" "$site/private-ca.pem"
sed -i 's/^ca_file = .*/ca_file = private-ca.pem/' "$site/chorus.ini"
: >"$srv/access.log"
out=$("$CHORUS" -C "$site" poll --force 2>&1)
rc=$?
check "trusted: exit 0 (rc $rc, $out)" [ $rc -eq 0 ]
check "trusted: every feed's item stored" [ "$(articles "$site")" -eq 6 ]
log=$(cat "$srv/access.log")
check "six requests ($log)" [ "$(grep -c '^HTTP/2.0 [0-9]* 200 /f[1-6].xml$' <<<"$log")" -eq 6 ]
check "one connection for all six ($log)" [ "$(awk '{print $2}' <<<"$log" | sort -u | wc -l)" -eq 1 ]

# The conditional poll: the validators go back over HTTP/2, 304 for all.
: >"$srv/access.log"
"$CHORUS" -q -C "$site" poll --force
check "second poll: exit 0" [ $? -eq 0 ]
log=$(cat "$srv/access.log")
check "second poll: six 304s over HTTP/2 ($log)" [ "$(grep -c '^HTTP/2.0 [0-9]* 304 /f[1-6].xml$' <<<"$log")" -eq 6 ]
check "second poll: nothing new stored" [ "$(articles "$site")" -eq 6 ]

stop_nginx
finish
