"""Packaging: every install gets exactly one TensorFlow distribution."""
import configparser
import os

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
