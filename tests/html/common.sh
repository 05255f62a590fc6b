# Sourced by the headless-Chromium checks (check.sh, flip_check.sh): Chromium installed (Debian's
# package) when missing, `coinflip` (the binary in $COINFLIP that .ci/run passes, else cargo
# run), and $dir for the files they leave ($HTML_CHECK_DIR, default a temp dir).
if ! command -v chromium > /dev/null; then
  echo "installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi

if [ -n "${COINFLIP:-}" ]; then
  coinflip() { "$COINFLIP" "$@"; }
else
  coinflip() { cargo run --locked --quiet -- "$@"; }
fi

dir="${HTML_CHECK_DIR:-$(mktemp -d)}"
mkdir -p "$dir"
