#!/usr/bin/env python3
"""Where the app's memory is before any workspace is opened: launches a RELEASE build of the app
(the UI embedded; build it first, e.g. with bench/app_measure.py) to its start screen with a
fresh home, waits, and prints the PSS of each of its processes (the app, WebKit's web and
network processes) with the mappings holding most of it (/proc/PID/smaps). Run under an X server
and a session bus:
    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bench/app_smaps.py [NAME=VALUE ...]
NAME=VALUE pairs are added to the app's environment (to try a library's switch).
Usage: bench/app_smaps.py [--app PATH] [--wait S] [--top N] [NAME=VALUE ...]
"""
import argparse, collections, os, shutil, signal, subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tree(pid):
    out = [pid]
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                stat = open(f"/proc/{p}/stat").read()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
                out += tree(int(p))
    return out


def by_mapping(pid):
    """PSS in KiB per mapped file ([anon], [heap] for the rest)."""
    pss, name = collections.Counter(), None
    for line in open(f"/proc/{pid}/smaps"):
        f = line.split()
        if f and "-" in f[0] and not f[0].endswith(":"):
            name = f[5] if len(f) > 5 else "[anon]"
        elif f and f[0] == "Pss:":
            pss[name] += int(f[1])
    return pss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", default=os.path.join(ROOT, "target/release/portcullis-app"))
    ap.add_argument("--wait", type=float, default=8.0)
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("env", nargs="*")
    a = ap.parse_args()
    home = tempfile.mkdtemp(prefix="portcullis-smaps-")
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=f"{home}/data", XDG_CONFIG_HOME=f"{home}/config",
               XDG_CACHE_HOME=f"{home}/cache")
    env.update(kv.split("=", 1) for kv in a.env)
    app = subprocess.Popen([a.app], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        time.sleep(a.wait)
        total = 0
        for pid in tree(app.pid):
            try:
                name = open(f"/proc/{pid}/comm").read().strip()
                maps = by_mapping(pid)
            except OSError:
                continue
            total += sum(maps.values())
            print(f"{name}: {sum(maps.values()) / 1024:.1f} MiB")
            for path, kib in maps.most_common(a.top):
                print(f"    {kib / 1024:6.1f}  {path}")
        print(f"total: {total / 1024:.1f} MiB")
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
