"""Packaging: one TensorFlow distribution per install, what the wheel ships, README images on PyPI."""
import configparser
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF_DISTRIBUTIONS = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel",
                    "tensorflow-macos", "tensorflow-aarch64", "tf-nightly"}
PLATFORMS = {  # (sys_platform, platform_system, platform_machine)
    "linux x86_64": ("linux", "Linux", "x86_64"),
    "linux aarch64": ("linux", "Linux", "aarch64"),
    "macOS arm64": ("darwin", "Darwin", "arm64"),
    "Windows": ("win32", "Windows", "AMD64"),
}


def requirements(extras):
    """Requirement objects an install of lucid-vgg[extras] asks for, markers not yet evaluated."""
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"), encoding="utf-8")
    lines = cfg.get("options", "install_requires").splitlines()
    for extra in extras:
        lines += cfg.get("options.extras_require", extra).splitlines()
    return [Requirement(line) for line in lines if line.strip()]


def tensorflows(extras, platform):
    """The TensorFlow distributions (name, extras) that install brings on `platform`."""
    sys_platform, system, machine = PLATFORMS[platform]
    env = {"sys_platform": sys_platform, "platform_system": system, "platform_machine": machine,
           "python_version": "3.11", "extra": ""}
    return sorted((r.name, tuple(sorted(r.extras))) for r in requirements(extras)
                  if r.name in TF_DISTRIBUTIONS and (r.marker is None or r.marker.evaluate(env)))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize("extras", [("cpu",), ("gpu",), ("cpu", "weights", "test", "notebooks"),
                                    ("gpu", "weights", "test", "notebooks")])
def test_each_install_gets_exactly_one_tensorflow_distribution(extras, platform):
    assert len(tensorflows(extras, platform)) == 1


def test_cpu_is_the_small_build_and_gpu_brings_cuda_on_linux():
    assert tensorflows(("cpu",), "linux x86_64") == [("tensorflow-cpu", ())]
    assert tensorflows(("gpu",), "linux x86_64") == [("tensorflow", ("and-cuda",))]
    assert tensorflows(("cpu",), "macOS arm64") == [("tensorflow", ())]


def test_without_cpu_or_gpu_no_tensorflow_is_installed_beside_an_existing_one():
    for platform in PLATFORMS:
        assert tensorflows(("weights", "test", "notebooks"), platform) == []


def load_setup_py():
    spec = importlib.util.spec_from_file_location("lucid_vgg_setup", os.path.join(ROOT, "setup.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: setup() is not called
    return module


def test_pypi_readme_makes_relative_images_absolute_under_the_source_url(tmp_path):
    readme, cfg = tmp_path / "README.md", tmp_path / "setup.cfg"
    readme.write_text("![a](docs/a.png) ![b](https://x.org/b.png) [c](docs/c.md)\n![d](/d.png)\n")
    cfg.write_text("[metadata]\nname = x\n")
    pypi_readme = load_setup_py().pypi_readme
    assert pypi_readme(str(readme), str(cfg)) == (  # no Source URL: no broken picture on PyPI
        "*a (docs/a.png in the source)* ![b](https://x.org/b.png) [c](docs/c.md)\n![d](/d.png)\n")
    cfg.write_text("[metadata]\nproject_urls =\n    Source = https://github.com/o/r/\n")
    assert pypi_readme(str(readme), str(cfg)) == (
        "![a](https://github.com/o/r/raw/main/docs/a.png) ![b](https://x.org/b.png) "
        "[c](docs/c.md)\n![d](/d.png)\n")


def test_wheel_ships_the_packages_and_labels_but_no_tests_benchmarks_or_notebooks(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "setup.cfg", "README.md", "LICENSE"):
        shutil.copy(os.path.join(ROOT, name), src / name)
    for name in ("lucid_vgg", "modelzoo", "tests", "benchmarks", "notebooks/tools"):
        shutil.copytree(os.path.join(ROOT, name), src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(src)], check=True)
    (wheel,) = (tmp_path / "dist").iterdir()
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"lucid_vgg", "modelzoo"}
    assert "modelzoo/labels/ImageNet_standard.txt" in names
    assert {"modelzoo/labels/ImageNet_standard_synsets.txt", "modelzoo/labels/ImageNet_synsets_wordnet.tsv",
            "modelzoo/labels/WordNet_LICENSE.txt"} <= set(names)  # modelzoo.wordnet's data
    assert "lucid_vgg/optvis/render.py" in names
    assert {"lucid_vgg/site/static/site.css", "lucid_vgg/site/static/site.js"} <= set(names)
