#!/usr/bin/env python3
"""The machines behind moto's EC2 instances, for the cluster tests (tests/cluster/ec2.sh).

moto's instances never boot. `watch` polls DescribeInstances (every --interval
seconds, 0.2) and, for every instance moto reports as pending or running with a
private address, brings a test host up at exactly that address (hosts.sh's host_add,
run in `bash` attached to the harness's cluster); when the instance is stopped,
shutting down or terminated, it takes that host down (host_remove). Host I is at
SUBNET.(ADDR_BASE + I), so the index is the address's last number less --addr-base.

Every address an instance shows, private or public, in any state, must lie in
--subnet-cidr: one outside it (an instance in moto's default VPC, a public address)
is refused: the watcher says so on stderr and in its log, writes the reason to
DIR/FAILED, and from then on brings no host up or down (ec2_down takes down what is
left). So does a host that will not come up, two live instances at one address, or a
moto that stops answering.

Knobs, in DIR/ec2_knobs (re-read when it changes; ec2.sh's ec2_knob writes it):
  unreachable=N M ...   the Nth, Mth ... instance the watcher sees (1-based, in the
                        order moto lists them: launch order) gets no host: it never
                        answers
  boot_seconds=S        bring each host up S seconds after its instance first shows
                        up (a machine booting)
and per instance, tags: fanout-test:unreachable (any value but "false" or "0": no host,
and a host that is up goes down when the tag appears) and fanout-test:boot-seconds=S.

It logs what it sees and does to DIR/ec2_watch.log and keeps DIR/ec2_hosts (one line
per host up: "ADDRESS INDEX INSTANCE_ID") and DIR/ec2_instances ("N INSTANCE_ID STATE
ADDRESS WHAT", WHAT being host, unreachable, booting or down). On SIGTERM it stops
watching, waits for the host changes under way, takes its hosts down and exits
(status 3 if the harness had failed, else 0). The process that started it (--parent,
the test's shell) dying sends it SIGTERM too; the hosts then stay (hosts_attach
refuses a cluster whose owner is gone) for the next run's hosts_init to clear. It is
the child subreaper of the processes it starts, so their orphans (the hosts' sshds)
are reaped here.

The other subcommands: `setup` creates the harness's VPC, subnet, security group and
key pair in moto (with boto3) and prints them as NAME=VALUE lines; `instances` prints
"ID STATE PRIVATE_ADDRESS" per instance, optionally only those in the given states.
DescribeInstances is read with the standard library (no SDK start-up: fast enough
to poll), signed with a dummy SigV4 header, which moto takes to route the request.
"""

import argparse
import ctypes
import ipaddress
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

LIVE = ("pending", "running")
UNREACHABLE_TAG = "fanout-test:unreachable"
BOOT_TAG = "fanout-test:boot-seconds"
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


# ---- DescribeInstances without an SDK ---------------------------------------------


def _strip_ns(root):
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def describe_instances(endpoint, region, timeout=5.0):
    """Every instance moto knows, in its order: a list of dicts."""
    body = urllib.parse.urlencode({"Action": "DescribeInstances", "Version": "2016-11-15"}).encode()
    key = os.environ.get("AWS_ACCESS_KEY_ID", "testing")
    day = time.strftime("%Y%m%d", time.gmtime())
    req = urllib.request.Request(
        endpoint.rstrip("/") + "/",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            # moto routes on the credential scope's service and does not check the signature.
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/{day}/{region}/ec2/aws4_request, "
            "SignedHeaders=content-type;host, Signature=" + "0" * 64,
            "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        },
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        root = _strip_ns(ET.fromstring(resp.read()))
    if root.tag != "DescribeInstancesResponse":
        raise RuntimeError("unexpected answer to DescribeInstances: " + ET.tostring(root, encoding="unicode")[:300])
    out = []
    for res in root.findall("reservationSet/item"):
        for inst in res.findall("instancesSet/item"):
            addrs = []  # (kind, address) of every interface
            for nic in inst.findall("networkInterfaceSet/item"):
                for p in nic.findall("privateIpAddressesSet/item"):
                    a = p.findtext("privateIpAddress")
                    if a:
                        addrs.append(("private", a))
                    pub = p.findtext("association/publicIp")
                    if pub:
                        addrs.append(("public", pub))
                a = nic.findtext("privateIpAddress")
                if a:
                    addrs.append(("private", a))
                pub = nic.findtext("association/publicIp")
                if pub:
                    addrs.append(("public", pub))
            private = inst.findtext("privateIpAddress") or None
            public = inst.findtext("ipAddress") or None
            if private:
                addrs.append(("private", private))
            if public:
                addrs.append(("public", public))
            out.append(
                {
                    "id": inst.findtext("instanceId"),
                    "state": inst.findtext("instanceState/name"),
                    "private": private,
                    "public": public,
                    "addresses": sorted(set(addrs)),
                    "tags": {t.findtext("key"): t.findtext("value") or "" for t in inst.findall("tagSet/item")},
                    "lifecycle": inst.findtext("instanceLifecycle"),
                    "subnet": inst.findtext("subnetId"),
                }
            )
    return out


# ---- the watcher --------------------------------------------------------------------


class Watcher:
    def __init__(self, a):
        self.a = a
        self.net = ipaddress.ip_network(a.subnet_cidr)
        self.t0 = time.monotonic()
        self.log_file = open(os.path.join(a.dir, "ec2_watch.log"), "a", buffering=1)
        self.lock = threading.Lock()  # seen, hosts, busy, failed
        self.reap_lock = threading.Lock()  # starting a child vs reaping orphans
        self.children = set()  # PIDs of the children subprocess waits for
        self.seen = {}  # instance id -> {"n", "first", "said"}
        self.hosts = {}  # address -> instance id, hosts up
        self.busy = set()  # addresses with a host_add or host_remove under way
        self.failed = None
        self.stop = False
        self.knobs_mtime = None
        self.unreachable = set()
        self.boot_seconds = 0.0
        self.last_ok = time.monotonic()
        self.pool = ThreadPoolExecutor(max_workers=4)

    # -- output
    def log(self, msg):
        self.log_file.write(f"{time.monotonic() - self.t0:9.3f} {time.strftime('%H:%M:%S')} {msg}\n")

    def fail(self, msg):
        with self.lock:
            first = self.failed is None
            if first:
                self.failed = msg
        self.log("FAIL: " + msg)
        if first:
            with open(os.path.join(self.a.dir, "FAILED"), "a") as f:
                f.write(msg + "\n")
            sys.stderr.write(
                f"ec2_watch.py: FAIL: {msg} (the EC2 test harness has failed: no host comes up or goes down any more; log: {self.log_file.name})\n"
            )
            sys.stderr.flush()

    def write_status(self, insts):
        lines = []
        with self.lock:
            for inst in insts:
                rec = self.seen.get(inst["id"])
                if not rec:
                    continue
                addr = inst["private"] or "-"
                if self.hosts.get(addr) == inst["id"]:
                    what = "host"
                elif inst["state"] not in LIVE:
                    what = "down"
                elif self._unreachable(rec["n"], inst["tags"]):
                    what = "unreachable"
                else:
                    what = "booting"
                lines.append(f"{rec['n']} {inst['id']} {inst['state']} {addr} {what}\n")
            hosts = [f"{a} {self.index(a)} {i}\n" for a, i in sorted(self.hosts.items(), key=lambda x: self.index(x[0]))]
        for name, text in (("ec2_instances", "".join(lines)), ("ec2_hosts", "".join(hosts))):
            path = os.path.join(self.a.dir, name)
            with open(path + ".tmp", "w") as f:
                f.write(text)
            os.replace(path + ".tmp", path)

    # -- knobs
    def read_knobs(self):
        path = os.path.join(self.a.dir, "ec2_knobs")
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime == self.knobs_mtime:
            return
        self.knobs_mtime = mtime
        unreachable, boot = set(), 0.0
        if mtime is not None:
            with open(path) as f:
                for line in f:
                    key, _, value = line.strip().partition("=")
                    try:
                        if key == "unreachable":
                            unreachable = {int(v) for v in value.replace(",", " ").split()}
                        elif key == "boot_seconds":
                            boot = float(value or 0)
                    except ValueError:
                        self.fail(f"bad knob in {path}: {line.strip()!r}")
        self.unreachable, self.boot_seconds = unreachable, boot
        self.log(f"knobs: unreachable={sorted(unreachable)} boot_seconds={boot:g}")

    def _unreachable(self, n, tags):
        v = tags.get(UNREACHABLE_TAG)
        return n in self.unreachable or (v is not None and v.lower() not in ("false", "0"))

    def _boot_seconds(self, tags):
        try:
            return float(tags[BOOT_TAG])
        except (KeyError, ValueError):
            return self.boot_seconds

    # -- addresses and hosts
    def index(self, addr):
        return int(ipaddress.ip_address(addr)) - int(self.net.network_address) - self.a.addr_base

    def inside(self, addr):
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        # Not the network, gateway or broadcast address: those are no host's.
        return ip in self.net and int(ip) - int(self.net.network_address) >= 2 and ip != self.net.broadcast_address

    def run_hosts(self, what, index):
        """Runs hosts.sh's `what` (host_add or host_remove) for host `index`, attached to the cluster."""
        script = 'source "$1" || exit 9; hosts_attach "$2" || exit 8; ' + what + ' "$3"'
        with self.reap_lock:
            p = subprocess.Popen(
                ["bash", "-c", script, "ec2_watch", self.a.hosts_lib, self.a.dir, str(index)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            self.children.add(p.pid)
        try:
            out, _ = p.communicate(timeout=self.a.op_seconds)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            out = (out or "") + f"\n(stopped after {self.a.op_seconds} s)"
            rc = 124
        else:
            rc = p.returncode
        finally:
            with self.reap_lock:
                self.children.discard(p.pid)
        return rc, (out or "").strip()

    def add(self, addr, iid):
        i = self.index(addr)
        t = time.monotonic()
        rc, out = self.run_hosts("host_add", i)
        with self.lock:
            self.busy.discard(addr)
            if rc == 0:
                self.hosts[addr] = iid
            n = self.seen[iid]["n"]
            since = t - self.seen[iid]["first"]
        if rc == 0:
            self.log(f"host h{i} up at {addr} for instance #{n} {iid} (host_add {time.monotonic() - t:.2f} s; {time.monotonic() - t + since:.2f} s after the instance showed up)")
        elif not self.stop:
            self.fail(f"cannot bring up host h{i} at {addr} for instance {iid}: host_add exited {rc}: {out[-800:]}")
        if out and rc == 0:
            self.log(f"  host_add {i}: {out[-400:]}")

    def remove(self, addr, why):
        i = self.index(addr)
        rc, out = self.run_hosts("host_remove", i)
        with self.lock:
            self.busy.discard(addr)
            iid = self.hosts.pop(addr, None)
        if rc == 0:
            self.log(f"host h{i} at {addr} down ({why})")
        elif not self.stop:
            self.fail(f"cannot take down host h{i} at {addr} (instance {iid}): host_remove exited {rc}: {out[-800:]}")
        else:
            self.log(f"host h{i} at {addr}: host_remove exited {rc}: {out[-400:]}")

    # -- one look at moto
    def poll(self):
        try:
            insts = describe_instances(self.a.endpoint, self.a.region)
        except (OSError, urllib.error.URLError, ET.ParseError, RuntimeError) as e:
            if time.monotonic() - self.last_ok > self.a.moto_seconds:
                self.fail(f"moto at {self.a.endpoint} has not answered DescribeInstances for {self.a.moto_seconds:g} s: {e}")
            return
        self.last_ok = time.monotonic()
        self.read_knobs()
        now = time.monotonic()
        for inst in insts:
            if inst["id"] in self.seen:
                continue
            n = len(self.seen) + 1
            self.seen[inst["id"]] = {"n": n, "first": now, "said": set()}
            self.log(
                f"instance #{n} {inst['id']}: {inst['state']}, private {inst['private']}, public {inst['public']}, "
                f"subnet {inst['subnet']}, lifecycle {inst['lifecycle']}, tags {inst['tags']}"
            )
        for inst in insts:
            for kind, addr in inst["addresses"]:
                if not self.inside(addr):
                    self.fail(
                        f"instance {inst['id']} ({inst['state']}) has the {kind} address {addr}, outside the test hosts' network "
                        f"{self.net} (subnet {inst['subnet']}): it is not a test host, and nothing may connect to it"
                    )
        if self.failed:
            self.write_status(insts)
            return
        desired = {}
        for inst in insts:
            rec = self.seen[inst["id"]]
            addr = inst["private"]
            if inst["state"] not in LIVE or not addr:
                continue
            if self._unreachable(rec["n"], inst["tags"]):
                if "unreachable" not in rec["said"]:
                    rec["said"].add("unreachable")
                    self.log(f"instance #{rec['n']} {inst['id']} at {addr}: unreachable, no host")
                continue
            delay = self._boot_seconds(inst["tags"])
            if now < rec["first"] + delay:
                if "booting" not in rec["said"]:
                    rec["said"].add("booting")
                    self.log(f"instance #{rec['n']} {inst['id']} at {addr}: its host comes up after {delay:g} s")
                continue
            if addr in desired:
                self.fail(f"two live instances at {addr}: {desired[addr]} and {inst['id']}")
                return
            desired[addr] = inst["id"]
        with self.lock:
            for addr in sorted(set(desired) | set(self.hosts), key=self.index):
                if addr in self.busy:
                    continue
                want, have = desired.get(addr), self.hosts.get(addr)
                if have and have != want:
                    self.busy.add(addr)
                    why = f"instance {have} is no longer live or is unreachable" if not want else f"instance {want} now has its address, not {have}"
                    self.pool.submit(self.remove, addr, why)
                elif want and not have:
                    self.busy.add(addr)
                    self.pool.submit(self.add, addr, want)
        self.write_status(insts)

    # -- children
    def reap(self):
        """Reaps zombies among this process's children that subprocess does not wait for."""
        me = os.getpid()
        with self.reap_lock:
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                pid = int(name)
                if pid in self.children:
                    continue
                try:
                    with open(f"/proc/{name}/stat") as f:
                        stat = f.read()
                except OSError:
                    continue
                fields = stat[stat.rfind(")") + 2 :].split()
                if len(fields) > 1 and fields[0] == "Z" and int(fields[1]) == me:
                    try:
                        os.waitpid(pid, os.WNOHANG)
                    except ChildProcessError:
                        pass

    def run(self):
        self.log(f"watching {self.a.endpoint} ({self.a.region}) for instances in {self.net}; hosts.sh cluster in {self.a.dir}")
        ready = os.path.join(self.a.dir, "ec2_watch.ready")
        while not self.stop:
            t = time.monotonic()
            self.poll()
            self.reap()
            if not os.path.exists(ready):
                open(ready, "w").close()
            time.sleep(max(0.0, self.a.interval - (time.monotonic() - t)))
        self.log("stopping: waiting for the host changes under way, then taking the hosts down")
        self.pool.shutdown(wait=True)
        with self.lock:
            addrs = list(self.hosts)
        pool = ThreadPoolExecutor(max_workers=4)
        for addr in addrs:
            pool.submit(self.remove, addr, "the watcher stops")
        pool.shutdown(wait=True)
        self.reap()
        self.log("stopped" + (f" (the harness had failed: {self.failed})" if self.failed else ""))
        return 3 if self.failed else 0


def watch(a):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    w = Watcher(a)

    def on_term(signum, frame):
        w.stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if a.parent and os.getppid() != a.parent:
        w.log(f"the process that started the watcher ({a.parent}) is gone already")
        return 1
    return w.run()


# ---- setup and listing ----------------------------------------------------------


def setup(a):
    import boto3

    c = boto3.client("ec2", endpoint_url=a.endpoint, region_name=a.region)

    def tags(kind):
        return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": a.name}]}]

    vpc = c.create_vpc(CidrBlock=a.vpc_cidr, TagSpecifications=tags("vpc"))["Vpc"]["VpcId"]
    sub = c.create_subnet(VpcId=vpc, CidrBlock=a.subnet_cidr, AvailabilityZone=a.az, TagSpecifications=tags("subnet"))
    subnet = sub["Subnet"]["SubnetId"]
    c.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
    got = c.describe_subnets(SubnetIds=[subnet])["Subnets"][0]
    if got["CidrBlock"] != a.subnet_cidr or got.get("MapPublicIpOnLaunch") is not False:
        raise SystemExit(f"ec2_watch.py setup: subnet {subnet} is {got['CidrBlock']}, MapPublicIpOnLaunch {got.get('MapPublicIpOnLaunch')}")
    sg = c.create_security_group(
        GroupName=a.name, Description="fanout cluster tests: ssh from the test machine", VpcId=vpc, TagSpecifications=tags("security-group")
    )["GroupId"]
    c.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": a.gateway + "/32"}]}]
    )
    with open(a.public_key, "rb") as f:
        c.import_key_pair(KeyName=a.name, PublicKeyMaterial=f.read())
    # An image moto knows: a Linux one (its list comes from AWS's of years ago).
    images = c.describe_images(Filters=[{"Name": "name", "Values": ["ubuntu/images/*"]}, {"Name": "architecture", "Values": ["x86_64"]}])["Images"]
    if not images:
        images = [i for i in c.describe_images(Owners=["amazon"])["Images"] if i.get("Platform") != "windows"]
    if not images:
        raise SystemExit("ec2_watch.py setup: moto knows no Linux image")
    ami = sorted(images, key=lambda i: i.get("Name") or "")[-1]["ImageId"]
    for k, v in (("EC2_VPC", vpc), ("EC2_SUBNET", subnet), ("EC2_SG", sg), ("EC2_KEY_NAME", a.name), ("EC2_AMI", ami)):
        print(f"{k}={v}")
    return 0


def instances(a):
    states = set(a.state.split(",")) if a.state else None
    for inst in describe_instances(a.endpoint, a.region):
        if states is None or inst["state"] in states:
            print(inst["id"], inst["state"], inst["private"] or "-")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("watch", "setup", "instances"):
        p = sub.add_parser(name)
        p.add_argument("--endpoint", required=True)
        p.add_argument("--region", default="us-east-1")
        if name == "watch":
            p.add_argument("--dir", required=True, help="the hosts.sh cluster's DIR (hosts_init)")
            p.add_argument("--hosts-lib", required=True, help="tests/cluster/hosts.sh")
            p.add_argument("--subnet-cidr", required=True)
            p.add_argument("--addr-base", type=int, default=0)
            p.add_argument("--parent", type=int, default=0)
            p.add_argument("--interval", type=float, default=0.2)
            p.add_argument("--op-seconds", type=float, default=60.0, help="at most this long for one host_add or host_remove")
            p.add_argument("--moto-seconds", type=float, default=15.0, help="fail when moto does not answer for this long")
        elif name == "setup":
            p.add_argument("--name", required=True)
            p.add_argument("--vpc-cidr", required=True)
            p.add_argument("--subnet-cidr", required=True)
            p.add_argument("--az", default="us-east-1a")
            p.add_argument("--gateway", required=True)
            p.add_argument("--public-key", required=True)
        else:
            p.add_argument("--state", default="", help="comma-separated states (default: all)")
    a = ap.parse_args()
    return {"watch": watch, "setup": setup, "instances": instances}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
