from __future__ import annotations

import gzip
from pathlib import Path

from kg.errors import RecordError
from kg.importers.native import read_native

from .conftest import write_jsonl


def errors_of(path: Path) -> list[str]:
    return [str(item) for item in read_native(path) if isinstance(item, RecordError)]


def test_reads_records_with_line_numbers(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "f.jsonl",
        '{"type":"paper","id":"doi:10.1/a"}',
        "",
        '{"type":"citation","citing":"doi:10.1/a","cited":"doi:10.1/b"}',
    )
    items = list(read_native(path))
    assert [(line, record.type) for line, record in items] == [(1, "paper"), (3, "citation")]


def test_each_error_is_file_line_field_message(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        '{"type":"paper","id":"doi:10.1/a"}',
        "{not json",
        '{"type":"review"}',
        '{"id":"doi:10.1/a"}',
        '{"type":"paper","id":"doi:10.1/a","year":"soon"}',
        '{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b","role":"praise","confidence":-1}',
    )
    assert errors_of(path) == [
        f"{path}:2: json: not a JSON object (key must be a string at line 1 column 2)",
        f"{path}:3: type: unknown record type 'review'; expected an object with \"type\" set to one of paper,"
        " citation, annotation",
        f'{path}:4: type: expected an object with "type" set to one of paper, citation, annotation',
        f"{path}:5: year: Input should be a valid integer, unable to parse string as an integer (got 'soon')",
        f"{path}:6: role: unknown role 'praise'; expected one of method, comparison, extension, motivation,"
        " future_work, background",
        f"{path}:6: confidence: Input should be greater than or equal to 0 (got -1)",
    ]


def test_invalid_utf8_is_an_encoding_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        b'{"type":"paper","id":"doi:10.1/a"}\n{"type":"paper","id":"doi:10.1/b","title":"caf\xe9"}\n'
        b'{"type":"paper","id":"doi:10.1/c"}\n'
    )
    assert errors_of(path) == [f"{path}:2: encoding: not UTF-8: byte 0xe9 at column 47"]
    assert [line for line, _ in (i for i in read_native(path) if not isinstance(i, RecordError))] == [1, 3]


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"type":"paper","id":"doi:10.1/a"}\n')
    assert [record.type for _, record in read_native(path)] == ["paper"]


def test_reads_gzip(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write('{"type":"paper","id":"doi:10.1/a"}\n')
    assert [record.type for _, record in read_native(path)] == ["paper"]
