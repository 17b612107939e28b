#!/usr/bin/env python3
"""Writes web_assets.c: each file of src/web/assets/ as a C array, and
web_asset_find() over them (web_assets.h). usage: embed.py OUT.c FILE..."""
import os
import sys

TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


def url_of(name):
    base, ext = os.path.splitext(name)
    if ext == ".html":
        return "/" if base == "index" else "/" + base
    return "/" + name


def main():
    out, files = sys.argv[1], sys.argv[2:]
    lines = ['#include <string.h>', '#include "web_assets.h"', '']
    entries = []
    for i, path in enumerate(sorted(files, key=os.path.basename)):
        name = os.path.basename(path)
        ext = os.path.splitext(name)[1]
        if ext not in TYPES:
            sys.exit(f"embed.py: {name}: no content type for {ext}")
        data = open(path, "rb").read()
        body = ",".join(str(b) for b in data)
        lines.append(f"static const char asset{i}[] = {{{body},0}};")
        entries.append(f'    {{"{url_of(name)}", "{TYPES[ext]}", asset{i}, {len(data)}}},')
    lines += ["static const struct web_asset assets[] = {"] + entries + ["};", ""]
    lines += ["const struct web_asset *web_asset_find(const char *url)", "{",
              "        for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)",
              "                if (strcmp(assets[i].path, url) == 0)",
              "                        return &assets[i];",
              "        return NULL;", "}", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))


main()
