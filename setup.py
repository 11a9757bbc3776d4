"""Setuptools shim: metadata lives in setup.cfg; this only makes the README's pictures show on PyPI."""
import configparser
import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
# `![alt](path)` whose path is relative: no scheme (https:, data:), no leading / or #
RELATIVE_IMAGE = re.compile(r"(!\[[^\]]*\]\()(?![A-Za-z][A-Za-z0-9+.-]*:|[/#])")
RELATIVE_IMAGE_WHOLE = re.compile(r"!\[([^\]]*)\]\((?![A-Za-z][A-Za-z0-9+.-]*:|[/#])([^)\s]+)\)")


def project_url(cfg_path: str, name: str) -> str:
    """The `name = URL` entry of [metadata] project_urls in a setup.cfg, or "" if absent."""
    cfg = configparser.ConfigParser()
    cfg.read(cfg_path, encoding="utf-8")
    for line in cfg.get("metadata", "project_urls", fallback="").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == name:
            return value.strip()
    return ""


def pypi_readme(readme_path: str, cfg_path: str) -> str:
    """The README with relative image links made absolute under the `Source` project URL's
    main branch: PyPI shows only absolute image URLs. Without a Source URL each relative image
    becomes its alt text and path in italics, so PyPI shows no broken picture."""
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    source = project_url(cfg_path, "Source")
    if not source:
        return RELATIVE_IMAGE_WHOLE.sub(r"*\1 (\2 in the source)*", text)
    return RELATIVE_IMAGE.sub(lambda m: m.group(1) + source.rstrip("/") + "/raw/main/", text)


if __name__ == "__main__":  # how setuptools runs this file; tests import it for pypi_readme
    setup(long_description=pypi_readme(os.path.join(HERE, "README.md"),
                                       os.path.join(HERE, "setup.cfg")))
