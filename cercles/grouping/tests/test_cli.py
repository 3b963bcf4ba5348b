"""The command line: JSON answer on good files, precise errors on bad ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cercles.grouping.cli import main, verify_groups
from cercles.grouping.mdgplib import parse_instance

ROOT = Path(__file__).resolve().parents[3]


def instance_text(n: int, bounds: list[tuple[int, int]], kind: str = "ds") -> str:
    rng = np.random.default_rng(n)
    head = f"{n} {len(bounds)} {kind} " + " ".join(f"{a} {b}" for a, b in bounds)
    lines = [head + " "]
    for i in range(n):
        for j in range(i + 1, n):
            lines.append(f"{i} {j} {rng.random() * 100:.3f}")
    return "\n".join(lines) + "\n"


def test_solves_a_file_and_checks_the_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "small.txt"
    path.write_text(instance_text(12, [(3, 4), (3, 4), (2, 5), (3, 4)]))
    assert main(["solve", str(path), "--seed", "1", "--iterations", "200"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["iterations"] == 200
    assert sorted(i for g in answer["groups"] for i in g) == list(range(12))
    sizes = [len(g) for g in answer["groups"]]
    assert all(a <= s <= b for s, (a, b) in zip(sizes, [(3, 4), (3, 4), (2, 5), (3, 4)], strict=False))
    assert main(["solve", str(path), "--seed", "1", "--iterations", "200"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["groups"] == answer["groups"]
    assert again["objective"] == answer["objective"]


def test_module_entry_point_runs(tmp_path: Path) -> None:
    path = tmp_path / "ss.txt"
    path.write_text(instance_text(6, [(3, 3), (3, 3)], "ss"))
    done = subprocess.run(  # noqa: S603 - runs this interpreter on a file the test wrote
        [
            sys.executable,
            "-m",
            "cercles.grouping",
            "solve",
            str(path),
            "--seconds",
            "0.2",
            "--iterations",
            "50",
            "--seed",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) >= {
        "objective",
        "seconds",
        "iterations",
        "groups",
    }


GOOD = instance_text(4, [(2, 2), (2, 2)])


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "line 1"),
        ("4 2 ss 2 2", "expected 4 bounds"),
        ("4 x ss 2 2 2 2", "'x' is not an integer"),
        ("0 2 ss 2 2 2 2", "must be positive"),
        ("4 2 zz 2 2 2 2", "type must be ss or ds"),
        ("4 2 ds -1 2 2 2", "group 0 has bounds -1 2"),
        ("4 2 ds 3 2 2 2", "group 0 has bounds 3 2"),
        ("4 2 ds 1 1 1 1", "cannot hold n=4"),
        (GOOD.replace("0 1 ", "0 1 2 "), "line 2: expected 'i j d'"),
        (GOOD.replace("\n0 2 ", "\n0 1 "), "appears twice"),
        (GOOD.replace("\n0 2 ", "\n0 0 "), "not two distinct indices"),
        (GOOD.replace("\n0 2 ", "\n0 9 "), "not two distinct indices"),
        (GOOD.replace("\n0 2 ", "\n0 z "), "'z' is not an integer"),
        (GOOD.replace("\n2 3 ", "\n2 3 x"), "line 7: distance 'x"),
        (GOOD.replace("\n2 3 ", "\n2 3 -"), "must be finite and >= 0"),
        ("\n".join(GOOD.split("\n")[:-2]) + "\n", "pair (2, 3) is missing"),
    ],
)
def test_bad_files_get_a_message_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    assert main(["solve", str(path), "--iterations", "10"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert needle in captured.err
    assert "Traceback" not in captured.err


def test_missing_file_limits_and_unreadable_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(tmp_path / "none.txt"), "--iterations", "5"]) == 2
    assert "cannot read" in capsys.readouterr().err
    path = tmp_path / "ok.txt"
    path.write_text(GOOD)
    assert main(["solve", str(path)]) == 2
    assert "--seconds" in capsys.readouterr().err
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe")
    assert main(["solve", str(tmp_path / "bin.txt"), "--iterations", "5"]) == 2
    assert main(["solve", str(path), "--iterations", "-3"]) == 2
    assert "must not be negative" in capsys.readouterr().err


def test_answer_check_rejects_wrong_groups() -> None:
    instance = parse_instance(GOOD)
    verify_groups(instance, [[0, 1], [2, 3]])
    with pytest.raises(AssertionError):
        verify_groups(instance, [[0, 1], [1, 3]])
    with pytest.raises(AssertionError):
        verify_groups(instance, [[0, 1, 2], [3]])


def test_main_module_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import runpy

    path = tmp_path / "ss.txt"
    path.write_text(instance_text(6, [(3, 3), (3, 3)], "ss"))
    monkeypatch.setattr(sys, "argv", ["grouping", "solve", str(path), "--iterations", "5"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_module("cercles.grouping", run_name="__main__")
    assert stop.value.code == 0
    assert json.loads(capsys.readouterr().out)["iterations"] == 5
