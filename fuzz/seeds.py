#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into corpus-work/<target>/ (gitignored), from the
repository's fixtures, plus a few hand-made shapes. `cargo fuzz cmin` then keeps the ones that
add coverage in corpus/<target>/. Run from fuzz/: python3 seeds.py"""

import glob
import hashlib
import hmac
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-work")


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


manifests = sorted(glob.glob(os.path.join(FIX, "manifests", "*.json")))
invalid = sorted(glob.glob(os.path.join(FIX, "invalid", "*.json")))

# manifest (and manifest_codegen, which reads the same inputs: they are copied at the end)
for path in manifests + invalid:
    write("manifest", os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path), open(path, "rb").read())
# ~1 MiB of deep paths: many variables, each as deep as the grammar allows (64 segments), and
# one far deeper than allowed.
deep = []
i = 0
size = 0
while size < 1024 * 1024 - 40000:
    path = ".".join(f"s{i}x{j}" + ("[]" if j % 7 == 3 else "") for j in range(64))
    deep.append({"path": path, "type": "string"})
    size += len(path) + 32
    i += 1
write("manifest", "deep-paths-1mib.json", json.dumps({"slug": "deep", "version": 1, "pipeline": "html", "variables": deep}))
# One path of ~1 MiB: half a million segments, far beyond the limit.
too_deep = ".".join(["a"] * 500000) + "[]"
write("manifest", "deep-path-too-deep.json", json.dumps({"slug": "deep", "version": 1, "pipeline": "html", "variables": [{"path": too_deep, "type": "string"}]}))
# One chain 64 deep, and JSON nesting deeper than any parser should recurse.
chain = ".".join(f"n{j}" for j in range(64))
write("manifest", "deep-chain.json", json.dumps({"slug": "chain", "version": 1, "pipeline": "html", "variables": [{"path": chain, "type": "integer", "required": True}]}))
write("manifest", "deep-json.json", '{"slug":"x","version":1,"pipeline":"html","variables":' + "[" * 20000 + "]" * 20000 + "}")

# webhook: t, skew, secret, header, body
def webhook_input(t, skew, secret, header, body):
    return (struct.pack("<qh", t, skew) + bytes([len(secret)]) + secret
            + struct.pack("<H", len(header)) + header + body)

event = json.dumps({"id": "evt_1", "object": "event", "type": "render.succeeded",
                    "createdAt": "2025-11-26T10:00:00.000Z",
                    "data": {"id": "rnd_1", "object": "render", "template": "invoice",
                             "templateVersion": 3, "status": "succeeded", "visibility": "public",
                             "createdAt": "2025-11-26T09:59:58.000Z", "filename": "invoice.pdf"}}).encode()
t = 1764151200
secret = b"whsec_test"
tag = hmac.new(secret, str(t).encode() + b"." + event, hashlib.sha256).hexdigest()
write("webhook", "valid", webhook_input(t, 30, secret, f"t={t},v1={tag}".encode(), event))
write("webhook", "rotated", webhook_input(t, -299, secret, f"t={t}, v1={'0' * 64}, v0=abc ,v1={tag.upper()}".encode(), event))
write("webhook", "late", webhook_input(t, 301, secret, f"t={t},v1={tag}".encode(), event))
write("webhook", "malformed", webhook_input(-5, 0, b"k", b"t=-5,v1,=x,t=1", b"{}"))
write("webhook", "empty", b"")

# render_body
slugs = [json.load(open(p))["slug"] for p in manifests]
for path in sorted(glob.glob(os.path.join(FIX, "payloads", "*.json"))):
    if path.endswith(".expected.json"):
        continue
    data = json.load(open(path))
    name = os.path.basename(path)
    write("render_body", name, json.dumps({"template": "charter-handover", "data": data}))
    write("render_body", "opts-" + name, json.dumps({"template": "charter-handover", "data": data,
        "options": {"filename": "a.pdf", "visibility": "private", "templateVersion": 12, "sync": True}}))
for path in manifests:
    m = json.load(open(path))
    data = {}
    for v in m["variables"]:
        if "example" in v and "[]" not in v["path"]:
            node = data
            parts = v["path"].split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = v["example"]
    write("render_body", "examples-" + m["slug"], json.dumps({"template": m["slug"], "data": data}))
    write("render_body", "empty-" + m["slug"], json.dumps({"template": m["slug"], "data": {}}))
write("render_body", "unknown-template", '{"template": "nope", "data": {}}')
write("render_body", "bad-options", '{"template": "invoice", "data": {}, "options": {"filename": "../x", "templateVersion": 99}}')
write("render_body", "not-json", "{\"data\": ")
write("render_body", "array", "[1, 2]")

# manifest_codegen: the manifest seeds
for name in sorted(os.listdir(os.path.join(OUT, "manifest"))):
    write("manifest_codegen", name, open(os.path.join(OUT, "manifest", name), "rb").read())
