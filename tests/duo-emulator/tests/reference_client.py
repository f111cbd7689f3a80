"""Calls the emulator with Duo's reference Python client (duo-client on PyPI) and prints JSON.

Usage: reference_client.py PORT CA_FILE IKEY SKEY
"""
import hashlib, json, sys, time
import duo_client

port, ca, ikey, skey = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]


def client(sig_version, digest, key=skey, ik=ikey):
    return duo_client.Auth(ikey=ik, skey=key, host="localhost", port=int(port), ca_certs=ca,
                           sig_version=sig_version, digestmod=digest)


def error(fn):
    try:
        fn()
        return None
    except RuntimeError as e:
        return {"status": getattr(e, "status", None), "data": str(getattr(e, "data", ""))}


out = {}
for name, version, digest in [("v2-sha1", 2, hashlib.sha1), ("v2-sha512", 2, hashlib.sha512), ("v5", 5, hashlib.sha512)]:
    c = client(version, digest)
    r = {"ping": "time" in c.ping(), "check": "time" in c.check()}
    pre = c.preauth(username="alice")
    r["preauth"] = [pre["result"], len(pre.get("devices", []))]
    r["passcode"] = c.auth(factor="passcode", username="alice", passcode="123456")["result"]
    r["sync_push"] = c.auth(factor="push", username="alice", device="auto")["result"]
    txid = c.auth(factor="push", username="alice", device="DPAAAAAAAAAAAAAAAAAA", async_txn=True)["txid"]
    statuses = []
    for _ in range(10):
        s = c.auth_status(txid)
        statuses.append(s["status"])
        if not s["waiting"]:
            r["async_push"] = s["success"]
            break
    r["statuses"] = statuses
    r["wrong_skey"] = error(lambda: client(version, digest, key="x" * 40).check())
    r["wrong_ikey"] = error(lambda: client(version, digest, ik="DIWRONG0000000000000").check())
    r["enroll"] = c.preauth(username="nobody")["result"]
    out[name] = r
print(json.dumps(out))
