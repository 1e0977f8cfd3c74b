"""Reading rows with located errors; atomic writes; streaming JSON arrays."""
import json

import pytest

from fileio.atomic import atomic_open, write_json
from fileio.errors import InputError
from fileio.reading import iter_json_array, read_rows


def test_bad_lines_are_located_and_good_rows_pass(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([
        json.dumps({"problem": "p1", "solution": "s1"}),
        "{not json",
        json.dumps({"problem": "p3"}),
        json.dumps({"problem": 3, "solution": "s"}),
        '{"problem": NaN, "solution": "s"}',
        '{"problem": "p", "solution": Infinity}',
        json.dumps(["a list"]),
        "",
        json.dumps({"problem": "p9", "solution": "s9", "extra": 1}),
    ]), encoding="utf-8")
    errors = []
    rows = list(read_rows(path, errors))
    assert [(line, r["problem"]) for line, r in rows] == [(1, "p1"), (9, "p9")]
    assert [(e.line, e.reason.split(":")[0]) for e in errors] == [
        (2, "invalid JSON"), (3, "missing field 'solution'"), (4, "field 'problem' is int, not a string"),
        (5, "invalid JSON"), (6, "invalid JSON"), (7, "expected a JSON object, got list")]
    assert str(errors[0]).startswith(f"{path}:2: invalid JSON")


def test_json_array_input_and_unreadable_files(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([{"problem": "a", "solution": "b"}, {"problem": 1}]))
    errors = []
    assert [r["problem"] for _, r in read_rows(path, errors)] == ["a"]
    assert errors[0].line == 2
    with pytest.raises(InputError, match="cannot read"):
        list(read_rows(tmp_path / "missing.jsonl", []))
    mixed = tmp_path / "latin1.jsonl"
    mixed.write_bytes('{"problem": "é", "solution": "s"}\n'.encode("latin-1")
                      + '{"problem": "é", "solution": "s"}\n'.encode("utf-8"))
    errors = []
    assert [line for line, _ in read_rows(mixed, errors)] == [2]
    assert str(errors[0]).startswith(f"{mixed}:1: not UTF-8")


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write('{"v": 2, "half')
            raise RuntimeError("interrupted")
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left behind
    assert oct(target.stat().st_mode & 0o777) != "0o600"


@pytest.mark.parametrize("indent,chunk", [(None, 64), (2, 64), (2, 1 << 20)])
def test_iter_json_array_streams_with_lines(tmp_path, indent, chunk):
    items = [{"id": str(i), "v": "行\n" * (i % 7)} for i in range(500)]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(items, ensure_ascii=False, indent=indent), encoding="utf-8")
    got = list(iter_json_array(path, chunk_chars=chunk))
    assert [item for _, item in got] == items
    if indent:
        assert got[1][0] == 6  # '[', '{', '"id"', '"v"', '},' → the second item opens on line 6


@pytest.mark.parametrize("text,message", [
    ('[{"a": 1},\n{"a": nope}]', ":2: invalid JSON"),
    ('[{"a": 1}', "not closed"),
    ("", "empty file"),
    ('{"a": 1}', "expected a JSON array"),
])
def test_iter_json_array_errors(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        list(iter_json_array(path))


def test_hostile_json_is_a_located_bad_line(tmp_path):
    from fileio.reading import loads

    path = tmp_path / "rows.jsonl"
    path.write_text('{"problem": "\\ud800", "solution": "s"}\n' + "[" * 200_000 + "\n"
                    + '{"problem": "\\ud83d\\ude00 ok", "solution": "s"}\n')
    errors = []
    assert [line for line, _ in read_rows(path, errors)] == [3]  # a whole surrogate pair is fine
    assert [str(e) for e in errors] == [f"{path}:1: invalid JSON: a lone surrogate '\\ud800' is not Unicode text",
                                        f"{path}:2: invalid JSON: too deeply nested"]
    with pytest.raises(ValueError, match="too deeply nested"):
        loads('{"a": ' * 100_000)
    array = tmp_path / "deep.json"
    array.write_text('[{"a": 1},\n' + "[" * 200_000)
    with pytest.raises(InputError, match=r"deep.json:2: too deeply nested"):
        list(iter_json_array(array))


def test_a_lone_surrogate_is_written_as_its_json_escape(tmp_path):
    target = tmp_path / "out.jsonl"
    from fileio.atomic import write_jsonl

    write_jsonl(target, [{"text": "a\ud800b"}])
    assert json.loads(target.read_text(encoding="utf-8")) == {"text": "a\ud800b"}  # lossless, valid UTF-8


@pytest.mark.parametrize("where,kind,message", [
    ("dir", "file", "is a directory"), ("file/x/y", "file", "file is not a directory"),
    ("/proc/mathtune-x/y", "file", "cannot write in /proc"), ("new/", "file", "is a directory"),
    ("file", "dir", "exists and is not a directory")])
def test_unwritable_outputs_are_refused_in_one_line(tmp_path, where, kind, message):
    from fileio.atomic import check_output

    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    path = where if where.startswith("/") else str(tmp_path / where) + ("/" if where.endswith("/") else "")
    with pytest.raises(InputError, match=message):
        check_output(path, kind)
    check_output(tmp_path / "new" / "deeper" / "x.json")  # missing folders are fine: they get made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "file"]  # the probe leaves nothing


def _synth(tmp_path, n=12):
    from converters.synth.contest import synth_rows
    from fileio.atomic import write_jsonl

    rows = tmp_path / "rows.jsonl"
    write_jsonl(rows, synth_rows(n, seed=3))
    return rows


def _node(path, kind, device):
    import os
    import stat

    try:
        os.mknod(path, kind | 0o666, device)
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def test_an_output_naming_a_device_or_pipe_is_written_into_never_replaced(tmp_path):
    import os
    import stat
    import subprocess
    import sys
    import threading

    rows = _synth(tmp_path)
    null = _node(tmp_path / "null", stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    cmd = [sys.executable, "-m", "mathtune", "data", "check", str(rows), "--quiet", "--out"]
    run = subprocess.run(cmd + [str(null)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)  # still the device, not a regular file in its place
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    run = subprocess.run(cmd + [str(fifo)], capture_output=True, text=True, timeout=120)
    reader.join(60)
    assert run.returncode == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].count(b"\n") == 12  # the rows went through the pipe
    block = _node(tmp_path / "disk", stat.S_IFBLK, os.makedev(7, 200))
    run = subprocess.run(cmd + [str(block)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "block device" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert stat.S_ISBLK(os.stat(block).st_mode)


def test_an_output_through_a_symlink_replaces_the_file_it_names_and_keeps_the_link(tmp_path):
    from fileio.atomic import write_jsonl

    target, link = tmp_path / "target.jsonl", tmp_path / "link.jsonl"
    target.write_text("old\n")
    link.symlink_to(target)
    write_jsonl(link, [{"a": 1}])
    assert link.is_symlink() and target.read_text() == '{"a": 1}\n'


def test_an_input_given_by_process_substitution_is_read_whole(tmp_path):
    import subprocess
    import sys

    rows = _synth(tmp_path, 30)
    out = tmp_path / "checked.jsonl"
    run = subprocess.run(["bash", "-c", f'"{sys.executable}" -m mathtune data check <(cat "{rows}") --quiet --out "{out}"'],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert len(out.read_text().splitlines()) == 30


@pytest.mark.parametrize("extra, message", [
    (["--report", "{rows}"], "is an input"), (["--errors", "{rows}"], "is an input"),
    (["--report", "{out}"], "name the same file"),
])
def test_outputs_that_would_overwrite_an_input_or_each_other_are_refused(tmp_path, extra, message):
    import subprocess
    import sys

    rows = _synth(tmp_path)
    before = rows.read_bytes()
    out = tmp_path / "out.jsonl"
    args = [a.format(rows=rows, out=out) for a in extra]
    run = subprocess.run([sys.executable, "-m", "mathtune", "data", "check", str(rows), "--out", str(out), *args],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and message in run.stderr and rows.read_bytes() == before


def test_symlink_loops_dangling_links_and_dash_are_refused_as_outputs(tmp_path):
    from fileio.atomic import check_output

    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere" / "x")
    for path, message in [(loop, "too many levels"), (dangling, "does not exist"), ("-", "/dev/stdout")]:
        with pytest.raises(InputError, match=message):
            check_output(path)
    assert loop.is_symlink() and dangling.is_symlink()
