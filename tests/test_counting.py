"""Counted and joined reads: what the progress display and the one bulk load of scratch files rely on."""

from __future__ import annotations

from pathlib import Path

from kg.counting import open_counted, open_joined


def test_joined_files_read_as_one_stream_in_order_and_every_byte_is_counted(tmp_path: Path) -> None:
    parts = [tmp_path / "a.nq", tmp_path / "empty.nq", tmp_path / "b.nq"]
    parts[0].write_bytes(b"<a> <b> <c> .\n" * 1000)
    parts[1].write_bytes(b"")
    parts[2].write_bytes(b"<d> <e> <f> <g> .\n" * 700)
    counted: list[int] = []
    with open_joined(parts, counted.append, buffer=4096) as joined:
        data = joined.read()
    assert data == b"".join(part.read_bytes() for part in parts)
    assert sum(counted) == len(data)
    assert len(counted) > 2  # told as it goes, not once at the end


def test_a_counted_file_reads_in_pieces_without_a_report_for_the_empty_end(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(b"x,y\n" * 50_000)
    counted: list[int] = []
    with open_counted(path, counted.append, buffer=1 << 12) as counted_file:
        lines = sum(1 for _ in counted_file)
    assert lines == 50_000
    assert sum(counted) == path.stat().st_size and 0 not in counted


def test_joined_files_without_a_report_are_read_and_closed(tmp_path: Path) -> None:
    paths = [tmp_path / f"{n}.nq" for n in range(3)]
    for n, path in enumerate(paths):
        path.write_text(f"<s{n}> <p> <o> .\n")
    joined = open_joined(paths)
    assert joined.readline() == b"<s0> <p> <o> .\n"
    joined.close()
    assert joined.closed
