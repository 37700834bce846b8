# Sourced by the setup scripts: apt_install PACKAGE... installs Debian
# packages non-interactively (through sudo unless root) and says which.
apt_install() {
  echo "== installing: $*"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@"
}
