"""misc.tfutil.create_session: Lucid's interactive session in graph mode, a clear error in eager."""
import subprocess
import sys
import textwrap

import pytest
import tensorflow as tf

from lucid_vgg.misc.tfutil import create_session


def test_eager_mode_says_how_to_get_a_session():
    with pytest.raises(RuntimeError, match=r"executing eagerly.*tf\.compat\.v1\.disable_v2_behavior\(\)"):
        create_session()


def test_graph_mode_session_has_lucids_config():
    with tf.Graph().as_default() as outer:
        sess = create_session(timeout_sec=2.5)
        try:
            assert isinstance(sess, tf.compat.v1.InteractiveSession)
            assert sess.graph is not outer and tf.compat.v1.get_default_graph() is sess.graph
            assert tf.compat.v1.get_default_session() is sess
            config = sess._config  # pylint: disable=protected-access
            assert config.gpu_options.allow_growth and config.operation_timeout_in_ms == 2500
            assert (tf.constant(3.0) * 2).eval() == 6.0  # .eval() uses the interactive session
        finally:
            sess.close()
        assert tf.compat.v1.get_default_graph() is outer
        with pytest.raises(ValueError, match="timeout_sec"):
            create_session(timeout_sec=0)


def test_lucid_notebook_style_after_disable_v2_behavior():
    """What Lucid's notebooks do: disable TF2 behaviour, `sess = create_session()`, build, eval."""
    code = textwrap.dedent("""
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
        from lucid_vgg.misc.tfutil import create_session
        sess = create_session()
        x = tf.placeholder(tf.float32, [2])
        y = tf.reduce_sum(x * x)
        print(y.eval({x: [3.0, 4.0]}), sess.run(tf.shape(x), {x: [1.0, 2.0]}).tolist())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["25.0", "[2]"]
