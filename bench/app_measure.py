#!/usr/bin/env python3
"""Desktop app figures (issue "Desktop app"): time from launch to an interactive unlock screen,
and memory (PSS over all processes) with a 10,000-entry workspace open, beside KeePassXC's GUI on
the same entries. Run under an X server: `xvfb-run -a -s "-screen 0 1280x800x24" bench/app_measure.py`.
Needs keepassxc (Debian) and what scripts/test installs.
"""
import os, re, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_keepassxc import import_csv, write_xml  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("ENTRIES", "10000"))


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


def main():
    d = tempfile.mkdtemp(prefix="portcullis-app-measure-")
    subprocess.run(["cargo", "build", "-q", "-p", "portcullis-cli"], cwd=ROOT, check=True)
    cli = os.path.join(ROOT, "target/debug/portcullis")
    env = dict(os.environ, PORTCULLIS_PASSWORD="bench")
    ws = f"{d}/big.pcx"
    subprocess.run([cli, "init", ws, "--kdf-memory-mib", "64", "--kdf-iterations", "1", "--kdf-parallelism", "2"], env=env, check=True, capture_output=True)
    import_csv(cli, ws, f"{d}/big.csv", N, env)

    out = subprocess.run(
        ["cargo", "test", "-q", "-p", "portcullis-app", "--test", "measure", "--", "--ignored", "--nocapture"],
        cwd=ROOT, env=dict(os.environ, PORTCULLIS_MEASURE_WORKSPACE=ws), capture_output=True, text=True)
    m = re.search(r"MEASURE launch_ms=(\d+) pss_kib=(\d+) processes=(\d+)", out.stdout)
    if not m:
        sys.exit(out.stdout + out.stderr)
    launch_ms, pss, procs = map(int, m.groups())

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
        kx_pss = sum(pss_kib(p) for p in tree(kx.pid))
    finally:
        end(kx)

    print(f"# desktop app, {N} entries ({N // 10} with TOTP), debug build, Xvfb, WEBKIT_DISABLE_DMABUF_RENDERER=1")
    print(f"launch to interactive start screen: {launch_ms} ms (WebDriver session start to the form)")
    print(f"Portcullis memory with the workspace open: {pss / 1024:.0f} MiB PSS over {procs} processes")
    print(f"KeePassXC 2.7 GUI, same entries (KDBX):   {kx_pss / 1024:.0f} MiB PSS")


if __name__ == "__main__":
    main()
