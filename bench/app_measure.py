#!/usr/bin/env python3
"""Desktop app figures (issues "Desktop app" and 15): time from launch to an interactive start
screen, and memory (PSS over all the app's processes) with a workspace of ENTRIES (10,000) entries
open, beside KeePassXC's GUI on the same entries. Run under an X server and a session bus:

    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bench/app_measure.py [options] [SETTINGS ...]

The app is a RELEASE build with the UI embedded (`--debug`: the debug build). Each SETTINGS is a
list of WebKit settings for src-tauri/src/webview.rs (`none`, `document-viewer`, `page-cache-off`,
`never-accelerate`, `jit-off`, `dmabuf-off`, `network-limit=MIB`, joined by commas), measured with
a benchmark build (`--features bench-webkit`, which reads them from PORTCULLIS_BENCH_WEBKIT), or
`shipped` (the default): the build users get, which reads no such variable. `dmabuf-default`
in a list runs WebKit with its DMA-BUF renderer on (the tests turn it off). `--runs N` measures
each N times, the settings taking turns, and prints the median. Needs keepassxc (Debian) unless
`--no-keepassxc`, and what scripts/test installs.
"""
import argparse, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_keepassxc import import_csv, write_xml  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("ENTRIES", "10000"))
MEASURE_TEST = None  # the measure test's binary, set by main()


def pss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


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


def end(proc):
    """Ends proc and everything it started: SIGTERM, then SIGKILL after 10 s (KeePassXC's GUI with
    100,000 entries open ignored SIGTERM and the script waited for ever)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass
    proc.wait()


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def build_app(release, bench, build=True):
    """Builds the app (the UI embedded) and copies it to target/app-measure/PROFILE[-bench]/,
    keeping its name (measure.rs finds the process by it): the benchmark build and the shipped
    one land on the same path in target/, and cargo keeps both compiled."""
    if build:
        subprocess.run(["npm", "--prefix", os.path.join(ROOT, "ui"), "run", "build"], check=True,
                       capture_output=True)
    cmd = ["cargo", "build", "-q", "-p", "portcullis-app", "-p", "portcullis-cli"]
    if release:
        cmd.append("--release")
    if bench:
        cmd += ["--features", "portcullis-app/bench-webkit"]
    if build:
        subprocess.run(cmd, cwd=ROOT, check=True)
    profile = "release" if release else "debug"
    out = os.path.join(target_dir(), "app-measure", profile + ("-bench" if bench else ""))
    if not build:
        return os.path.join(out, "portcullis-app")
    os.makedirs(out, exist_ok=True)
    shutil.copy2(os.path.join(target_dir(), profile, "portcullis-app"), os.path.join(out, "portcullis-app"))
    return os.path.join(out, "portcullis-app")


def measure_once(app, ws, settings):
    env = dict(os.environ, PORTCULLIS_MEASURE_WORKSPACE=ws, PORTCULLIS_APP_BIN=app)
    names = [n for n in settings.split(",") if n and n != "dmabuf-default"]
    if settings != "shipped":
        env["PORTCULLIS_BENCH_WEBKIT"] = ",".join(names) or "none"
    if "dmabuf-default" in settings.split(","):
        env["PORTCULLIS_MEASURE_DMABUF"] = "default"
    out = subprocess.run([MEASURE_TEST, "--ignored", "--nocapture"], cwd=os.path.join(ROOT, "src-tauri"),
                         env=env, capture_output=True, text=True)
    m = re.search(r"MEASURE launch_ms=(\d+) pss_kib=(\d+) processes=(\d+) first_paint_ms=(\w+) "
                  r"navigation_ms=(\w+) each=(\S*)", out.stdout)
    if not m:
        sys.exit(out.stdout + out.stderr)
    paint = None if m.group(4) == "none" else int(m.group(4))
    nav = None if m.group(5) == "none" else int(m.group(5))
    return dict(session_ms=int(m.group(1)), pss=int(m.group(2)), procs=int(m.group(3)),
                paint_ms=paint, nav_ms=nav, each=m.group(6))


def keepassxc_pss(d):
    write_xml(f"{d}/big.xml", N)
    subprocess.run(["keepassxc-cli", "import", "-q", "-p", "-t", "100", f"{d}/big.xml", f"{d}/big.kdbx"],
                   input="bench\nbench\n", text=True, check=True, capture_output=True)
    home = tempfile.mkdtemp(prefix="kx-home-")
    kx_env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache")
    kx = subprocess.Popen(["keepassxc", "--pw-stdin", f"{d}/big.kdbx"], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=kx_env, text=True,
                          start_new_session=True)
    try:
        kx.stdin.write("bench\n")
        kx.stdin.close()
        time.sleep(12 + N // 10000)
        return sum(pss_kib(p) for p in tree(kx.pid))
    finally:
        end(kx)


def main():
    ap = argparse.ArgumentParser(description="Desktop app launch time and memory")
    ap.add_argument("settings", nargs="*", default=["shipped"])
    ap.add_argument("--debug", action="store_true", help="measure the debug build")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-keepassxc", action="store_true")
    ap.add_argument("--no-build", action="store_true",
                    help="measure the copies the last run left in target/app-measure/")
    args = ap.parse_args()

    d = tempfile.mkdtemp(prefix="portcullis-app-measure-")
    subprocess.run(["cargo", "build", "-q", "-p", "portcullis-cli"], cwd=ROOT, check=True)
    cli = os.path.join(target_dir(), "debug/portcullis")
    env = dict(os.environ, PORTCULLIS_PASSWORD="bench")
    ws = f"{d}/big.pcx"
    subprocess.run([cli, "init", ws, "--kdf-memory-mib", "64", "--kdf-iterations", "1", "--kdf-parallelism", "2"], env=env, check=True, capture_output=True)
    import_csv(cli, ws, f"{d}/big.csv", N, env)

    apps = {}
    if "shipped" in args.settings:
        apps[False] = build_app(not args.debug, False, not args.no_build)
    if any(s != "shipped" for s in args.settings):
        apps[True] = build_app(not args.debug, True, not args.no_build)
    # The test binary itself (what cargo prints it built), so that the runs do not go through
    # cargo: nothing is rebuilt between runs.
    built = subprocess.run(["cargo", "test", "--no-run", "-p", "portcullis-app", "--test", "measure"],
                           cwd=ROOT, check=True, capture_output=True, text=True)
    global MEASURE_TEST
    MEASURE_TEST = re.search(r"Executable tests/measure\.rs \((.+?)\)", built.stderr).group(1)
    if not os.path.isabs(MEASURE_TEST):
        MEASURE_TEST = os.path.join(ROOT, MEASURE_TEST)

    results = {s: [] for s in args.settings}
    for run in range(args.runs):
        for s in args.settings:
            r = measure_once(apps[s != "shipped"], ws, s)
            results[s].append(r)
            print(f"run {run + 1} {s}: PSS {r['pss'] / 1024:.0f} MiB ({r['each']}), launch to first paint "
                  f"{r['paint_ms']} ms (navigation began at {r['nav_ms']} ms), WebDriver session to the form "
                  f"{r['session_ms']} ms", flush=True)

    build = "debug" if args.debug else "release"
    print(f"\n# desktop app, {N} entries ({N // 10} with TOTP), {build} build, Xvfb, {args.runs} run(s) each, median")
    print("| settings | PSS MiB (min-max) | launch to first paint ms | of which before navigation | session to form ms |")
    print("|---|---:|---:|---:|---:|")
    for s, rs in results.items():
        pss = [r["pss"] / 1024 for r in rs]
        paints = [r["paint_ms"] for r in rs if r["paint_ms"] is not None]
        paint = f"{statistics.median(paints):.0f}" if paints else "n/a"
        navs = [r["nav_ms"] for r in rs if r["nav_ms"] is not None]
        nav = f"{statistics.median(navs):.0f}" if navs else "n/a"
        sess = statistics.median(r["session_ms"] for r in rs)
        print(f"| {s} | {statistics.median(pss):.0f} ({min(pss):.0f}-{max(pss):.0f}) | {paint} | {nav} | {sess:.0f} |")

    if not args.no_keepassxc:
        print(f"KeePassXC 2.7 GUI, same entries (KDBX): {keepassxc_pss(d) / 1024:.0f} MiB PSS")


if __name__ == "__main__":
    main()
