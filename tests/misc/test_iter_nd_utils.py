"""misc.iter_nd_utils: n-d enumeration, dict -> ndarray, batching, checked against NumPy."""
import numpy as np
import pytest

from lucid_vgg.misc.iter_nd_utils import batch_iter, dict_to_ndarray, recursive_enumerate_nd


def test_enumerate_nested_generators_matches_ndindex():
    it = ((x * 10 + y for y in range(4)) for x in range(3))
    got = list(recursive_enumerate_nd(it))
    assert got == [(idx, idx[0] * 10 + idx[1]) for idx in np.ndindex(3, 4)]


def test_stop_iter_keeps_arrays_whole_and_strings_are_leaves():
    imgs = np.arange(2 * 3 * 4 * 4 * 3).reshape(2, 3, 4, 4, 3)
    got = list(recursive_enumerate_nd(imgs, stop_iter=lambda x: isinstance(x, np.ndarray) and x.ndim <= 3))
    assert [i for i, _ in got] == list(np.ndindex(2, 3))
    np.testing.assert_array_equal(got[4][1], imgs[1, 1])
    assert list(recursive_enumerate_nd([["ab", "c"], "de"])) == [((0, 0), "ab"), ((0, 1), "c"), ((1,), "de")]
    assert list(recursive_enumerate_nd([1], prefix=(7,))) == [((7, 0), 1)]
    with pytest.raises(TypeError, match="iterable"):
        list(recursive_enumerate_nd(5))


def test_dict_to_ndarray_scalars_and_arrays_round_trip():
    assert dict_to_ndarray({(0, 0): 3, (1, 1): 7}).tolist() == [[3, 0], [0, 7]]
    assert dict_to_ndarray({(0,): 1}).dtype == np.float32
    grid = np.random.default_rng(0).integers(0, 9, (3, 2, 4, 5)).astype(np.uint8)
    d = {idx: grid[idx] for idx in np.ndindex(3, 2)}
    back = dict_to_ndarray(d)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, grid)
    d2 = {idx: v for idx, v in recursive_enumerate_nd(grid, stop_iter=lambda x: x.ndim <= 2)}
    np.testing.assert_array_equal(dict_to_ndarray(d2), grid)


@pytest.mark.parametrize("bad, words", [({}, "non-empty"), ({(0,): 1, (0, 1): 2}, "same length"),
                                        ({(0, -1): 1}, "non-negative"), ({"a": 1}, "tuple")])
def test_dict_to_ndarray_bad_input(bad, words):
    with pytest.raises(ValueError, match=words):
        dict_to_ndarray(bad)


def test_batch_iter_on_lists_generators_and_bad_sizes():
    assert list(batch_iter(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batch_iter((i for i in range(4)), batch_size=2)) == [[0, 1], [2, 3]]
    assert list(batch_iter([], 5)) == []
    assert sum(map(len, batch_iter(range(200)))) == 200 and len(next(batch_iter(range(200)))) == 64
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            next(batch_iter([1, 2], bad))
