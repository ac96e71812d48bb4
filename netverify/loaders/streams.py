"""Reading one stream of manifests with the located reader, and standard input as a stream that can be re-read.

The located reader is `yamlio` (every mapping, key and item knows its line), with a JSON fallback for the valid
JSON that YAML 1.1 refuses (`jsonio`). The fast path (`fastyaml`) hands back to it whatever it does not read itself.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import IO

from netverify.loaders.jsonio import loads_json
from netverify.loaders.yamlio import Document, YAMLInputError, iter_documents

# Standard input is copied to a temporary file (kept in memory while small) because it cannot be
# read twice: an error's line is found, and JSON that YAML 1.1 refuses is re-read, from the copy.
_STDIN_IN_MEMORY = 1 << 23


def spooled(source: IO[bytes]) -> IO[bytes]:
    copy: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_STDIN_IN_MEMORY)  # noqa: SIM115 - returned
    shutil.copyfileobj(source, copy, 1 << 16)
    copy.seek(0)
    return copy


def parse_located(handle: IO[bytes]) -> Iterator[Document]:
    """The documents of a seekable binary stream, read by the located reader one at a time."""
    yielded = False
    try:
        for doc in iter_documents(handle, defer_problems=True):
            yielded = True
            yield doc
    except YAMLInputError as yaml_error:
        # Some valid JSON is not YAML 1.1; try JSON before failing, but only when the YAML parser gave
        # up on the first document (JSON is one value): json.loads would accept what the reader refused
        # on purpose (duplicate keys, depth), and re-reading the text is only paid for on this path.
        if yielded or not yaml_error.syntax:
            raise
        yield from _json_fallback(handle, yaml_error)


def _json_fallback(handle: IO[bytes], yaml_error: YAMLInputError) -> Iterator[Document]:
    handle.seek(0)
    try:
        text = handle.read().decode("utf-8")
    except UnicodeDecodeError:
        raise yaml_error from None
    if text.lstrip()[:1] not in ("{", "["):
        raise yaml_error
    try:
        docs = loads_json(text)
    except YAMLInputError as json_error:
        # Not JSON either: the YAML reader's words. JSON refused on purpose (a duplicate key, too deep,
        # a number too long): that refusal, at its line.
        raise (yaml_error if json_error.syntax else json_error) from None
    yield from docs
