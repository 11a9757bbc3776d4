"""The site builder without a browser: reading render outputs, weight connections against NumPy,
and the written site (every page, link and image present), through the API and the CLI."""
import json
import os
import re

import numpy as np
import pytest

from lucid_vgg import cli
from lucid_vgg.misc import io as mio
from lucid_vgg.site import build_site, layer_connections, read_render_output
from lucid_vgg.site.connections import conv_kernel
from lucid_vgg.site.render_output import RenderOutputError, read_manifest

from site_fixtures import C11, C12, C21, RENDERED, make_render_out, picture, skimage_photos


@pytest.fixture(scope="module")
def render_out(tiny_model, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("render"))
    make_render_out(root, tiny_model, photos=skimage_photos())
    return root


def test_latest_row_wins_and_a_torn_last_line_is_skipped(render_out):
    rows = read_manifest(os.path.join(render_out, "manifest.jsonl"))
    first = [r for r in rows if r["layer"] == C11 and r["unit"] == 0 and r["kind"] == "positive"]
    assert len(first) == 1 and first[0]["objective"] == 1.0  # not the stale -99
    out = read_render_output(render_out)
    assert out.units_of(C12) == RENDERED[C12]
    assert [r["index"] for r in out.units[(C11, 1)]["diverse"]] == [0, 1]
    examples = out.units[(C21, 4)]["example"]
    assert len(examples) == 3 and examples[0]["activation"] >= examples[-1]["activation"]


def test_a_bad_line_before_the_last_is_an_error(tmp_path):
    (tmp_path / "manifest.jsonl").write_text('{"layer": "a"\n{"layer": "b"}\n')
    with pytest.raises(RenderOutputError, match="line 1 is not a JSON object"):
        read_manifest(str(tmp_path / "manifest.jsonl"))


def test_png_folder_fallback_names_layers_from_the_model(tiny_model, tmp_path):
    for unit in (0, 1, 3):
        mio.save(picture(0, unit, 0), str(tmp_path / f"conv2_1_{unit:04d}.png"))
    mio.save(picture(0, 0, 0), str(tmp_path / "conv2_1_grid.png"))  # not a unit
    known = [{"name": la.name, "depth": la.depth, "tags": sorted(la.tags)} for la in tiny_model.layers]
    out = read_render_output(str(tmp_path), "TinyVGG", known)
    assert [e["name"] for e in out.layers] == [C21] and out.layers[0]["depth"] == 16
    assert out.units_of(C21) == [0, 1, 3]
    assert out.units[(C21, 3)]["positive"][0]["file"] == "conv2_1_0003.png"


def test_connections_match_numpy_on_the_kernels(tiny_model):
    conv = {name: (w.astype(np.float32), b) for name, (w, b) in tiny_model.weights[0].items()}
    np.testing.assert_array_equal(conv_kernel(tiny_model.graph_def, C21), conv["conv2_1"][0])
    links = layer_connections(tiny_model, top=3)
    assert links[C11]["below"] is None and links["conv3_1/conv3_1"]["above"] is None
    w21, w22 = conv["conv2_1"][0], conv["conv2_2"][0]
    for u in range(16):
        norms_in = np.linalg.norm(w21[:, :, :, u].reshape(9, -1), axis=0)  # [8 channels of conv1_2]
        below = links[C21]["below"]
        assert below["layer"] == C12
        assert [c for c, _ in below["units"][u]] == list(np.argsort(-norms_in, kind="stable")[:3])
        np.testing.assert_allclose([n for _, n in below["units"][u]], np.sort(norms_in)[::-1][:3],
                                   rtol=1e-5)
        norms_out = np.linalg.norm(w22[:, :, u, :].reshape(9, -1), axis=0)  # [16 units of conv2_2]
        above = links[C21]["above"]
        assert above["layer"] == "conv2_2/conv2_2"
        assert [v for v, _ in above["units"][u]] == list(np.argsort(-norms_out, kind="stable")[:3])


def site_files(site):
    return {os.path.relpath(os.path.join(d, f), site).replace(os.sep, "/")
            for d, _, fs in os.walk(site) for f in fs}


def check_every_reference_exists(site):
    """Every href/src of every page names a file of the site (a static link check)."""
    files = site_files(site)
    pages = [f for f in files if f.endswith(".html")]
    for page in pages:
        text = open(os.path.join(site, page), encoding="utf-8").read()
        for ref in re.findall(r'(?:href|src)="([^"#]+)"', text):
            target = os.path.normpath(os.path.join(os.path.dirname(page), ref)).replace(os.sep, "/")
            assert target in files, f"{page} links to missing {ref}"
    return files, pages


def test_site_has_every_unit_page_and_every_link_resolves(tiny_model, render_out, tmp_path):
    site = str(tmp_path / "site")
    done = build_site(site, render_out, model=tiny_model, top=4)
    assert done["units"] == sum(map(len, RENDERED.values())) == 30
    files, pages = check_every_reference_exists(site)
    assert len(pages) == 1 + 3 + 30 and done["images_copied"] == 30 + 3 * 3 + 16 * 3
    unit = open(os.path.join(site, "unit/conv2_1/0004.html"), encoding="utf-8").read()
    assert "Dataset examples" in unit and 'loading="lazy"' in unit
    assert 'id="nav-prev" href="../../unit/conv2_1/0003.html"' in unit
    assert 'id="nav-next" href="../../unit/conv2_1/0005.html"' in unit
    links = json.load(open(os.path.join(site, "site-data/connections/conv2_1.json")))
    assert links == {"layer": C21, "top": 4, **layer_connections(tiny_model, 4)[C21]}
    for c, _ in links["below"]["units"][4]:  # conv1_2 units 0-5 are linked, 6-7 only named
        assert (f'href="../../unit/conv1_2/{c:04d}.html"' in unit) == (c in RENDERED[C12])
    index = json.load(open(os.path.join(site, "site-data/index.json")))
    assert [(e["stem"], e["units"]) for e in index["layers"]] == \
        [(n.split("/")[0], u) for n, u in RENDERED.items()]
    c11 = open(os.path.join(site, "unit/conv1_1/0000.html"), encoding="utf-8").read()
    assert "-99" not in c11 and "Negative" in c11 and "Diverse" in c11


def test_in_place_site_uses_the_render_output_images(tiny_model, render_out, tmp_path):
    import shutil

    root = str(tmp_path / "render")
    shutil.copytree(render_out, root)
    done = build_site(root, model=tiny_model, top=0)
    assert done["images_copied"] == 0 and not os.path.exists(os.path.join(root, "img"))
    check_every_reference_exists(root)


def test_cli_site_builds_with_connections_from_model_pb(tiny_model, tmp_path, capsys):
    render = str(tmp_path / "render")
    make_render_out(render, tiny_model, model_name="VGG16_caffe")
    pb = tmp_path / "tiny.pb"
    pb.write_bytes(tiny_model.graph_def.SerializeToString())
    site = str(tmp_path / "site")
    assert cli.main(["site", site, "--from", render, "--top", "2", "--model-pb", str(pb)]) == 0
    assert "wrote 30 unit pages in 3 layers" in capsys.readouterr().out
    links = json.load(open(os.path.join(site, "site-data/connections/conv1_2.json")))
    assert links["below"]["layer"] == C11 and len(links["below"]["units"][0]) == 2
    check_every_reference_exists(site)


def test_missing_file_is_refused_before_anything_is_written(tiny_model, render_out, tmp_path):
    import shutil

    root = tmp_path / "render"
    shutil.copytree(render_out, root)
    os.remove(root / "conv2_1" / "0005_positive_0.png")
    with pytest.raises(RenderOutputError, match="conv2_1/0005_positive_0.png' does not exist"):
        build_site(str(tmp_path / "site"), str(root), model=tiny_model)
    assert not (tmp_path / "site").exists()


def test_examples_from_another_folder_are_merged_in(tiny_model, tmp_path, capsys):
    from lucid_vgg.recipes.dataset_examples import dataset_examples

    render, examples, site = (str(tmp_path / n) for n in ("render", "examples", "site"))
    make_render_out(render, tiny_model)
    dataset_examples(tiny_model, [C21, "conv3_1/conv3_1"], skimage_photos(), k=2, out=examples)
    done = build_site(site, render, model=tiny_model, top=0, examples=[examples])
    assert done["layers"] == 4 and done["units"] == 30 + 32  # conv3_1: examples only
    check_every_reference_exists(site)
    unit = open(os.path.join(site, "unit/conv2_1/0004.html"), encoding="utf-8").read()
    assert 'src="../../img/examples0/examples/conv2_1/0004_1.png"' in unit and "Positive" in unit
    in_place = build_site(render, top=0, model=tiny_model, examples=[examples])  # beside the render
    assert in_place["images_copied"] == 2 * (16 + 32)
    check_every_reference_exists(render)
    assert cli.main(["site", str(tmp_path / "cli"), "--from", render, "--examples", examples,
                     "--top", "0"]) == 0
    assert "wrote 62 unit pages in 4 layers" in capsys.readouterr().out


def test_max_side_shrinks_the_copies_only(tiny_model, render_out, tmp_path):
    from PIL import Image

    site = str(tmp_path / "site")
    build_site(site, render_out, model=tiny_model, top=0, max_side=20)
    with Image.open(os.path.join(site, "img/conv2_1/0003_positive_0.png")) as img:
        assert img.size == (20, 20)  # the 32 px render, shrunk
    with Image.open(os.path.join(render_out, "conv2_1/0003_positive_0.png")) as img:
        assert img.size == (32, 32)  # the original stays
    assert build_site(site, render_out, model=tiny_model, top=0, max_side=20)["images_copied"] == 0
