"""`sanitize`: make a string (typically a layer name such as 'conv4_1/conv4_1') safe as a file name."""


def sanitize(string: str) -> str:
    """`string` with every '/' replaced by '_', so a layer name can be used as one path component."""
    if not isinstance(string, str):
        raise TypeError("sanitize takes a str (e.g. a layer name), got %s %r; convert it with str() "
                        "first if that is what you mean." % (type(string).__name__, string))
    return string.replace("/", "_")
