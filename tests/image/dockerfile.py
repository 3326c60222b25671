#!/usr/bin/env python3
"""dockerfile.py [DOCKERFILE] - prints, as JSON, what the image tests need to
know about the Dockerfile: each stage's base and instructions, the final
stage's runtime configuration (ENV, USER, ENTRYPOINT, CMD, EXPOSE,
HEALTHCHECK) and the packages the build stage installs.

The chroot test runs the rootfs the way a container engine would run the
image, from these values, so a Dockerfile and a rootfs that disagree (a
PATH without the binary, a USER with no passwd entry) fail the tests.
Handles the subset of Dockerfile syntax this project uses: comments,
backslash continuations, JSON-form ENTRYPOINT/CMD, KEY=VALUE ENV."""
import json
import re
import shlex
import sys


def instructions(text):
    """(keyword, arguments) per instruction, continuations joined."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue  # a comment inside a continued instruction
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        kw, _, args = cur.partition(" ")
        out.append((kw.upper(), args.strip()))
        cur = ""
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "Dockerfile"
    with open(path, encoding="utf-8") as f:
        ins = instructions(f.read())
    stages = []
    for kw, args in ins:
        if kw == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append({"from": words[0], "name": name, "instructions": []})
        elif stages:
            stages[-1]["instructions"].append([kw, args])
    final = {"env": {}, "user": None, "entrypoint": None, "cmd": None,
             "expose": [], "healthcheck": False, "copies": []}
    for kw, args in stages[-1]["instructions"]:
        if kw == "ENV":
            for word in shlex.split(args):
                key, _, value = word.partition("=")
                final["env"][key] = value
        elif kw == "USER":
            final["user"] = args
        elif kw in ("ENTRYPOINT", "CMD"):
            final[kw.lower()] = json.loads(args)
        elif kw == "EXPOSE":
            final["expose"] += args.split()
        elif kw == "HEALTHCHECK":
            final["healthcheck"] = True
        elif kw == "COPY":
            final["copies"].append(args)
    packages = []
    for stage in stages[:-1]:
        for kw, args in stage["instructions"]:
            if kw != "RUN":
                continue
            for m in re.finditer(r"apt-get install ((?:\S+\s*)+?)(?:&&|$)", args):
                packages += [w for w in m.group(1).split() if not w.startswith("-")]
    json.dump({"stages": stages, "final": final, "packages": packages},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
