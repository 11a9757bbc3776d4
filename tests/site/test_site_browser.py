"""The built site in a real browser: headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium) loads it from `python -m http.server` on 127.0.0.1 and walks model -> layer
-> unit -> next unit (keyboard) -> search box; every image must load and every link answer 200.

Skipped only outside CI when Chromium or Selenium is missing; with CI=true it must run.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest

from lucid_vgg.site import build_site, layer_connections

from site_fixtures import C12, C21, RENDERED, make_render_out, skimage_photos

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _missing():
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[site]'"
    if not (CHROMIUM and DRIVER):
        return "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    return None


if _missing() and os.environ.get("CI") != "true":
    pytest.skip(_missing(), allow_module_level=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model, tmp_path_factory):
    assert _missing() is None, _missing()
    render = str(tmp_path_factory.mktemp("render"))
    make_render_out(render, tiny_model, photos=skimage_photos())
    site = str(tmp_path_factory.mktemp("site"))
    build_site(site, render, model=tiny_model, top=4)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", site], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(base, timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1000,700"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait_for(browser, condition, what, timeout=15):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(lambda d: condition(d), message=what)


def images_loaded(browser):
    """Scroll every image into view (they load lazily), then all must have naturalWidth > 0."""
    count = browser.execute_script("""
        var imgs = Array.from(document.images);
        imgs.forEach(function (img) { img.scrollIntoView(); });
        window.scrollTo(0, 0);
        return imgs.length;""")
    wait_for(browser, lambda d: d.execute_script(
        "return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0);"),
        f"every image of {browser.current_url} loaded")
    return count


def go_by_key(browser, key, expect):
    from selenium.webdriver.common.by import By

    browser.find_element(By.TAG_NAME, "body").send_keys(key)
    wait_for(browser, lambda d: d.current_url.endswith(expect), f"{key!r} leads to {expect}")


def test_walk_model_layer_unit_keyboard_and_search(server, browser, tiny_model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server)
    assert images_loaded(browser) == 8 + 6 + 8  # first units of each layer
    browser.find_element(By.LINK_TEXT, "conv2_1/conv2_1").click()
    wait_for(browser, lambda d: d.current_url.endswith("layer/conv2_1.html"), "layer page")
    assert images_loaded(browser) == 16
    browser.find_element(By.CSS_SELECTOR, 'a[href="../unit/conv2_1/0004.html"]').click()
    wait_for(browser, lambda d: d.current_url.endswith("unit/conv2_1/0004.html"), "unit page")
    below = layer_connections(tiny_model, 4)[C21]["below"]["units"][4]  # conv1_2: units 0-5 shown
    shown_below = sum(1 for c, _ in below if c in RENDERED[C12])  # conv2_2 above: not in the site
    assert images_loaded(browser) == 1 + 3 + shown_below  # positive, dataset examples, links
    go_by_key(browser, Keys.ARROW_RIGHT, "unit/conv2_1/0005.html")
    images_loaded(browser)
    go_by_key(browser, Keys.ARROW_LEFT, "unit/conv2_1/0004.html")
    go_by_key(browser, Keys.ARROW_UP, "layer/conv2_1.html")
    box = browser.find_element(By.ID, "search-box")
    box.send_keys("conv1_1:3", Keys.ENTER)
    wait_for(browser, lambda d: d.current_url.endswith("unit/conv1_1/0003.html"), "search result")
    images_loaded(browser)
    browser.find_element(By.ID, "search-box").send_keys("conv1_2:7", Keys.ENTER)  # not rendered
    wait_for(browser, lambda d: "has no unit 7" in d.find_element(By.ID, "search-message").text,
             "search refusal")
    assert browser.current_url.endswith("unit/conv1_1/0003.html")


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.refs.append(value)


def test_every_link_of_the_served_site_answers_200(server):
    """Crawl from the model page: every page, image, script and stylesheet is served."""
    seen, todo, pages = set(), [server + "index.html"], 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200, url
                body = response.read()
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{url}: HTTP {e.code}") from None
        if url.endswith(".html"):
            pages += 1
            parser = _Refs()
            parser.feed(body.decode("utf-8"))
            for ref in parser.refs:
                target = urljoin(url, ref).split("#")[0]
                target += "index.html" if target.endswith("/") else ""
                assert urlparse(target).netloc == urlparse(server).netloc, f"{url} -> {ref}"
                todo.append(target)
    assert pages == 1 + 3 + 30
