#!/usr/bin/env python3
"""Synthetic job stats ("fanout_stats": 1, docs/report.md) for the report page's tests.

A small simulation of a job: objects cut into byte-range tasks, slots on hosts
taking the next task when free, a slower host if asked, some attempts that fail
and run again, overdue tasks that get a backup (the loser is cancelled or ends
as a duplicate), reruns, restaged pieces, and a host lost in the middle of the
scan whose running attempts are lost and run elsewhere.

  make_stats.py --tasks 60 --hosts 3 --slots 4 --lost-host --out small.json
  make_stats.py --tasks 0 --hosts 1 --slots 4 --fail 'no object matches data/*.csv'
"""

import argparse
import heapq
import json
import random
import sys

MiB = 1 << 20

CAUSE_SENTENCES = {
    "startup": "Startup took {cost}: the hosts were launched and joined before any task could run.",
    "few_tasks": "There were too few tasks for the slots: {tasks} tasks for {slots} slots left slots idle ({cost}).",
    "critical_path": "The last tasks ran alone: the largest task's {largest} set the end of the scan ({cost}).",
    "slow_machine": "Host {slow} was slower than the others and held up the end of the scan ({cost}).",
    "retries": "Failed and lost attempts ran again and cost {cost}.",
    "scaled_well": "The job scaled well: every slot was busy {busy} of the scan.",
}


def fmt_s(s):
    return "%.2f s" % s


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", type=int, default=60, help="tasks to plan (0: the job fails before any task)")
    p.add_argument("--hosts", type=int, default=3)
    p.add_argument("--slots", type=int, default=4, help="slots per host")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lost-host", nargs="?", type=int, const=-1, default=None, metavar="INDEX",
                   help="lose this host (default: the last) in the middle of the scan")
    p.add_argument("--slow-host", nargs="?", type=int, const=0, default=None, metavar="INDEX",
                   help="make this host (default: the first) 2.5 times slower")
    p.add_argument("--queue-lane", action="store_true",
                   help="cluster-style: each host also runs tasks on one lane past its slots (slot == slots)")
    p.add_argument("--fail", metavar="MESSAGE", default=None, help="the job failed with this error")
    p.add_argument("--mode", default=None, help="job.mode (default: local for 1 host, hosts otherwise)")
    p.add_argument("--command", default="count")
    p.add_argument("--cause", default=None, help="force diagnosis.cause (default: the largest measured)")
    p.add_argument("--nasty-names", action="store_true",
                   help="object urls with </script>, quotes, ampersands and non-ASCII text")
    p.add_argument("--out", default="-", help="file to write (default: standard output)")
    a = p.parse_args(argv)

    rnd = random.Random(a.seed)
    nh = max(1, a.hosts)
    mode = a.mode or ("local" if nh == 1 else "hosts")
    lost_index = None if a.lost_host is None else (a.lost_host % nh)
    slow_index = None if a.slow_host is None else (a.slow_host % nh)

    # Hosts, each joining a little after the previous one when launched.
    hosts = []
    launch_end = 0.05 if mode == "local" else 0.4 + 0.08 * nh
    for i in range(nh):
        name = "local" if mode == "local" and nh == 1 else "node-%02d" % (i + 1)
        joined = 0.0 if mode == "local" else round(launch_end * (0.5 + 0.5 * (i + 1) / nh), 3)
        hosts.append({"name": name, "slots": a.slots, "joined_s": joined, "lost_s": None,
                      "lost": "", "interrupted": ""})
    speeds = [rnd.uniform(0.9, 1.1) * 220e6 for _ in range(nh)]  # bytes/s of one slot
    if slow_index is not None:
        speeds[slow_index] /= 2.5

    # Objects, cut into ranges of range_size.
    range_size = 64 * MiB
    objects, ranges = [], []
    oi = 0
    while len(ranges) < a.tasks:
        pieces = min(a.tasks - len(ranges), rnd.randint(1, 8))
        size = (pieces - 1) * range_size + rnd.randint(range_size // 8, range_size)
        if a.nasty_names and oi % 3 == 1:
            url = "data/</script><b>x & \"y\" año=%d/part-%05d.csv" % (2020 + oi % 5, oi)
        elif a.nasty_names and oi % 3 == 2:
            url = "s3://bucket/trips/ville=Montréal/<%d>.csv" % oi
        elif a.nasty_names:
            url = "data/it's <!-- not --> a \\ comment %d.csv" % oi
        elif oi < 16 * 12:
            url = "data/yellow_tripdata_%04d-%02d.csv" % (2009 + oi // 12, oi % 12 + 1)
        else:
            url = "data/more/part-%06d.csv" % oi
        objects.append({"url": url, "size": size, "format": "csv"})
        for k in range(pieces):
            b = k * range_size
            ranges.append((oi, b, min(size, b + range_size)))
        oi += 1

    listing_end = round(0.05 + 0.002 * min(len(objects), 200) + 0.00005 * len(objects), 3)
    scan_start = listing_end + (launch_end if mode != "local" else 0.02)

    tasks = [{"task": i, "object": o, "begin": b, "end": e, "attempts": []}
             for i, (o, b, e) in enumerate(ranges)]
    lanes_per_host = a.slots + (1 if a.queue_lane else 0)
    total_lanes_slots = nh * a.slots

    # The lost host goes at about 45 % of the expected scan.
    expected_scan = sum(e - b for _, b, e in ranges) / (sum(speeds) * a.slots or 1)
    if lost_index is not None:
        hosts[lost_index]["lost_s"] = round(scan_start + 0.45 * max(expected_scan, 0.5), 3)
        hosts[lost_index]["lost"] = "ssh: connection to %s closed (exit 255)" % hosts[lost_index]["name"]
        if nh > 1 and lost_index != 0:
            hosts[0]["interrupted"] = ""  # one host lost, none interrupted

    # Work items: (ready_time, seq, task_index, kind) where kind is "first", "retry",
    # "backup", "rerun".
    work = []
    seq = 0
    for i in range(len(tasks)):
        heapq.heappush(work, (scan_start, seq, i, "first"))
        seq += 1
    free = []  # (time, host, slot)
    for h in range(nh):
        for s in range(lanes_per_host):
            heapq.heappush(free, (max(scan_start, hosts[h]["joined_s"]) + 0.001 * s, h, s))

    merged = [False] * len(tasks)
    running_primary = {}  # task -> its attempt dict that a backup may race
    scan_end = scan_start
    nattempt = [0] * len(tasks)

    def add(i, h, s, start, end, outcome, backup=False, rerun=False, restaged=False, error="", finished=False):
        nattempt[i] += 1
        t = tasks[i]
        nbytes = t["end"] - t["begin"]
        att = {"attempt": nattempt[i], "host": hosts[h]["name"], "slot": s,
               "start_s": round(start, 4), "end_s": round(end, 4),
               "bytes": nbytes if finished else 0,
               "rows": (nbytes // 130) if finished else 0,
               "backup": backup, "rerun": rerun, "restaged": restaged,
               "outcome": outcome, "error": error}
        t["attempts"].append(att)
        return att

    guard = 0
    while work and free:
        guard += 1
        if guard > 50 * (len(tasks) + 10):
            break
        ft, h, s = heapq.heappop(free)
        lost_at = hosts[h]["lost_s"]
        if lost_at is not None and ft >= lost_at:
            continue  # this slot is gone
        ready, _, i, kind = heapq.heappop(work)
        if merged[i] and kind == "backup":
            heapq.heappush(free, (ft, h, s))
            continue
        start = max(ft, ready) + rnd.uniform(0.0005, 0.004)
        if lost_at is not None and start >= lost_at:
            heapq.heappush(work, (ready, seq, i, kind)); seq += 1
            continue
        t = tasks[i]
        nbytes = t["end"] - t["begin"]
        dur = nbytes / speeds[h] * rnd.uniform(0.8, 1.25)
        straggle = kind == "first" and rnd.random() < 0.04
        if straggle:
            dur *= 4.0
        end = start + dur
        backup = kind == "backup"
        rerun = kind == "rerun"
        restaged = a.command == "stage" and kind in ("retry", "backup") or (kind == "retry" and rnd.random() < 0.3)
        if lost_at is not None and end > lost_at:
            add(i, h, s, start, lost_at, "lost", backup, rerun, restaged, hosts[h]["lost"])
            if not backup:
                heapq.heappush(work, (lost_at, seq, i, "retry")); seq += 1
            scan_end = max(scan_end, lost_at)
            continue  # the slot is gone with its host
        if kind == "first" and rnd.random() < 0.03:
            fail_at = start + dur * rnd.uniform(0.1, 0.7)
            add(i, h, s, start, fail_at, "failed", error="read %s: connection reset by peer" % objects[t["object"]]["url"])
            heapq.heappush(work, (fail_at, seq, i, "retry")); seq += 1
            heapq.heappush(free, (fail_at, h, s))
            continue
        if kind == "first" and rnd.random() < 0.02 and i > 0:
            # Its start moved (a quoted newline in the previous range): this attempt is
            # thrown away and the task runs again.
            add(i, h, s, start, end, "failed", error="start moved to %d by the previous range" % (t["begin"] + 37))
            heapq.heappush(work, (end, seq, i, "rerun")); seq += 1
            heapq.heappush(free, (end, h, s))
            continue
        if backup:
            prim = running_primary.get(i)
            if prim is not None and prim["end_s"] <= start:
                heapq.heappush(free, (ft, h, s))
                continue
            if prim is not None and end < prim["end_s"]:
                add(i, h, s, start, end, "done", backup=True, finished=True)
                prim["outcome"], prim["end_s"], prim["bytes"], prim["rows"] = "cancelled", round(end + 0.002, 4), 0, 0
                merged[i] = True
            elif prim is not None and rnd.random() < 0.3:
                add(i, h, s, start, prim["end_s"] + 0.01, "duplicate", backup=True, finished=True)
                end = prim["end_s"] + 0.01
            else:
                end = (prim["end_s"] if prim else end) + 0.002
                add(i, h, s, start, end, "cancelled", backup=True)
            heapq.heappush(free, (end, h, s))
            scan_end = max(scan_end, end)
            continue
        att = add(i, h, s, start, end, "done", backup, rerun, restaged, finished=True)
        merged[i] = True
        if straggle and nh * lanes_per_host > 1:
            running_primary[i] = att
            merged[i] = False  # a backup may still win
            heapq.heappush(work, (start + dur / 3.0, seq, i, "backup")); seq += 1
        heapq.heappush(free, (end, h, s))
        scan_end = max(scan_end, end)

    for i in range(len(tasks)):
        if i in running_primary and tasks[i]["attempts"]:
            merged[i] = True
    ok = a.fail is None and all(merged)
    status = "ok" if ok else "failed"
    error = a.fail or ("" if ok else "a task could not be run")

    phases = [{"name": "listing", "start_s": 0.0, "end_s": listing_end}]
    if mode != "local":
        phases.append({"name": "launching", "start_s": listing_end, "end_s": round(scan_start, 3)})
    if tasks:
        scan_end = round(scan_end + 0.003, 3)
        merge_end = round(scan_end + 0.02 + 0.0003 * len(tasks) ** 0.5, 3)
        write_end = round(merge_end + 0.03, 3)
        phases.append({"name": "scanning", "start_s": round(scan_start, 3), "end_s": scan_end})
        phases.append({"name": "merging", "start_s": scan_end, "end_s": merge_end})
        phases.append({"name": "writing", "start_s": merge_end, "end_s": write_end})
        wall = round(write_end + 0.004, 3)
    else:
        wall = round(listing_end + 0.01, 3)
        if mode != "local":
            wall = round(scan_start + 0.01, 3)

    atts = [x for t in tasks for x in t["attempts"]]
    done = [x for x in atts if x["outcome"] == "done"]
    scan_s = max(1e-9, (phases[-3]["end_s"] - phases[-3]["start_s"]) if tasks else 0)
    merged_s = sum(x["end_s"] - x["start_s"] for x in done)
    busy = merged_s / (total_lanes_slots * scan_s) if tasks else 0.0
    totals = {
        "bytes": sum(x["bytes"] for x in done), "rows": sum(x["rows"] for x in done),
        "attempts": len(atts), "retries": sum(1 for x in atts if x["attempt"] > 1),
        "backups": sum(1 for x in atts if x["backup"]),
        "lost_hosts": sum(1 for h in hosts if h["lost_s"] is not None),
        "busy_share": round(min(busy, 1.0), 4),
    }

    # Diagnosis: every cause with an estimate of what it cost.
    largest = max((e - b for _, b, e in ranges), default=0)
    wasted = sum(x["end_s"] - x["start_s"] for x in atts if x["outcome"] in ("failed", "lost"))
    est = {
        "startup": scan_start,
        "few_tasks": max(0.0, scan_s * (1 - len(tasks) / max(1, 2 * total_lanes_slots))) if len(tasks) < 2 * total_lanes_slots else 0.0,
        "critical_path": max((x["end_s"] - x["start_s"] for x in done), default=0.0) * 0.5,
        "slow_machine": scan_s * 0.4 if slow_index is not None else 0.0,
        "retries": wasted / max(1, total_lanes_slots),
        "scaled_well": 0.0,
    }
    if not tasks:
        est = {"startup": wall}
    ctx = {"tasks": len(tasks), "slots": total_lanes_slots, "largest": "%.1f MB" % (largest / 1e6),
           "slow": hosts[slow_index]["name"] if slow_index is not None else hosts[0]["name"],
           "busy": "%d %%" % round(100 * totals["busy_share"])}
    all_causes = []
    for c, v in sorted(est.items(), key=lambda kv: -kv[1]):
        if v <= 0 and c != "scaled_well":
            continue
        if c == "scaled_well" and tasks:
            continue
        ctx["cost"] = fmt_s(v)
        all_causes.append({"cause": c, "sentence": CAUSE_SENTENCES[c].format(**ctx), "lost_s": round(v, 3)})
    if a.cause:
        cause = a.cause
    elif not tasks:
        cause = "startup"
    elif all_causes and all_causes[0]["lost_s"] > 0.1 * wall:
        cause = all_causes[0]["cause"]
    else:
        cause = "scaled_well"
    ctx["cost"] = fmt_s(est.get(cause, 0.0))
    sentence = CAUSE_SENTENCES.get(cause, "The cause was " + cause + ".").format(**ctx)
    if not tasks and a.fail:
        sentence = "The job failed before any task ran: " + a.fail + "."
    diagnosis = {"cause": cause, "sentence": sentence, "lost_s": round(est.get(cause, 0.0), 3), "all": all_causes}

    argv_job = ["fanout", a.command, "--by", "passenger_count"]
    if mode == "hosts":
        argv_job += ["--hosts", ",".join(h["name"] for h in hosts)]
    elif mode == "cluster":
        argv_job += ["--cluster", "spot-%d" % nh]
    argv_job += ["--stats", "job.json", "--report", "job report.html", "data/"]

    stats = {
        "fanout_stats": 1,
        "job": {"command": a.command, "argv": argv_job, "mode": mode, "version": "0.14.0",
                "started": "2026-12-03T15:00:00Z", "wall_s": wall, "status": status, "error": error},
        "plan": {"objects": len(objects), "tasks": len(tasks), "bytes": sum(e - b for _, b, e in ranges),
                 "range_size": range_size, "largest_task_bytes": largest,
                 "slots": total_lanes_slots},
        "phases": phases,
        "hosts": hosts,
        "objects": objects,
        "tasks": tasks,
        "totals": totals,
        "diagnosis": diagnosis,
    }
    text = json.dumps(stats, ensure_ascii=False, separators=(",", ":"))
    if a.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
