"""Writes that are atomic as a set: a writer killed between any two renames leaves the previous
MindRecord (data, index, metadata) or the new one whole, readable by MindDataset; one writer at a time."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fileio.fileset import locked, output_lock, store_of
from fileio.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

# Imports MindSpore once, then per kill point forks a writer whose k-th rename/link call is os._exit:
# the process dies there as under `kill -9`. The output folder is restored to the old set before each
# fork and copied (symlinks as symlinks) after each death, for the checker to open with MindDataset.
# Wraps a call so that the k-th call of any wrapped one ends the process as `kill -9` would (one count
# for all of them; a forked child starts from the parent's count, which never calls them).
DYING = textwrap.dedent("""
    import os
    def dying(real, k, calls=[0]):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == k:
                os._exit(77)
            return real(*args, **kwargs)
        return call
""")
KILLER = DYING + textwrap.dedent("""
    import json, os, shutil, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from converters.encode.mindrecord import EncodeOptions, encode, read_conversations, write_mindrecord
    from converters.encode.tokenizers import load_tokenizer

    def kill_each_step(work, shards):
        pristine, live = work / "pristine", work / "live"
        for k in range(1, 60):
            shutil.rmtree(live, ignore_errors=True)
            shutil.copytree(pristine, live, symlinks=True)
            pid = os.fork()
            if pid == 0:
                for name in ("rename", "replace", "link"):  # the calls that change what readers see
                    setattr(os, name, dying(getattr(os, name), k))
                pairs = ((h, g) for _, h, g in read_conversations(conv))
                write_mindrecord(encode(pairs, tok, EncodeOptions(chat="plain")), live / "train.mindrecord", 96,
                                 tok.pad_id, {"version": "new"}, shards=shards)
                os._exit(0)
            status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            shutil.copytree(live, work / f"kill-{k}", symlinks=True)
            print(json.dumps({"work": str(work), "k": k, "status": status}), flush=True)
            if status == 0:
                break

    conv, tok = sys.argv[2], load_tokenizer(sys.argv[3])
    for job in sys.argv[4:]:
        kill_each_step(Path(job.split(":")[0]), int(job.split(":")[1]))
""")

# Opens every snapshot the way training does: the path of the first data file, through MindDataset.
CHECKER = textwrap.dedent("""
    import filecmp, json, os, sys
    import mindspore.dataset as ds
    for snap in sys.argv[1:]:
        meta = json.load(open(os.path.join(snap, "train.mindrecord.meta.json")))
        first = os.path.join(snap, meta["files"][0])
        data = ds.MindDataset(first, columns_list=["input_ids", "labels"], shuffle=False)
        shapes = {tuple(row["input_ids"].shape) for row in data.create_dict_iterator(output_numpy=True)}
        # the index MindSpore opens (beside the path given) is the one written with the data it finds
        same = filecmp.cmp(first + ".db", os.path.realpath(first) + ".db", shallow=False)
        print(json.dumps({"snap": snap, "version": meta["version"], "rows": data.get_dataset_size(),
                          "meta_rows": meta["rows"], "shapes": sorted(shapes), "row_length": meta["row_length"],
                          "same_set": same}), flush=True)
""")


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """A tokenizer and 40 conversations (the new data), and the old set written at seq_length 64."""
    import string

    from converters.encode.char_tokenizer import build_char_tokenizer, conversation_texts
    from converters.encode.mindrecord import EncodeOptions, encode, read_conversations, write_mindrecord
    from converters.encode.tokenizers import load_tokenizer

    d = tmp_path_factory.mktemp("atomic")
    conv = d / "conversations.json"
    conv.write_text(json.dumps([{"conversations": [{"from": "human", "value": f"计算 {i} + {i} = ?"},
                                                   {"from": "gpt", "value": f"{i} + {i} = {2 * i}"}]}
                                for i in range(40)]), encoding="utf-8")
    tok_path = build_char_tokenizer(conversation_texts(conv), d / "tok", extra=string.printable)
    tok = load_tokenizer(str(tok_path))
    old = d / "old"
    pairs = [(h, g) for _, h, g in read_conversations(conv)][:25]
    write_mindrecord(encode(pairs, tok, EncodeOptions(chat="plain")), old / "train.mindrecord", 64, tok.pad_id,
                     {"version": "old"})
    return d, conv, tok_path, old


def _plain_copy(src: Path, dst: Path) -> None:
    """The old set as the one-file-at-a-time writer left it: regular files, no version store."""
    dst.mkdir()
    for name in ("train.mindrecord", "train.mindrecord.db", "train.mindrecord.meta.json"):
        (dst / name).write_bytes((src / name).read_bytes())


def test_killed_at_every_rename_the_set_is_old_or_new_whole(small_set, tmp_path):
    """Over a versioned old set (1 shard → 3) and over plain files from before version sets (1 → 2)."""
    import shutil

    d, conv, tok_path, old = small_set
    jobs = {tmp_path / "versioned": 3, tmp_path / "plain": 2}
    shutil.copytree(old, tmp_path / "versioned" / "pristine", symlinks=True)
    (tmp_path / "plain").mkdir()
    _plain_copy(old, tmp_path / "plain" / "pristine")
    run = subprocess.run([sys.executable, "-c", KILLER, str(ROOT), str(conv), str(tok_path),
                          *(f"{w}:{n}" for w, n in jobs.items())], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    kills = [json.loads(line) for line in run.stdout.splitlines()]
    snaps = [f"{k['work']}/kill-{k['k']}" for k in kills]
    check = subprocess.run([sys.executable, "-c", CHECKER, *snaps], capture_output=True, text=True, timeout=900,
                           env={**os.environ, "GLOG_v": "3"})
    assert check.returncode == 0, check.stderr[-3000:]
    seen = {s["snap"]: s for s in map(json.loads, check.stdout.splitlines())}
    assert len(seen) == len(snaps)
    for s in seen.values():
        rows = 25 if s["version"] == "old" else 40
        assert (s["rows"], s["meta_rows"], s["shapes"]) == (rows, rows, [[s["row_length"]]]), s
        assert s["same_set"], s
    for work, shards in jobs.items():
        mine = [k for k in kills if k["work"] == str(work)]
        assert mine[-1]["status"] == 0 and all(k["status"] == 77 for k in mine[:-1])
        assert len(mine) >= 5  # version rename, a link per file, the swap: each one a kill point
        versions = [seen[f"{work}/kill-{k['k']}"]["version"] for k in mine]
        assert versions[0] == "old" and versions[-1] == "new"
        assert versions == sorted(versions, key=["old", "new"].index)  # never back to old once new is seen
        final = work / f"kill-{mine[-1]['k']}"
        left = sorted(p.name for p in store_of(final / "train.mindrecord").iterdir())
        assert len(left) == 3 and left[:2] == ["current", "lock"]  # older versions and leftovers are gone
        links = sorted(p.name for p in final.iterdir() if p.is_symlink())
        names = [f"train.mindrecord{i}" for i in range(shards)]
        assert links == sorted(names + [n + ".db" for n in names] + ["train.mindrecord.meta.json"])
        assert not (final / "train.mindrecord").exists()  # the one-shard name of the old set is gone


def test_one_writer_at_a_time_and_stale_partials_cleaned(small_set, tmp_path):
    from converters.encode.mindrecord import EncodeOptions, encode, read_conversations, write_mindrecord
    from converters.encode.tokenizers import load_tokenizer

    d, conv, tok_path, old = small_set
    tok = load_tokenizer(str(tok_path))
    out = tmp_path / "train.mindrecord"
    pairs = [(h, g) for _, h, g in read_conversations(conv)]
    with output_lock(out):  # another writer holds it (flock conflicts across open files, even in one process)
        with pytest.raises(InputError, match="another process is writing it"):
            write_mindrecord(encode(pairs, tok, EncodeOptions(chat="plain")), out, 64, tok.pad_id, {})
    crashed = store_of(out) / "v-crashed.partial"
    crashed.mkdir(parents=True)
    (crashed / "train.mindrecord").write_bytes(b"half")
    older = tmp_path / ".train.mindrecord.abc123.partial"  # left by the writer before version sets
    older.mkdir()
    write_mindrecord(encode(pairs, tok, EncodeOptions(chat="plain")), out, 64, tok.pad_id, {})
    assert not crashed.exists() and not older.exists()
    assert json.loads((tmp_path / "train.mindrecord.meta.json").read_text())["rows"] == 40


def test_mindrecord_into_a_directory_path_leaves_nothing(small_set, tmp_path):
    from mathtune.cli import main

    d, conv, tok_path, old = small_set
    target = tmp_path / "dir"
    target.mkdir()
    for out in (str(target), str(tmp_path / "new") + "/"):
        assert main(["data", "mindrecord", str(conv), "--out", out, "--tokenizer", str(tok_path),
                     "--chat", "plain", "--quiet"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"] and not any(target.iterdir())


PREPARE_KILLER = DYING + textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[1])
    k = int(sys.argv[2])
    os.replace, os.rename = dying(os.replace, k), dying(os.rename, k)
    from mathtune.cli import main
    sys.exit(main(sys.argv[3:]))
""")


def _prepare_set(out: Path) -> tuple:
    """What the folder holds now, read through its names as `train` or a person would."""
    report = json.loads((out / "report.json").read_text())
    selected = (out / "selected.jsonl").read_text().splitlines()
    conversations = json.loads((out / "conversations.json").read_text())
    assert len(selected) == len(conversations) == sum(c["count"] for c in report["selected"])
    return report["inputs"], len(selected)


def test_prepare_killed_at_any_rename_leaves_the_old_set_or_the_new_whole(tmp_path):
    from fileio.atomic import write_jsonl
    from converters.synth.contest import synth_rows
    from mathtune.cli import main

    old_rows, new_rows = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    write_jsonl(old_rows, synth_rows(20, seed=1))
    write_jsonl(new_rows, synth_rows(30, seed=2))
    out = tmp_path / "prep"
    def args(rows, *more):
        return ["data", "prepare", str(rows), "--out-dir", str(out), "--no-mindrecord", "--quiet", *more]

    assert main(args(old_rows)) in (0, 1)
    old = _prepare_set(out)
    statuses = []
    for k in range(1, 40):
        run = subprocess.run([sys.executable, "-c", PREPARE_KILLER, str(ROOT), str(k), *args(new_rows)],
                             capture_output=True, text=True, timeout=300, cwd=tmp_path)
        statuses.append(run.returncode)
        now = _prepare_set(out)  # never a mix, never a missing report
        if run.returncode == 77:
            assert now == old or now[0] == [str(new_rows)], k  # killed after the switch: the new set
        else:
            assert run.returncode in (0, 1), run.stderr[-2000:]
            assert now[0] == [str(new_rows)]
            break
        if now != old:
            assert main(args(old_rows)) in (0, 1)  # back to the old set before the next kill
            assert _prepare_set(out) == old
    assert statuses[0] == 77 and statuses[-1] in (0, 1) and len(statuses) >= 4
    # fewer rows next time: no name of the larger set is left behind (the set is the new one, whole)
    assert main(args(old_rows, "--n", "5")) in (0, 1) and _prepare_set(out)[1] == 5


def test_prepare_refuses_a_second_run_on_the_same_folder(tmp_path):
    from mathtune.cli import main

    out = tmp_path / "prep"
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"problem": "计算 1 + 1 = ?", "solution": "2"}\n', encoding="utf-8")
    with locked(out / ".prepare.lock", out):
        assert main(["data", "prepare", str(rows), "--out-dir", str(out), "--no-mindrecord", "--quiet"]) == 2
    assert not (out / "report.json").exists()


def test_a_version_store_that_is_a_symlink_is_refused_and_nothing_outside_is_removed(tmp_path):
    """A folder unpacked from elsewhere may carry `.prepare.versions -> ..`: cleaning must not follow it."""
    from mathtune.cli import main

    victim = tmp_path / "project"
    victim.mkdir()
    (victim / "main.py").write_text("code\n")
    (victim / "v-notes").mkdir()  # even a name like the store's own versions
    out = tmp_path / "out"
    out.mkdir()
    (out / ".prepare.versions").symlink_to(victim)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"problem": "计算 1 + 1 等于多少？", "solution": "2"}\n', encoding="utf-8")
    assert main(["data", "prepare", str(rows), "--out-dir", str(out), "--no-mindrecord", "--quiet"]) == 2
    assert (victim / "main.py").read_text() == "code\n" and (victim / "v-notes").is_dir()
    # inside a real store, only the names it makes are removed
    (out / ".prepare.versions").unlink()
    assert main(["data", "prepare", str(rows), "--out-dir", str(out), "--no-mindrecord", "--quiet"]) in (0, 1)
    (out / ".prepare.versions" / "notes.txt").write_text("mine\n")
    assert main(["data", "prepare", str(rows), "--out-dir", str(out), "--no-mindrecord", "--quiet"]) in (0, 1)
    assert (out / ".prepare.versions" / "notes.txt").read_text() == "mine\n"
