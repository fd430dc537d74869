#!/bin/bash
# Run AWS's SPEKE v2 verification test suite (awslabs/speke-reference-server,
# spekev2_verification_testsuite) against `segcrypt key-server` on 127.0.0.1, live and --test-vod.
#
#   scripts/speke-v2-conformance.sh /path/to/speke-reference-server-checkout
#
# Needs Debian's python3-pytest python3-m3u8 python3-boto3 python3-requests python3-aws-requests-auth
# and a built segcrypt (npm run build). The suite signs every request with SigV4 for an API Gateway
# host; for a loopback URL this script makes that helper return no auth, in the checkout given
# (one inserted `if`, nothing else changed). pytest-html is not needed: its options are dropped.
set -euo pipefail
SUITE_REPO=${1:?usage: $0 SPEKE_REFERENCE_SERVER_CHECKOUT}
HERE=${SEGCRYPT_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
PORT=${PORT:-18712}
PY=${PYTHON:-/usr/bin/python3}
SUITE="$SUITE_REPO/spekev2_verification_testsuite"
UTILS="$SUITE/helpers/utils.py"
[ -f "$UTILS" ] || { echo "no $UTILS" >&2; exit 2; }
if ! grep -q 'segcrypt: loopback' "$UTILS"; then
  sed -i 's|^\(    api_gateway_netloc = urlparse(url).netloc\)$|\1\n    if urlparse(url).hostname in ("127.0.0.1", "localhost", "::1"):\n        return None  # segcrypt: loopback key server, no SigV4|' "$UTILS"
  grep -q 'segcrypt: loopback' "$UTILS" || { echo "could not patch $UTILS (get_aws_auth changed?)" >&2; exit 2; }
fi
SECRET_FILE=$(mktemp)
openssl rand -hex 32 > "$SECRET_FILE"
node "$HERE/bin/segcrypt.js" key-server --host 127.0.0.1 --port "$PORT" --secret-file "$SECRET_FILE" >/dev/null 2>&1 &
KS=$!
trap 'kill $KS 2>/dev/null; rm -f "$SECRET_FILE"' EXIT
URL="http://127.0.0.1:$PORT/speke/copyProtection"
for i in $(seq 1 100); do curl -s -o /dev/null "$URL" && break; sleep 0.1; done
cd "$SUITE"
status=0
for mode in live vod; do
  extra=(); [ "$mode" = vod ] && extra=(--test-vod)
  echo "== $mode: pytest --speke-url $URL ${extra[*]}"
  "$PY" -m pytest -q -o addopts= -p no:cacheprovider --speke-url "$URL" "${extra[@]}" | tail -n 3 || status=1
done
exit $status
