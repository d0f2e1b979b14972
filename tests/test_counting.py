"""Counted reads: what the progress display of an import and of a bulk load relies on."""

from __future__ import annotations

from pathlib import Path

from kg.counting import open_counted


def test_a_counted_file_reads_in_pieces_and_every_byte_is_told(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(b"x,y\n" * 50_000)
    counted: list[int] = []
    with open_counted(path, counted.append, buffer=1 << 12) as counted_file:
        lines = sum(1 for _ in counted_file)
    assert lines == 50_000
    assert sum(counted) == path.stat().st_size
    assert len(counted) > 1 and 0 not in counted  # told as it goes, not once at the end


def test_a_counted_file_closes_what_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "one.nq"
    path.write_text("<s> <p> <o> .\n")
    counted_file = open_counted(path, lambda _: None)
    assert counted_file.readline() == b"<s> <p> <o> .\n"
    counted_file.close()
    assert counted_file.closed
