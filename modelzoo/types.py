"""Type aliases for modelzoo's public signatures, so each says once what an image shape, a
value range or a layer list is."""
from typing import Any, Callable, Dict, Optional, Sequence, Union

import numpy as np

#: [height, width, channels]; None where any size goes (a graph with a free batch/x/y size).
ImageShape = Sequence[Optional[int]]
#: One end of an input value range: a scalar, or one value per colour channel.
ValueBound = Union[float, np.ndarray]
#: (low, high) of the pixel values a graph expects, e.g. (0, 1), (-1, 1) or per channel.
ValueRange = Sequence[ValueBound]
#: Layers as Model.save and the metadata list them: names, Lucid-style dicts or Layer objects.
LayerEntries = Sequence[Any]
#: `layers` of get_activations: one layer name (one array back) or several (a dict back).
LayerNames = Union[str, Sequence[str]]
#: Activations as get_activations returns them: one array, or a dict by layer name.
Activations = Union[np.ndarray, Dict[str, np.ndarray]]
#: What freeze accepts: a Keras model, tf.function, ConcreteFunction or callable on an image batch.
Freezable = Callable[..., Any]
