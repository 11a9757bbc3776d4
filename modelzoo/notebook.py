"""Is this code running inside a Jupyter kernel? TensorFlow-free, so both layers may ask it:
`Model.show_graph` and `lucid_vgg.misc.io.show` display HTML/pictures there and text elsewhere."""


def in_notebook() -> bool:
    """True inside an IPython kernel (Jupyter, Colab, nbclient), False in a terminal or script."""
    try:
        from IPython import get_ipython  # pylint: disable=import-outside-toplevel
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
