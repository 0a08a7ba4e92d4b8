#!/usr/bin/env bash
# The ssh command of the EC2 test harness (tests/cluster/ec2.sh exports it as EC2_SSH,
# for fanout's --ssh): takes ssh's own arguments and runs the system's ssh with the
# test hosts' config (ssh -F $HOSTS_SSH_CONFIG ...) only when the destination is a
# test host's address, $HOSTS_SUBNET.2 to .254 (10.232.0.0/24). Anything else is
# refused before a packet is sent: exit status 255, as ssh's own failures, with
#
#   ec2_ssh.sh: refusing to connect to ADDR: outside the test hosts' network 10.232.0.0/24
#
#   bash tests/cluster/ec2_ssh.sh [--harness=DIR] [SSH OPTIONS] DESTINATION [COMMAND...]
#
# DIR is the harness's directory (EC2_DIR; ec2_up puts it in EC2_SSH): its ec2.env
# names the subnet and the ssh config. The destination is the first argument that is
# not an option or an option's value (the options that take one: -B -b -c -D -E -e -F
# -I -i -J -L -l -m -O -o -P -p -Q -R -S -W -w, the value attached or the next
# argument), as ADDR, USER@ADDR or ssh://[USER@]ADDR[:PORT]; it must be a dotted
# IPv4 address (no names: nothing is looked up). The login is always the test user's:
# a user asked for (USER@, -l USER, -o User=USER) is dropped and logged. Refused too,
# as they would send packets elsewhere or replace the config: -F, -J, -R, -w and -o
# ProxyCommand, ProxyJump, HostName, RemoteForward, LocalCommand, PermitLocalCommand,
# Tunnel, TunnelDevice, Include, Match, CanonicalizeHostname. Everything else (-o
# StrictHostKeyChecking=..., UserKnownHostsFile, ControlPath, ...) goes to ssh
# unchanged; ssh takes the first value of an option and the command line before the
# config, so the caller's options win over the config's. Once the harness has failed
# (DIR/FAILED), every connection is refused. Each call is logged to DIR/ssh.log.
set -u -o pipefail

harness=${EC2_DIR:-}
if [[ ${1:-} == --harness=* ]]; then
  harness=${1#--harness=}
  shift
fi
orig=("$@")

say() { echo "ec2_ssh.sh: $*" >&2; }
log() {
  [[ -n $harness && -d $harness ]] || return 0
  printf '%s %s dest=%s user=%s: %s; args: %s\n' "$(date +%H:%M:%S.%3N)" "$1" "${host:-${dest:--}}" \
    "${user:--}" "$2" "$(printf '%q ' "${orig[@]}")" >>"$harness/ssh.log" 2>/dev/null
  return 0
}
refuse() {
  say "$*"
  log refused "$*"
  exit 255
}

if [[ -z $harness || ! -f $harness/ec2.env ]]; then
  refuse "no EC2 test harness in '${harness}' (no ec2.env): ec2_up first, and use its EC2_SSH"
fi
subnet='' cfg=''
while IFS='=' read -r key value; do
  case $key in
    subnet) subnet=$value ;;
    ssh_config) cfg=$value ;;
  esac
done <"$harness/ec2.env"
[[ $subnet =~ ^[0-9]+\.[0-9]+\.[0-9]+$ && -f $cfg ]] || refuse "bad $harness/ec2.env (subnet '$subnet', ssh_config '$cfg')"
net="$subnet.0/24"
if [[ -s $harness/FAILED ]]; then
  refuse "refusing every connection: the EC2 test harness has failed: $(head -c 600 "$harness/FAILED" | tr '\n' ' ')"
fi

# ---- the arguments --------------------------------------------------------------
with_value=BbcDEeFIiJLlmOoPpQRSWw
flags=46AaCfGgKkMNnqsTtVvXxYy
user='' dest='' dest_at=-1 host='' port=''
args=("$@")
out=()
i=0
while ((i < ${#args[@]})); do
  a=${args[i]}
  if [[ $a == -- ]]; then
    out+=("$a")
    i=$((i + 1))
    if ((i < ${#args[@]})); then
      dest=${args[i]} dest_at=${#out[@]}
      out+=("$dest")
      i=$((i + 1))
    fi
    break
  fi
  if [[ $a != -?* ]]; then
    dest=$a dest_at=${#out[@]}
    out+=("$a")
    i=$((i + 1))
    break
  fi
  # One argument of options: flags, then perhaps one option that takes a value.
  j=1 keep=1 taken=0 opt='' value=''
  while ((j < ${#a})); do
    c=${a:j:1}
    if [[ $with_value == *"$c"* ]]; then
      opt=$c
      if ((j + 1 < ${#a})); then
        value=${a:j+1}
      elif ((i + 1 < ${#args[@]})); then
        value=${args[i + 1]} taken=1
      else
        refuse "option -$c needs a value"
      fi
      break
    elif [[ $flags == *"$c"* ]]; then
      j=$((j + 1))
    else
      refuse "unknown ssh option -$c (in '$a')"
    fi
  done
  case $opt in
    F) refuse "refusing -F $value: ec2_ssh.sh gives ssh the test hosts' config ($cfg), which another -F would replace" ;;
    J) refuse "refusing -J $value: a jump host is a connection to somewhere else" ;;
    R) refuse "refusing -R $value: remote forwarding makes this machine connect where the far end asks" ;;
    w) refuse "refusing -w $value: tunnel devices" ;;
    l) user=$value keep=0 ;;
    o)
      kw=${value%%[=[:space:]]*}
      rest=${value:${#kw}}
      rest=${rest#"${rest%%[!=[:space:]]*}"}
      case ${kw,,} in
        proxycommand | proxyjump | hostname | remoteforward | localcommand | permitlocalcommand | tunnel | \
          tunneldevice | include | match | canonicalizehostname)
          refuse "refusing -o $value: it could send the connection, or packets, elsewhere" ;;
        user) user=$rest keep=0 ;;
      esac
      ;;
  esac
  if ((keep)); then
    out+=("$a")
    ((taken)) && out+=("${args[i + 1]}")
  elif ((j > 1)); then
    out+=("-${a:1:j-1}")  # the flags in front of the dropped option
  fi
  i=$((i + 1 + taken))
done
out+=("${args[@]:i}")

if [[ -z $dest ]]; then
  # No destination: ssh connects nowhere (a usage error, -V).
  log allowed "no destination"
  exec ssh -F "$cfg" "${out[@]}"
fi

# ---- the destination ------------------------------------------------------------
host=$dest
if [[ $host == ssh://* ]]; then
  host=${host#ssh://}
  host=${host%/}
  if [[ $host == *@* ]]; then
    user=${host%@*} host=${host##*@}
  fi
  if [[ $host == *:* ]]; then
    port=${host##*:} host=${host%:*}
    [[ $port =~ ^[0-9]{1,5}$ ]] || refuse "bad port in $dest"
  fi
elif [[ $host == *@* ]]; then
  user=${host%@*} host=${host##*@}
fi
if [[ $host != "$subnet".* ]]; then
  refuse "refusing to connect to $host: outside the test hosts' network $net"
fi
last=${host#"$subnet".}
if ! [[ $last =~ ^(25[0-4]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[2-9])$ ]]; then
  refuse "refusing to connect to $host: not a test host's address in $net (.2 to .254, written plainly)"
fi
out[dest_at]=$host
[[ -n $port ]] && out=(-p "$port" "${out[@]}")
log allowed "ssh -F $cfg"
exec ssh -F "$cfg" "${out[@]}"
