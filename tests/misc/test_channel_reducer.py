"""ChannelReducer against real scikit-learn estimators on small random tensors."""
import numpy as np
import pytest
import sklearn.decomposition
import sklearn.manifold

from lucid_vgg.misc.channel_reducer import ChannelReducer


@pytest.fixture
def acts():
    """Non-negative [h, w, c] activations, as after a ReLU."""
    return np.random.RandomState(0).rand(6, 7, 8).astype(np.float32)


def test_nmf_matches_sklearn(acts):
    reducer = ChannelReducer(3, random_state=0, max_iter=400)
    out = reducer.fit_transform(acts)
    ref = sklearn.decomposition.NMF(n_components=3, random_state=0, max_iter=400)
    ref_out = ref.fit_transform(acts.reshape(-1, 8))
    assert out.shape == (6, 7, 3)
    np.testing.assert_allclose(out.reshape(-1, 3), ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reducer.components_, ref.components_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reducer.transform(acts).reshape(-1, 3), ref.transform(acts.reshape(-1, 8)),
                               rtol=1e-4, atol=1e-5)


def test_default_is_nmf_and_deterministic(acts):
    a = ChannelReducer(random_state=1, max_iter=200)
    b = ChannelReducer(random_state=1, max_iter=200)
    assert isinstance(a._reducer, sklearn.decomposition.NMF)
    assert a.n_components == 3
    np.testing.assert_array_equal(a.fit_transform(acts), b.fit_transform(acts))


def test_batched_shape(acts):
    batch = np.stack([acts, acts * 0.5])
    out = ChannelReducer(2, random_state=0, max_iter=200).fit_transform(batch)
    assert out.shape == (2, 6, 7, 2)


def test_call_fits_then_transforms(acts):
    reducer = ChannelReducer(2, "PCA")
    first = reducer(acts)
    assert reducer._is_fit
    components = reducer.components_.copy()
    second = reducer(acts[:3])  # transform only: components unchanged
    np.testing.assert_array_equal(components, reducer.components_)
    np.testing.assert_allclose(second, first[:3], rtol=1e-4, atol=1e-5)


def test_fit_returns_self(acts):
    reducer = ChannelReducer(2, "PCA")
    assert reducer.fit(acts) is reducer
    assert reducer.transform(acts).shape == (6, 7, 2)


def test_pca_by_name_class_and_instance(acts):
    ref = sklearn.decomposition.PCA(n_components=2).fit_transform(acts.reshape(-1, 8))
    by_name = ChannelReducer(2, "PCA").fit_transform(acts)
    by_class = ChannelReducer(2, sklearn.decomposition.PCA).fit_transform(acts)
    instance = sklearn.decomposition.PCA(n_components=2)
    reducer = ChannelReducer(reduction_alg=instance)
    by_instance = reducer.fit_transform(acts)
    assert reducer._reducer is instance and reducer.n_components == 2
    for out in (by_name, by_class, by_instance):
        np.testing.assert_allclose(out.reshape(-1, 2), ref, rtol=1e-4, atol=1e-5)


def test_instance_with_unset_n_components_gets_it(acts):
    reducer = ChannelReducer(4, sklearn.decomposition.PCA())
    assert reducer.fit_transform(acts).shape == (6, 7, 4)


@pytest.mark.parametrize("alg", ["TSNE", "Isomap"])
def test_manifold_fit_transform(alg):
    data = np.random.RandomState(0).rand(4, 5, 6)
    kwargs = {"perplexity": 5.0, "random_state": 0, "init": "random"} if alg == "TSNE" else {"n_neighbors": 5}
    out = ChannelReducer(2, alg, **kwargs).fit_transform(data)
    assert out.shape == (4, 5, 2) and np.isfinite(out).all()


def test_tsne_transform_is_clear_error():
    reducer = ChannelReducer(2, "TSNE", perplexity=5.0, random_state=0, init="random")
    reducer.fit_transform(np.random.RandomState(0).rand(20, 4))
    with pytest.raises(AttributeError, match="fit_transform"):
        reducer.transform(np.zeros((3, 4)))


def test_attribute_forwarding_and_dir(acts):
    reducer = ChannelReducer(2, "PCA")
    with pytest.raises(AttributeError, match="after fit"):
        reducer.components_
    reducer.fit(acts)
    np.testing.assert_array_equal(reducer.components, reducer._reducer.components_)
    np.testing.assert_array_equal(reducer.explained_variance_ratio_,
                                  reducer._reducer.explained_variance_ratio_)
    names = dir(reducer)
    for name in ("components_", "components", "explained_variance_ratio", "fit", "transform"):
        assert name in names
    with pytest.raises(AttributeError):
        reducer.no_such_thing


def test_nmf_negative_input_error(acts):
    bad = acts.copy()
    bad[1, 2, 3] = -2.5
    with pytest.raises(ValueError, match=r"non-negative.*-2\.5.*ReLU.*PCA"):
        ChannelReducer(2).fit(bad)
    # PCA accepts the same data
    assert ChannelReducer(2, "PCA").fit_transform(acts - 0.5).shape == (6, 7, 2)


def test_unknown_algorithm_lists_valid_names():
    with pytest.raises(ValueError, match=r"'Nope'.*NMF.*PCA.*TSNE"):
        ChannelReducer(2, "Nope")


def test_too_many_components(acts):
    with pytest.raises(ValueError, match=r"n_components=9 .*8"):
        ChannelReducer(9).fit_transform(acts)


@pytest.mark.parametrize("bad", [2.0, "3", True, 0])
def test_bad_n_components(bad):
    with pytest.raises(ValueError, match="n_components"):
        ChannelReducer(bad)


def test_accepts_tf_tensor(acts):
    tf = pytest.importorskip("tensorflow")
    out = ChannelReducer(2, "PCA").fit_transform(tf.constant(acts))
    assert isinstance(out, np.ndarray) and out.shape == (6, 7, 2)


def test_pickle_and_deepcopy(acts):
    import copy
    import pickle
    reducer = ChannelReducer(2, "PCA").fit(acts)
    for clone in (pickle.loads(pickle.dumps(reducer)), copy.deepcopy(reducer)):
        np.testing.assert_allclose(clone.transform(acts), reducer.transform(acts))
        np.testing.assert_array_equal(clone.components, reducer.components_)


def test_prefitted_estimator_transforms_without_fit(acts):
    """transform checks the estimator's own fitted state, so a pre-fitted instance still works."""
    fitted = sklearn.decomposition.PCA(n_components=2).fit(acts.reshape(-1, 8))
    out = ChannelReducer(2, fitted).transform(acts)
    np.testing.assert_allclose(out.reshape(-1, 2), fitted.transform(acts.reshape(-1, 8)), rtol=1e-6)


def test_sklearn_refusal_gets_our_sentence_first(acts):
    """An estimator's own refusal is re-raised with what was reduced, the original kept as cause."""
    with pytest.raises(ValueError, match=r"^PCA could not reduce 3 samples x 8 channels .*"
                                         r"n_components=4.*min\(n_samples, n_features\)") as info:
        ChannelReducer(4, "PCA").fit(acts[0, :3])
    assert isinstance(info.value.__cause__, ValueError)


def test_nonfinite_message_counts_and_locates(acts):
    bad = acts.copy()
    bad[2, 3, 4] = np.inf
    bad[5, 6, 7] = np.nan
    with pytest.raises(ValueError, match=r"holds 2 NaN or infinite values \(the first, inf, at "
                                         r"index \(2, 3, 4\).*np\.nan_to_num"):
        ChannelReducer(2, "PCA").fit_transform(bad)
    reducer = ChannelReducer(2, "PCA").fit(acts)
    with pytest.raises(ValueError, match="holds 1 NaN"):
        reducer.transform(bad[5:])


def test_transform_before_fit_is_sklearns_not_fitted_error(acts):
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError, match=r"^This ChannelReducer \(PCA\) is not fitted yet: call fit"):
        ChannelReducer(2, "PCA").transform(acts)
