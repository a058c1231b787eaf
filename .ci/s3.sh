# Shared by .ci/test: a throwaway S3-compatible server for the PostgreSQL half of the suite,
# which keeps evidence files in object storage. It is moto, pinned, from PyPI, in its own
# virtual environment under target/moto-venv (`python3-venv` is installed with apt when Python
# lacks it, as for Schemathesis). Source it after .ci/pg.sh (apt_install, free_port), then call
# start_throwaway_s3: it exports TEST_S3_URL=http://127.0.0.1:<port>/<bucket>; any key is
# accepted. stop_throwaway_s3 stops it.

MOTO_VERSION=5.2.5

start_throwaway_s3() {
    local venv=$PWD/target/moto-venv
    if [ "$("$venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$MOTO_VERSION" ]; then
        command -v python3 >/dev/null || apt_install python3
        if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
            echo "python3 cannot create virtual environments; installing python3-venv" >&2
            apt_install python3-venv
        fi
        echo "Installing moto $MOTO_VERSION (a local S3-compatible server) into target/moto-venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
    fi
    S3_PORT=$(free_port)
    S3_LOG=$(mktemp /tmp/odr-s3.XXXXXX)
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$S3_LOG" 2>&1 &
    S3_PID=$!
    # Ready once it makes the bucket.
    local tries
    for tries in $(seq 1 100); do
        if "$venv/bin/python" - "$S3_PORT" 2>/dev/null <<'PY'
import sys
import boto3
boto3.client(
    "s3",
    endpoint_url=f"http://127.0.0.1:{sys.argv[1]}",
    aws_access_key_id="odr-test",
    aws_secret_access_key="odr-test-secret",
    region_name="us-east-1",
).create_bucket(Bucket="odr-test")
PY
        then
            export TEST_S3_URL="http://127.0.0.1:$S3_PORT/odr-test"
            echo "Started a throwaway S3-compatible server (moto $MOTO_VERSION) on port $S3_PORT" >&2
            return 0
        fi
        kill -0 "$S3_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "error: the S3-compatible server did not start (after $tries tries); its log:" >&2
    cat "$S3_LOG" >&2
    return 1
}

stop_throwaway_s3() {
    [ -n "${S3_PID:-}" ] && kill "$S3_PID" 2>/dev/null
    [ -n "${S3_LOG:-}" ] && rm -f "$S3_LOG"
    return 0
}
