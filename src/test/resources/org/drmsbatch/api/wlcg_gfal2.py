"""A WLCG tape client's round trip through gfal2's Python API (gfal2-python over the gfal2 HTTP plugin), against a
drms serve.

Usage: wlcg_gfal2.py '<json>' with {"stage": [file URL, ...]} (steps 1-4), {"refused": [file URL, ...]} (a
bring_online alone, for a token the server refuses) and/or {"abort": [file URL, ...]} (step 5); the bearer token comes
from the environment (BEARER_TOKEN), as gfal2 reads it.

  1. discovery (GET /.well-known/wlcg-tape-rest-api), read back as gfal2's taperestapi.* extended attributes;
  2. archive_poll of the "stage" files (POST archiveinfo/);
  3. bring_online, asynchronous (POST stage/ -> the request id), then bring_online_poll (GET stage/<id>) until no file
     is waiting (EAGAIN) any more;
  4. release (POST release/<id>);
  5. bring_online of the "abort" files and abort_bring_online at once (POST stage/<id>/cancel), then one poll.

Prints one JSON object (what each call answered; a per-file result is null or {"code", "message"}) on stdout.
"""
import json
import sys
import time

import gfal2

EAGAIN = 11


def result(e):
    return None if e is None else {"code": e.code, "message": e.message}


def main(config):
    ctx = gfal2.creat_context()
    out = {"gfal2": gfal2.get_version()}
    stage = config.get("stage")
    if stage:
        out["sitename"] = ctx.getxattr(stage[0], "taperestapi.sitename")
        out["uri"] = ctx.getxattr(stage[0], "taperestapi.uri")
        out["version"] = ctx.getxattr(stage[0], "taperestapi.version")

        out["archive_poll"] = [result(e) for e in ctx.archive_poll(stage)]

        errors, token = ctx.bring_online(stage, 3600, 600, True)
        out["bring_online"] = [result(e) for e in errors]
        out["token"] = token
        polls = 0
        deadline = time.time() + 120
        while True:
            states = [result(e) for e in ctx.bring_online_poll(stage, token)]
            polls += 1
            if not any(s is not None and s["code"] == EAGAIN for s in states) or time.time() > deadline:
                break
            time.sleep(0.2)
        out["polls"] = polls
        out["final_poll"] = states

        out["release"] = [result(e) for e in ctx.release(stage, token)]

    refused = config.get("refused")
    if refused:
        errors, refused_token = ctx.bring_online(refused, 3600, 600, True)
        out["refused_bring_online"] = [result(e) for e in errors]
        out["refused_token"] = refused_token

    abort = config.get("abort")
    if abort:
        errors, abort_token = ctx.bring_online(abort, 3600, 600, True)
        out["abort_bring_online"] = [result(e) for e in errors]
        out["abort_token"] = abort_token
        out["abort"] = [result(e) for e in ctx.abort_bring_online(abort, abort_token)]
        out["after_abort"] = [result(e) for e in ctx.bring_online_poll(abort, abort_token)]
    print(json.dumps(out))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
