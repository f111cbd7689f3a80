#!/usr/bin/python3
"""Which WebKitGTK processes map Mesa's libLLVM (issue 15's 10,000-entry memory target).

A bare WebKitGTK 4.1 view (Debian's PyGObject bindings, no Portcullis code) with the app's
shipped switches (DMA-BUF renderer off, hardware acceleration policy Never) loads a page; after
4 s it prints whether the UI process and each child maps libLLVM and the UI process's PSS.

    WEBKIT_DISABLE_DMABUF_RENDERER=1 GDK_GL=disable \
      xvfb-run -a -s "-screen 0 1280x800x24" /usr/bin/python3 bench/webkit_llvm_probe.py MODE

MODE: `after` (policy set after the first load, as Tauri does), `before` (set before it), or
`no-egl-vendor` (before, and libglvnd given no EGL vendor while the view is realised and the
load is asked for, so the UI process cannot open Mesa's EGL; the web process launched by that
load inherits the environment). Results: docs/PERFORMANCE.md, "LLVM in the UI process".
"""
import os
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "after"
if MODE not in ("after", "before", "no-egl-vendor"):
    sys.exit(f"unknown mode {MODE}")
if MODE == "no-egl-vendor":
    os.environ["__EGL_VENDOR_LIBRARY_FILENAMES"] = "/nonexistent.json"

import gi  # noqa: E402

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402


def maps_llvm(pid):
    with open(f"/proc/{pid}/maps") as f:
        return "libLLVM" in f.read()


def never_accelerate(view):
    view.get_settings().set_hardware_acceleration_policy(
        WebKit2.HardwareAccelerationPolicy.NEVER
    )


window, view = Gtk.Window(), WebKit2.WebView()
if MODE != "after":
    never_accelerate(view)
window.add(view)
window.show_all()
while Gtk.events_pending():
    Gtk.main_iteration()
print("UI process maps libLLVM after realise:", maps_llvm("self"), flush=True)
view.load_html("<html><body><h1>probe</h1><input></body></html>", "http://probe/")
print("UI process maps libLLVM after the load call:", maps_llvm("self"), flush=True)
if MODE == "no-egl-vendor":
    del os.environ["__EGL_VENDOR_LIBRARY_FILENAMES"]
if MODE == "after":
    never_accelerate(view)


def report():
    with open("/proc/self/smaps_rollup") as f:
        pss = next(line for line in f if line.startswith("Pss:")).split()[1]
    print(f"UI process: libLLVM {maps_llvm('self')}, PSS {int(pss) // 1024} MiB")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent = f.read().split()[3]
            if parent == str(os.getpid()):
                with open(f"/proc/{pid}/cmdline") as f:
                    name = os.path.basename(f.read().split("\0")[0])
                print(f"child {name}: libLLVM {maps_llvm(pid)}")
        except OSError:
            pass
    Gtk.main_quit()


GLib.timeout_add(4000, report)
Gtk.main()
