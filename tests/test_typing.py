"""The typed public API: mypy finds no error in TYPED_MODULES, whose public functions are annotated.

mypy's settings are the ``[mypy]`` sections of setup.cfg; it runs in-process through
``mypy.api.run``, so CI (which runs pytest) checks the types.
"""
import importlib
import inspect
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import mypy.api
import pytest

ROOT = Path(__file__).resolve().parents[1]

# The modules whose public API carries type hints; add a module here once it is annotated.
TYPED_MODULES = (
    "lucid_vgg.misc.channel_reducer",
    "lucid_vgg.misc.graph_analysis",
    "lucid_vgg.misc.graph_analysis.filter_overlay",
    "lucid_vgg.misc.graph_analysis.overlay_graph",
    "lucid_vgg.misc.graph_analysis.parse_overlay",
    "lucid_vgg.misc.graph_analysis.property_inference",
    "lucid_vgg.misc.io",
    "lucid_vgg.misc.io.grid",
    "lucid_vgg.misc.io.loading",
    "lucid_vgg.misc.io.saving",
    "lucid_vgg.misc.io.serialize_array",
    "lucid_vgg.misc.io.showing",
    "lucid_vgg.misc.io.writing",
    "lucid_vgg.misc.io.reading",
    "lucid_vgg.misc.io.scoping",
    "lucid_vgg.misc.io.sanitizing",
    "lucid_vgg.misc.io.collapse_channels",
    "lucid_vgg.misc.iter_nd_utils",
    "lucid_vgg.misc.ndimage_utils",
    "lucid_vgg.misc.stimuli",
    "lucid_vgg.misc.tfutil",
    "lucid_vgg.misc.convert_matplotlib",
    "lucid_vgg.misc.environment",
    "lucid_vgg.optvis.channel_cut",
    "lucid_vgg.optvis.fast_graph",
    "lucid_vgg.optvis.graph_mode",
    "lucid_vgg.optvis.live_model",
    "lucid_vgg.optvis.numerics",
    "lucid_vgg.optvis.objectives",
    "lucid_vgg.optvis.objectives_util",
    "lucid_vgg.optvis.overrides",
    "lucid_vgg.optvis.overrides.gradient_override",
    "lucid_vgg.optvis.overrides.identity_grad",
    "lucid_vgg.optvis.overrides.redirected_relu_grad",
    "lucid_vgg.optvis.overrides.smoothed_maxpool_grad",
    "lucid_vgg.optvis.param",
    "lucid_vgg.optvis.presets",
    "lucid_vgg.optvis.param._checks",
    "lucid_vgg.optvis.param.color",
    "lucid_vgg.optvis.param.cppn",
    "lucid_vgg.optvis.param.images",
    "lucid_vgg.optvis.param.lowres",
    "lucid_vgg.optvis.param.random",
    "lucid_vgg.optvis.param.resize_bilinear_nd",
    "lucid_vgg.optvis.param.spatial",
    "lucid_vgg.optvis.param.unit_balls",
    "lucid_vgg.optvis.param.variables",
    "lucid_vgg.optvis.progress",
    "lucid_vgg.optvis.render",
    "lucid_vgg.optvis.render_parts",
    "lucid_vgg.optvis.render_step",
    "lucid_vgg.optvis.seeding",
    "lucid_vgg.optvis.style",
    "lucid_vgg.optvis.transform",
    "lucid_vgg.optvis.transform_size",
    "lucid_vgg.optvis.visualization",
    "lucid_vgg.recipes",
    "lucid_vgg.recipes._common",
    "lucid_vgg.recipes._photos",
    "lucid_vgg.recipes.activation_atlas",
    "lucid_vgg.recipes.activation_atlas.collect",
    "lucid_vgg.recipes.activation_atlas.layout",
    "lucid_vgg.recipes.activation_atlas.main",
    "lucid_vgg.recipes.activation_atlas.render",
    "lucid_vgg.recipes.activation_atlas.whitening",
    "lucid_vgg.recipes.activation_grid",
    "lucid_vgg.recipes.attribution",
    "lucid_vgg.recipes.dataset_examples",
    "lucid_vgg.recipes.caricature",
    "lucid_vgg.recipes.feature_visualization",
    "lucid_vgg.recipes.image_activations",
    "lucid_vgg.recipes.image_interpolation_params",
    "lucid_vgg.recipes.feature_vis",
    "lucid_vgg.recipes.layer_renders",
    "lucid_vgg.recipes.manifest",
    "lucid_vgg.recipes.model_renders",
    "lucid_vgg.recipes.neuron_groups",
    "modelzoo.aligned_activations",
    "lucid_vgg.site",
    "lucid_vgg.site.build",
    "lucid_vgg.site.connections",
    "lucid_vgg.site.pages",
    "lucid_vgg.site.render_output",
    "lucid_vgg.recipes.output_store",
    "lucid_vgg.recipes.ray_executor",
    "lucid_vgg.recipes.unit_batches",
    "lucid_vgg.recipes.unit_settings",
    "modelzoo.caffe_models",
    "modelzoo.fileio",
    "modelzoo.get_activations",
    "modelzoo.graph_outline",
    "modelzoo.images",
    "modelzoo.channel_subset",
    "modelzoo.freezing",
    "modelzoo.layer",
    "modelzoo.layer_ops",
    "modelzoo.loading",
    "modelzoo.nets_factory",
    "modelzoo.receptive_field",
    "modelzoo.save_args",
    "modelzoo.saving",
    "modelzoo.types",
    "modelzoo.util",
    "modelzoo.vision_base",
    "modelzoo.wordnet",
)


def test_mypy_finds_no_errors_in_typed_modules(monkeypatch):
    monkeypatch.chdir(ROOT)  # mypy resolves the package from the working directory first
    args = ["--config-file", str(ROOT / "setup.cfg"), "--cache-dir", os.devnull]
    for module in TYPED_MODULES:
        args += ["-m", module]
    stdout, stderr, status = mypy.api.run(args)
    assert status == 0, f"mypy reported errors (exit {status}):\n{stdout}{stderr}"


def public_functions(module: ModuleType) -> Iterator[tuple[str, Callable]]:
    """(qualified name, function) for the module's own public functions and its classes' methods."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr not in ("__init__", "__call__"):
                    continue
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                elif isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    yield f"{name}.{attr}", member


#: ray.remote adds this keyword to the methods of an actor class (and its bases) at run time
RAY_ADDED = "_ray_trace_ctx"


def missing_annotations(func: Callable) -> list[str]:
    """Parameters of ``func`` (and "return") lacking an annotation; a leading self/cls is exempt."""
    signature = inspect.signature(func)
    missing = [p.name for i, p in enumerate(signature.parameters.values())
               if p.annotation is p.empty and not (i == 0 and p.name in ("self", "cls"))
               and p.name != RAY_ADDED]
    if signature.return_annotation is signature.empty:
        missing.append("return")
    return missing


@pytest.mark.parametrize("module_name", TYPED_MODULES)
def test_public_functions_are_annotated(module_name):
    module = importlib.import_module(module_name)
    unannotated = {name: missing for name, func in public_functions(module)
                   if (missing := missing_annotations(func))}
    assert not unannotated, f"{module_name}: public functions lack annotations: {unannotated}"


def test_annotation_check_reports_what_is_missing():
    class Example:
        def __init__(self, a: int) -> None:
            pass

        def method(self, x, y: int):
            return x

    module = ModuleType("example")
    Example.__module__ = module.__name__
    module.Example = Example

    def untyped(x, *args, key: str = "", **kwargs) -> int:
        return 0

    untyped.__module__ = module.__name__
    module.untyped = untyped
    found = {name: missing_annotations(func) for name, func in public_functions(module)}
    assert found == {"Example.__init__": [], "Example.method": ["x", "return"],
                     "untyped": ["x", "args", "kwargs"]}
