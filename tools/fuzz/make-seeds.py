#!/usr/bin/env python3
"""Writes the seed inputs of a recipe's ToolScopeFuzzTest: one file per case, a Content-Type line, then the body.

Usage: make-seeds.py DIR TOOL_NEEDING_A_SCOPE TOOL_NEEDING_NONE
The cases are the parser differentials of issue 18 (charsets, BOMs, duplicate keys, trailing content,
batches, escapes, odd content types), each around a tools/call of TOOL_NEEDING_A_SCOPE.
"""
import codecs
import json
import os
import sys

target, tool, free_tool = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(target, exist_ok=True)


def call(name, request_id=7):
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
                       "params": {"name": name, "arguments": {"text": "fuzz"}}}, separators=(",", ":"))


forbidden, allowed = call(tool), call(free_tool)
seeds = {
    "utf8-forbidden": ("application/json", forbidden.encode()),
    "utf8-allowed": ("application/json", allowed.encode()),
    "utf8-charset-quoted-upper": ('APPLICATION/JSON; charset="UTF-8"', allowed.encode()),
    "ebcdic-declared": ("application/json; charset=IBM037", forbidden.encode("cp037")),
    "latin1-declared": ("application/json; charset=ISO-8859-1", forbidden.encode("latin-1")),
    "utf16-declared-bom": ("application/json; charset=UTF-16", forbidden.encode("utf-16")),
    "utf16le-declared-utf8": ("application/json; charset=utf-8", forbidden.encode("utf-16-le")),
    "utf16be-bom-undeclared": ("application/json", codecs.BOM_UTF16_BE + forbidden.encode("utf-16-be")),
    "utf32-declared": ("application/json; charset=UTF-32", forbidden.encode("utf-32-be")),
    "utf32le-bom-undeclared": ("application/json", codecs.BOM_UTF32_LE + forbidden.encode("utf-32-le")),
    "utf8-bom": ("application/json", codecs.BOM_UTF8 + forbidden.encode()),
    "duplicate-method": ("application/json", ('{"jsonrpc":"2.0","id":7,"method":"tools/list","method":"tools/call",'
                                              '"params":{"name":"%s"}}' % tool).encode()),
    "duplicate-name": ("application/json", ('{"jsonrpc":"2.0","id":7,"method":"tools/call",'
                                            '"params":{"name":"%s","name":"%s"}}' % (free_tool, tool)).encode()),
    "trailing-object": ("application/json", (allowed + forbidden).encode()),
    "trailing-garbage": ("application/json", (forbidden + "x").encode()),
    "batch": ("application/json", ("[" + allowed + "," + call(tool, 8) + "]").encode()),
    "escaped-name": ("application/json", forbidden.replace(tool, tool.replace("_", "\\u005f").replace(":", "\\u003a"), 1).encode()),
    "escaped-method": ("application/json", forbidden.replace("tools/call", "tools\\/call").encode()),
    "name-not-a-string": ("application/json", ('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":["%s"]}}' % tool).encode()),
    "text-plain": ("text/plain", forbidden.encode()),
    "form": ("application/x-www-form-urlencoded", forbidden.encode()),
    "two-parameters": ("application/json; charset=utf-8; charset=utf-16", forbidden.encode()),
    "notification": ("application/json", ('{"jsonrpc":"2.0","method":"tools/call","params":{"name":"%s"}}' % tool).encode()),
}
for name, (content_type, body) in seeds.items():
    with open(os.path.join(target, name), "wb") as seed:
        seed.write(content_type.encode("latin-1") + b"\n" + body)
