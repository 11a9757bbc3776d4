"""Test-only builders: random VGG-like weights and Lucid manifests (not part of the package)."""
import numpy as np

from modelzoo.util import to_json


def random_vgg_weights(blocks, widths, fc_dims=None, seed=0, image_size=None):
    """He-initialised random weights for a small VGG-like net (tests, examples).

    widths: channels per block; fc_dims: (fc6, fc7, fc8) sizes or None; image_size is needed
    with fc_dims to know the flattened size after the pools.
    """
    rng = np.random.default_rng(seed)
    conv, cin = {}, 3
    for (b, n), cout in zip(blocks, widths):
        for i in range(1, n + 1):
            k = rng.standard_normal((3, 3, cin, cout)).astype(np.float32) * np.sqrt(2.0 / (9 * cin))
            conv[f"conv{b}_{i}"] = (k, rng.uniform(-0.1, 0.2, cout).astype(np.float32))
            cin = cout
    fc = None
    if fc_dims:
        side = image_size // 2 ** len(blocks)
        din, fc = side * side * cin, {}
        for name, dout in zip(("fc6", "fc7", "fc8"), fc_dims):
            w = rng.standard_normal((din, dout)).astype(np.float32) * np.sqrt(2.0 / din)
            fc[name] = (w, rng.uniform(-0.1, 0.1, dout).astype(np.float32))
            din = dout
    return conv, fc


def write_manifest(manifest_url, model_path, input_name, image_shape, image_value_range, layers=None,
                   **extra):
    """Write a Lucid-style `manifest.json` (type 'frozen') for Model.load / load_from_manifest.

    A relative `model_path` (e.g. "./graph.pb") is resolved against the manifest's folder on load.
    `extra` keys (is_BGR, labels_path, dataset, ...) become attributes of the loaded model.
    """
    manifest = {"type": "frozen", "model_path": model_path, "input_name": input_name,
                "image_shape": list(image_shape), "image_value_range": image_value_range}
    if layers is not None:
        manifest["layers"] = list(layers)
    manifest.update(extra)
    with open(manifest_url, "w", encoding="utf-8") as f:
        f.write(to_json(manifest, indent=1))


class FileServer:
    """A real HTTP server on 127.0.0.1 serving `files` ({"/path": bytes}; 404 otherwise) from a
    thread; `requests` lists every path asked for. Use as a context manager: yields itself, with
    `url` the server's base URL."""

    def __init__(self, files):
        import http.server  # pylint: disable=import-outside-toplevel

        self.files, self.requests = files, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._srv.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._srv.server_address[1]}"

    def __enter__(self):
        import threading  # pylint: disable=import-outside-toplevel

        threading.Thread(target=self._srv.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._srv.shutdown()
        self._srv.server_close()
