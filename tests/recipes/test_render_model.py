"""recipes.render_model in-process (unit tier, tiny random-weight VGG): files, manifest rows,
resume, settings changes, another model's manifest, torn lines, fsspec URLs; render_layer's
manifest-based resume (issue 17); the docs/layer_grids migration; the CLI."""
import json
import os
import warnings

import numpy as np
import pytest

from lucid_vgg import cli, recipes
from lucid_vgg.recipes import manifest, model_renders as rm
from lucid_vgg.recipes._common import load_png

L11, L21 = "conv1_1/conv1_1", "conv2_1/conv2_1"
FAST = dict(size=16, steps=2, transforms=[], batch_size=4)


def rows_of(out):
    with open(os.path.join(out, "manifest.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def snapshot(out):
    """{relative path: bytes} of every file under out."""
    found = {}
    for root, _, files in os.walk(out):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, out)] = f.read()
    return found


@pytest.fixture(scope="module")
def first_job(tiny_model, tmp_path_factory):
    """One render of conv1_1 units 0-3 as positive, negative and diverse (2 images)."""
    out = str(tmp_path_factory.mktemp("rm") / "out")
    info = rm.render_model(tiny_model, out, layers=[L11], kinds=("positive", "negative", "diverse"),
                           units=[0, 1, 2, 3], diverse_n=2, diversity_weight=1.0, **FAST)
    return out, info


def test_files_and_rows_one_per_file(first_job, tiny_model):
    out, info = first_job
    assert info.rendered == 4 + 4 + 8 and info.reused == 0 and info.batches == 1 + 1 + 4
    rows = rows_of(out)
    assert len(rows) == 16
    files = sorted(r["file"] for r in rows)
    assert len(set(files)) == 16
    assert "conv1_1/positive/0003.png" in files and "conv1_1/diverse/0002_1.png" in files
    want_keys = {"layer", "unit", "kind", "index", "file", "sha256", "objective", "settings",
                 "settings_key", "model", "version", "finished"}
    fingerprint = manifest.model_fingerprint(tiny_model)
    for r in rows:
        assert set(r) == want_keys
        with open(os.path.join(out, r["file"]), "rb") as f:
            assert manifest.sha256_bytes(f.read()) == r["sha256"]
        assert r["settings_key"] == manifest.settings_key(r["settings"])
        assert r["model"] == {"name": "TinyVGG", "fingerprint": fingerprint}
        assert r["version"] == recipes.manifest.package_version() != "unknown"
    kinds = {r["kind"] for r in rows}
    assert kinds == {"positive", "negative", "diverse"}
    diverse = [r for r in rows if r["kind"] == "diverse"]
    assert diverse[0]["settings"]["diverse_n"] == 2 and "diverse_n" not in rows[0]["settings"]
    with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
        model_json = json.load(f)
    assert model_json["model"]["fingerprint"] == fingerprint
    assert model_json["layers"] == [{"name": L11, "depth": 8, "tags": ["conv"]}]


def test_objective_is_the_units_mean_activation(first_job, tiny_model):
    """The row's objective against a NumPy reference: the channel mean of the saved PNG's
    activations (8-bit quantised, so close rather than equal); negative rows are negated."""
    out, _ = first_job
    for r in rows_of(out):
        img = load_png(os.path.join(out, r["file"]))
        acts = np.asarray(tiny_model.get_activations(img[None], L11))[0]
        mean = float(acts[..., r["unit"]].mean())
        sign = -1.0 if r["kind"] == "negative" else 1.0
        assert r["objective"] == pytest.approx(sign * mean, rel=0.05, abs=0.02)
    by = {(r["kind"], r["unit"]): r["objective"] for r in rows_of(out)}
    # a positive image excites its unit more than the negative one does
    assert sum(by[("positive", u)] > -by[("negative", u)] for u in range(4)) >= 3


def test_rerun_reuses_everything_and_writes_nothing(first_job, tiny_model):
    out, _ = first_job
    before = snapshot(out)
    info = rm.render_model(tiny_model, out, layers=[L11], kinds=("positive", "negative", "diverse"),
                           units=[0, 1, 2, 3], diverse_n=2, diversity_weight=1.0, **FAST)
    assert info.rendered == 0 and info.reused == 16
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k != "model.json"} == \
        {k: v for k, v in before.items() if k != "model.json"}


def test_other_settings_rerender_and_latest_row_wins(tiny_model, tmp_path):
    out = str(tmp_path / "out")
    rm.render_model(tiny_model, out, layers=[L11], units=[0, 1], **FAST)
    changed = dict(FAST, steps=3)
    info = rm.render_model(tiny_model, out, layers=[L11], units=[0, 1], **changed)
    assert info.rendered == 2 and info.reused == 0  # never reused silently
    rows = rows_of(out)
    assert len(rows) == 4 and [r["settings"]["steps"] for r in rows] == [2, 2, 3, 3]
    book = manifest.Manifest(recipes.output_store.OutputStore(out))
    assert book.latest[(L11, 0, "positive", 0)]["settings"]["steps"] == 3
    # going back to the first settings renders again too: the file now holds the 3-step image
    info = rm.render_model(tiny_model, out, layers=[L11], units=[0, 1], **FAST)
    assert info.rendered == 2 and len(rows_of(out)) == 6
    # a unit added to the job renders; the others are reused
    info = rm.render_model(tiny_model, out, layers=[L11], units=[0, 1, 2], **FAST)
    assert info.rendered == 1 and info.reused == 2


def test_changed_or_missing_file_is_rendered_again(tiny_model, tmp_path):
    out = str(tmp_path / "out")
    rm.render_model(tiny_model, out, layers=[L11], units=[0, 1, 2], **FAST)
    os.remove(os.path.join(out, "conv1_1/positive/0000.png"))
    with open(os.path.join(out, "conv1_1/positive/0001.png"), "ab") as f:
        f.write(b"x")  # the file no longer has its recorded SHA-256
    info = rm.render_model(tiny_model, out, layers=[L11], units=[0, 1, 2], **FAST)
    assert info.rendered == 2 and info.reused == 1
    assert sorted(r["unit"] for r in info.rows) == [0, 1]


def test_torn_last_line_is_ignored_with_a_warning(tiny_model, tmp_path):
    out = str(tmp_path / "out")
    rm.render_model(tiny_model, out, layers=[L11], units=[0, 1], **FAST)
    path = os.path.join(out, "manifest.jsonl")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    with open(path, "w", encoding="utf-8") as f:  # unit 1's row cut short by a crash
        f.write(lines[0] + "\n" + lines[1][:40])
    with pytest.warns(UserWarning, match="torn last line"):
        info = rm.render_model(tiny_model, out, layers=[L11], units=[0, 1], **FAST)
    assert info.reused == 1 and [r["unit"] for r in info.rows] == [1]
    # the new row went on a line of its own, not onto the torn one
    with pytest.warns(UserWarning, match="line 2, which is not a JSON row"):
        book = manifest.Manifest(recipes.output_store.OutputStore(out))
    assert sorted(u for (_, u, _, _) in book.latest) == [0, 1] and len(book.rows) == 2


def test_manifest_of_another_model_is_refused_before_any_work(tiny_model, tmp_path):
    from conftest import TinyVGG

    out = str(tmp_path / "out")
    rm.render_model(tiny_model, out, layers=[L11], units=[0], **FAST)
    before = snapshot(out)
    with pytest.raises(manifest.ManifestMismatchError, match="another model.*start fresh"):
        rm.render_model(TinyVGG(seed=1), out, layers=[L11], units=[0, 1], **FAST)
    assert snapshot(out) == before  # nothing lost, nothing added


def test_fsspec_file_url(tiny_model, tmp_path):
    url = (tmp_path / "via_url").as_uri()
    info = rm.render_model(tiny_model, url, layers=[L11], units=[0, 1], **FAST)
    assert info.rendered == 2
    rows = rows_of(tmp_path / "via_url")
    assert [r["file"] for r in rows] == ["conv1_1/positive/0000.png", "conv1_1/positive/0001.png"]
    assert rm.render_model(tiny_model, url, layers=[L11], units=[0, 1], **FAST).reused == 2


def test_progress_counts_files(tiny_model, tmp_path):
    seen = []
    rm.render_model(tiny_model, str(tmp_path / "o"), layers=[L11], units=[0, 1, 2], steps=1,
                    size=16, transforms=[], batch_size=2, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 3), (3, 3)]


# -- render_layer uses the manifest (issue 17: resuming ignored settings) --------------------

def test_render_layer_rerenders_units_made_with_other_steps(tiny_model, tmp_path):
    out = str(tmp_path / "layer")
    kw = dict(size=16, batch_size=4, transforms=[], seed=0, return_info=True)
    _, info0 = recipes.render_layer(tiny_model, L11, out_dir=out, units=[0, 1, 2], steps=0, **kw)
    _, info1 = recipes.render_layer(tiny_model, L11, out_dir=out, units=[0, 1, 2], steps=2, **kw)
    assert info1.loaded == [] and info1.rendered == [0, 1, 2]  # steps 0 was reused before
    _, info2 = recipes.render_layer(tiny_model, L11, out_dir=out, units=[0, 1, 2], steps=2, **kw)
    assert info2.loaded == [0, 1, 2] and info2.rendered == []
    assert [r["settings"]["steps"] for r in rows_of(out)] == [0, 0, 0, 2, 2, 2]


def test_render_layer_grid_shows_the_units_asked_for(tiny_model, tmp_path):
    out = str(tmp_path / "layer")
    kw = dict(size=16, steps=1, batch_size=8, transforms=[], seed=0, return_info=True)
    _, big = recipes.render_layer(tiny_model, L11, out_dir=out, units=list(range(8)), **kw)
    nine = load_png(big.grid_path).shape
    _, small = recipes.render_layer(tiny_model, L11, out_dir=out, units=[0, 1], **kw)
    assert small.rendered == [] and small.loaded == [0, 1]
    two = load_png(small.grid_path).shape
    assert two[1] < nine[1]  # a 2-unit grid now, not the old 8-unit one


def test_render_layer_refuses_another_models_manifest(tiny_model, tmp_path):
    from conftest import TinyVGG

    out = str(tmp_path / "layer")
    recipes.render_layer(tiny_model, L11, out_dir=out, units=[0], size=16, steps=0, transforms=[])
    with pytest.raises(ValueError, match="another model"):
        recipes.render_layer(TinyVGG(seed=2), L11, out_dir=out, units=[0], size=16, steps=0,
                             transforms=[])


def test_undescribable_transform_is_never_reused(tiny_model, tmp_path):
    class Opaque:
        def __call__(self, t):
            return t

    out = str(tmp_path / "layer")
    kw = dict(size=16, steps=0, units=[0], return_info=True, transforms=[Opaque()])
    recipes.render_layer(tiny_model, L11, out_dir=out, **kw)
    _, info = recipes.render_layer(tiny_model, L11, out_dir=out, **kw)
    assert info.rendered == [0]


# -- the CLI ----------------------------------------------------------------------------------

def test_cli_render_model_then_resume(tiny_model, tmp_path, capsys):
    pb = tmp_path / "tiny.pb"
    pb.write_bytes(tiny_model.graph_def.SerializeToString())
    out = str(tmp_path / "cli")
    argv = ["render-model", out, "--model-path", str(pb), "--layers", L11, "--units", "0-1",
            "--size", "16", "--steps", "1", "--kinds", "positive,negative"]
    assert cli.main(argv) == 0
    assert "rendered 4, reused 0" in capsys.readouterr().err
    assert cli.main(argv) == 0
    assert "rendered 0, reused 4" in capsys.readouterr().err
    assert len(rows_of(out)) == 4


# -- docs/layer_grids: the migrated manifest of the committed units ------------------------------

def _layer_grid_tool():
    import importlib.util

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        "render_layer_grids_tool", os.path.join(root, "notebooks", "tools", "render_layer_grids.py"))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_committed_layer_grids_manifest_lists_every_png_with_its_settings():
    tool = _layer_grid_tool()
    rows = rows_of(tool.OUT_DIR)
    pngs = sorted(n for n in os.listdir(tool.OUT_DIR) if n.endswith(".png") and "_grid" not in n)
    assert sorted(r["file"] for r in rows) == pngs and len(pngs) == 2496
    for r in rows:
        want = recipes.layer_renders.layer_settings(tool.LAYER_SIZES[r["layer"]],
                                                    tool.LAYER_STEPS[r["layer"]], tool.BATCH,
                                                    seed=tool.SEED)
        assert r["settings"] == want and r["settings_key"] == manifest.settings_key(want)
        with open(os.path.join(tool.OUT_DIR, r["file"]), "rb") as f:
            assert manifest.sha256_bytes(f.read()) == r["sha256"], r["file"]
        assert r["objective"] is None and r["finished"].endswith("+00:00")


def test_migration_rows_equal_what_render_layer_writes(tiny_model, tmp_path):
    """write_manifest on a render_layer output (its manifest removed) gives back the same keys."""
    tool = _layer_grid_tool()
    out = tmp_path / "grids"
    out.mkdir()
    recipes.render_layer(tiny_model, L11, out_dir=str(out), units=[0, 1], size=16, steps=0,
                         batch_size=tool.BATCH, seed=tool.SEED)
    made = rows_of(out)
    os.remove(out / "manifest.jsonl")
    (out / "timings.jsonl").write_text("")
    sizes = dict(tool.LAYER_SIZES)
    try:
        tool.LAYER_SIZES, tool.LAYER_STEPS = {L11: 16}, {L11: 0}
        assert tool.write_manifest(str(out), model=tiny_model) == 2
    finally:
        tool.LAYER_SIZES = sizes
    again = rows_of(out)
    keys = ("file", "sha256", "settings", "settings_key", "model", "layer", "unit", "kind")
    assert [{k: r[k] for k in keys} for r in again] == [{k: r[k] for k in keys} for r in made]


@pytest.mark.weights
def test_committed_layer_grids_are_reused_by_render_layer():
    """The notebook's render_layer call on conv1_1 finds every committed unit reusable."""
    from modelzoo.vision_models import VGG16_caffe

    tool = _layer_grid_tool()
    model = VGG16_caffe()
    layer = "conv1_1/conv1_1"
    settings = recipes.layer_renders.layer_settings(tool.LAYER_SIZES[layer],
                                                    tool.LAYER_STEPS[layer], tool.BATCH,
                                                    seed=tool.SEED)
    store = recipes.output_store.OutputStore(tool.OUT_DIR)
    # pylint: disable-next=protected-access
    _, found = recipes.layer_renders._reusable_units(model, store, layer, list(range(64)),
                                                     settings, tool.LAYER_SIZES[layer], False)
    assert sorted(found) == list(range(64))


@pytest.mark.weights
@pytest.mark.slow
def test_vgg16_units_rise_well_above_their_start(tmp_path):
    """Real weights, 32 px: after 48 steps each positive unit's objective is far above its value
    at step 0, and the negative image drives the unit lower than the positive one."""
    from modelzoo.vision_models import VGG16_caffe

    model = VGG16_caffe()
    out = str(tmp_path / "vgg")
    kw = dict(layers=["conv3_1/conv3_1"], units=[0, 1], size=32, batch_size=2, seed=0)
    start = rm.render_model(model, str(tmp_path / "start"), steps=0, **kw)
    info = rm.render_model(model, out, steps=48, kinds=("positive", "negative"), **kw)
    before = {r["unit"]: r["objective"] for r in start.rows}
    after = {(r["kind"], r["unit"]): r["objective"] for r in info.rows}
    for u in (0, 1):
        assert after[("positive", u)] > 3 * max(before[u], 1.0)
        assert -after[("negative", u)] < after[("positive", u)]
