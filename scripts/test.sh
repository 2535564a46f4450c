#!/usr/bin/env bash
# Runs Cairn's whole test suite, on SQLite and on PostgreSQL.
# Installs and starts PostgreSQL when it is missing or stopped, and fails
# (never skips) when it still cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${CAIRN_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
export CAIRN_TEST_PG="$PG_URL"

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "installing PostgreSQL..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_up; then
  echo "starting PostgreSQL..."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! pg_up; then
  echo "error: PostgreSQL is not reachable at 127.0.0.1:5432; the PostgreSQL half of the store suite cannot run" >&2
  exit 1
fi
# The suite connects as postgres with trust auth on 127.0.0.1; make sure that works.
if ! psql "$PG_URL" -Atc 'SELECT 1' >/dev/null 2>&1; then
  echo "error: cannot connect to $PG_URL (the tests need trust auth for user postgres on 127.0.0.1)" >&2
  exit 1
fi

# The web server's browser tests drive headless Chromium through chromedriver.
# Install both when missing, and fail (never skip) when they still do not run.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "installing Chromium and chromedriver..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! chromium --version >/dev/null 2>&1; then
  echo "error: chromium is missing or does not run; the browser tests of cairn-server cannot run" >&2
  exit 1
fi
if ! chromedriver --version >/dev/null 2>&1; then
  echo "error: chromedriver is missing or does not run; the browser tests of cairn-server cannot run" >&2
  exit 1
fi
CAIRN_CHROMIUM="$(command -v chromium)"
CAIRN_CHROMEDRIVER="$(command -v chromedriver)"
export CAIRN_CHROMIUM CAIRN_CHROMEDRIVER

# Notification mail is tested against a real SMTP server, aiosmtpd from PyPI.
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  echo "installing aiosmtpd..."
  python3 -m pip install -q aiosmtpd 2>/dev/null ||
    python3 -m pip install -q --break-system-packages aiosmtpd
fi
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  echo "error: the SMTP server aiosmtpd is missing (python3 -m pip install aiosmtpd); the mail tests cannot run" >&2
  exit 1
fi

cargo test --workspace --locked "$@"
