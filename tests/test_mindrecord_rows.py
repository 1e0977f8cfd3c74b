"""RowWriter writes the very bytes MindSpore's FileWriter writes, with the files read back by MindSpore."""
from __future__ import annotations

import numpy as np
import pytest
from mindspore.mindrecord import FileReader, FileWriter

from converters.encode.mindrecord import PACKED_SCHEMA, SCHEMA
from converters.encode.rowwriter import RowWriter

ONE = {"input_ids": SCHEMA["input_ids"]}


def _write(path, schema, batches, fast, length):
    writer = FileWriter(str(path), shard_num=1, overwrite=True)
    writer.add_schema(schema, "qa")
    rows = RowWriter(writer, length) if fast else None
    for batch in batches:
        rows.write(batch) if fast else writer.write_raw_data(batch)
    writer.commit()


@pytest.mark.parametrize("schema", [SCHEMA, PACKED_SCHEMA, ONE], ids=["two", "packed", "one"])
@pytest.mark.parametrize("sizes", [[1, 700, 299], [1000], [3, 1, 996]])
def test_same_bytes_as_filewriter(tmp_path, schema, sizes):
    rng = np.random.default_rng(len(schema) * 10 + len(sizes))
    length = 17
    rows = [{k: rng.integers(-100, 128_000, length).astype(np.int32) for k in schema} for _ in range(sum(sizes))]
    cut = np.cumsum([0, *sizes])
    batches = [rows[a:b] for a, b in zip(cut[:-1], cut[1:])]
    for way in ("ref", "fast"):
        (tmp_path / way).mkdir()
        _write(tmp_path / way / "x.mindrecord", schema, batches, way == "fast", length)
    for name in ("x.mindrecord", "x.mindrecord.db"):
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
    reader = FileReader(str(tmp_path / "fast" / "x.mindrecord"))
    got = list(reader.get_next())
    reader.close()
    assert len(got) == len(rows)
    assert all(np.array_equal(g[k], r[k]) for g, r in zip(got, rows) for k in schema)


@pytest.mark.parametrize("bad", [np.zeros(17, np.int64), np.zeros(16, np.int32)], ids=["int64", "short"])
def test_a_row_not_of_the_schema_is_refused(tmp_path, bad):
    writer = FileWriter(str(tmp_path / "x.mindrecord"), shard_num=1, overwrite=True)
    writer.add_schema(SCHEMA, "qa")
    rows = RowWriter(writer, 17)
    good = {"input_ids": np.zeros(17, np.int32), "labels": np.zeros(17, np.int32)}
    rows.write([good])
    with pytest.raises(ValueError, match="labels"):
        rows.write([good, {**good, "labels": bad}])
