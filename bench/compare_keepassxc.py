#!/usr/bin/env python3
"""Portcullis vs keepassxc-cli on the same entries (issue "Workspace core", performance; issue 15).

Builds N entries (a tenth with TOTP), imports them into a Portcullis workspace (CSV) and a KDBX
file (`keepassxc-cli import -t 100` from KeePass XML), both at a 100 ms key-derivation target,
then times whole commands (median of RUNS) and subtracts each tool's time on an empty database,
so that key derivation and process start cancel out.

Both tools run at --entries in one run (e.g. `--entries 100000 --big 0 --runs 3` compares them
at 100,000 entries); --big N times Portcullis alone at N entries as well (0: skip). Prints how
many times faster Portcullis is above each tool's own empty run, and the file size ratio; the
exit status says whether the targets hold (issue 15: at least --speedup times faster for open +
search and for add one, a file at most --size-ratio times the KDBX file).

Usage: bench/compare_keepassxc.py [--entries 10000] [--big 100000] [--runs 15]
                                  [--speedup 30] [--size-ratio 3]
Needs: keepassxc-cli (Debian package keepassxc); builds target/release/portcullis.
"""
import argparse, base64, csv, hashlib, json, os, random, re, statistics, subprocess, sys, tempfile, time
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "portcullis")
PW = "bench-master-password"


def otp_key(i):
    """Entry i's own authenticator key (160 bits, Base32): entries that shared one key would be
    one account to an importer, and the benchmark would hold fewer entries than stated."""
    return base64.b32encode(hashlib.sha1(f"portcullis-bench-{i}".encode()).digest()).decode()


def entries(n):
    rnd = random.Random(42)
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"
    for i in range(n):
        yield {
            "title": f"Service {i:06d}",
            "username": f"user{i:06d}@example.com",
            "password": "".join(rnd.choice(alphabet) for _ in range(20)),
            "url": f"https://service{i:06d}.example.com/login",
            "notes": f"account number {rnd.randrange(10**9)}" if i % 3 == 0 else "",
            "otp": f"otpauth://totp/Service{i:06d}:user?secret={otp_key(i)}&issuer=Service{i:06d}" if i % 10 == 0 else "",
        }


def write_csv(path, n):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["title", "username", "password", "url", "notes", "otp"])
        w.writeheader()
        for e in entries(n):
            w.writerow(e)


def write_xml(path, n):
    def uuid(i):
        return base64.b64encode(i.to_bytes(16, "big")).decode()
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<KeePassFile><Meta>'
                "<Generator>bench</Generator><DatabaseName>bench</DatabaseName></Meta><Root><Group>"
                f"<UUID>{uuid(1 << 100)}</UUID><Name>Root</Name>\n")
        for i, e in enumerate(entries(n)):
            fields = [("Title", e["title"]), ("UserName", e["username"]), ("Password", e["password"]),
                      ("URL", e["url"]), ("Notes", e["notes"])]
            if e["otp"]:
                fields.append(("otp", e["otp"]))
            strings = "".join(f"<String><Key>{k}</Key><Value>{escape(v)}</Value></String>" for k, v in fields)
            f.write(f"<Entry><UUID>{uuid(i + 1)}</UUID>{strings}</Entry>\n")
        f.write("</Group></Root></KeePassFile>\n")


def import_csv(cli, ws, csv_path, n, env):
    """Imports n generated entries into ws; the time it took (ms). Exits unless all n came in."""
    write_csv(csv_path, n)
    t0 = time.perf_counter()
    out = subprocess.run([cli, "import", ws, "--from", "csv", csv_path, "--json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    ms = (time.perf_counter() - t0) * 1000
    imported = json.loads(out)["imported"]
    if imported != n:
        sys.exit(f"the workspace holds {imported} entries, not {n}")
    return ms


def run(cmd, stdin="", env=None):
    p = subprocess.run(cmd, input=stdin.encode(), capture_output=True, env=env)
    if p.returncode != 0 and b"No results" not in p.stderr:
        sys.exit(f"{' '.join(cmd)} failed: {p.stderr.decode().strip()}")
    return p.stdout.decode()


def median_ms(make_cmd, stdin, runs):
    times = []
    for i in range(runs + 2):
        cmd = make_cmd(i)
        t = time.perf_counter()
        run(cmd, stdin)
        if i >= 2:  # two warm-up runs
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def kdbx_rounds(db):
    info = run(["keepassxc-cli", "db-info", "-q", db], PW + "\n")
    return int(re.search(r"\((\d+) rounds\)", info).group(1))


def make_kdbx(xml, db):
    run(["keepassxc-cli", "import", "-q", "-p", "-t", "100", xml, db], f"{PW}\n{PW}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--speedup", type=float, default=30.0,
                    help="open + search and add one must be at least this many times faster")
    ap.add_argument("--size-ratio", type=float, default=3.0,
                    help="the workspace may be at most this many times the KDBX file's size")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "portcullis-cli"], cwd=ROOT, check=True)
    d = tempfile.mkdtemp(prefix="portcullis-bench-")
    env = dict(os.environ, PORTCULLIS_PASSWORD=PW)

    # Portcullis: calibrate once, then use the same parameters for every workspace.
    out = run([BIN, "init", f"{d}/empty.pcx", "--kdf-time-ms", "100"], env=env)
    m, t, p = map(int, re.search(r"(\d+) KiB, (\d+) passes, (\d+) lanes", out).groups())
    kdf = ["--kdf-memory-mib", str(m // 1024), "--kdf-iterations", str(t), "--kdf-parallelism", str(p)]

    def portcullis_ws(name, n):
        path = f"{d}/{name}.pcx"
        run([BIN, "init", path] + kdf, env=env)
        return path, import_csv(BIN, path, f"{d}/{name}.csv", n, env)

    ws, ws_import_ms = portcullis_ws("full", a.entries)

    # KeePassXC: import until the empty and full files got the same calibration (within 3 %).
    write_xml(f"{d}/empty.xml", 0)
    write_xml(f"{d}/full.xml", a.entries)
    for attempt in range(5):
        for f in ("empty.kdbx", "full.kdbx"):
            if os.path.exists(f"{d}/{f}"):
                os.remove(f"{d}/{f}")
        make_kdbx(f"{d}/empty.xml", f"{d}/empty.kdbx")
        make_kdbx(f"{d}/full.xml", f"{d}/full.kdbx")
        re_, rf = kdbx_rounds(f"{d}/empty.kdbx"), kdbx_rounds(f"{d}/full.kdbx")
        if abs(re_ - rf) <= 0.03 * rf:
            break

    term = "user004242"
    pw_line = PW + "\n"
    res = {}
    res["pc_search_empty"] = median_ms(lambda i: [BIN, "search", f"{d}/empty.pcx", term], pw_line, a.runs)
    res["pc_search_full"] = median_ms(lambda i: [BIN, "search", ws, term], pw_line, a.runs)
    res["kx_search_empty"] = median_ms(lambda i: ["keepassxc-cli", "search", "-q", f"{d}/empty.kdbx", term], pw_line, a.runs)
    res["kx_search_full"] = median_ms(lambda i: ["keepassxc-cli", "search", "-q", f"{d}/full.kdbx", term], pw_line, a.runs)
    add_pc = lambda path: (lambda i: [BIN, "add", path, "--title", f"Added {i}", "--username", "u", "--url", "https://x.example"])
    add_kx = lambda path: (lambda i: ["keepassxc-cli", "add", "-q", "-u", "u", "--url", "https://x.example", path, f"Added {i}"])
    res["pc_add_empty"] = median_ms(add_pc(f"{d}/empty.pcx"), pw_line + "entry-pw\n", a.runs)
    res["pc_add_full"] = median_ms(add_pc(ws), pw_line + "entry-pw\n", a.runs)
    res["kx_add_empty"] = median_ms(add_kx(f"{d}/empty.kdbx"), pw_line, a.runs)
    res["kx_add_full"] = median_ms(add_kx(f"{d}/full.kdbx"), pw_line, a.runs)

    pc_search = res["pc_search_full"] - res["pc_search_empty"]
    kx_search = res["kx_search_full"] - res["kx_search_empty"]
    pc_add = res["pc_add_full"] - res["pc_add_empty"]
    kx_add = res["kx_add_full"] - res["kx_add_empty"]
    print(f"# {a.entries} entries ({a.entries // 10} with TOTP), median of {a.runs} runs, 100 ms KDF target")
    print(f"Portcullis KDF: Argon2id {m} KiB x {t} passes x {p} lanes; KeePassXC: AES-KDF {re_} / {rf} rounds")
    def faster(pc, kx):
        return f"{kx / pc:7.1f}x" if pc > 0 else "    inf"
    print(f"{'':28}{'Portcullis':>12}{'keepassxc-cli':>15}{'ratio':>8}{'faster':>9}")
    print(f"{'open + search, empty (ms)':28}{res['pc_search_empty']:12.1f}{res['kx_search_empty']:15.1f}")
    print(f"{'open + search, full (ms)':28}{res['pc_search_full']:12.1f}{res['kx_search_full']:15.1f}")
    print(f"{'open + search, above empty':28}{pc_search:12.1f}{kx_search:15.1f}{pc_search / kx_search:8.3f}{faster(pc_search, kx_search):>9}")
    print(f"{'add one, empty (ms)':28}{res['pc_add_empty']:12.1f}{res['kx_add_empty']:15.1f}")
    print(f"{'add one, full (ms)':28}{res['pc_add_full']:12.1f}{res['kx_add_full']:15.1f}")
    print(f"{'add one, above empty':28}{pc_add:12.1f}{kx_add:15.1f}{pc_add / kx_add:8.3f}{faster(pc_add, kx_add):>9}")
    pc_size, kx_size = os.path.getsize(ws), os.path.getsize(d + "/full.kdbx")
    print(f"{'file size (bytes)':28}{pc_size:12d}{kx_size:15d}{pc_size / kx_size:8.3f}")
    print(f"Portcullis CSV import of {a.entries} entries: {ws_import_ms:.0f} ms")
    if a.big:
        big, big_import_ms = portcullis_ws("big", a.big)
        big_ms = median_ms(lambda i: [BIN, "search", big, term], pw_line, max(5, a.runs // 3))
        print(f"{a.big} entries: open + search {big_ms:.1f} ms ({big_ms - res['pc_search_empty']:.1f} above empty), "
              f"file {os.path.getsize(big)} bytes, CSV import {big_import_ms:.0f} ms")
    ok = (pc_search * a.speedup <= kx_search and pc_add * a.speedup <= kx_add
          and pc_size <= a.size_ratio * kx_size)
    print(f"targets (at least {a.speedup:g}x faster above empty, file at most {a.size_ratio:g}x the KDBX file):",
          "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
