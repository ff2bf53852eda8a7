def neutralise_formula(value):
    """Text starting like a formula would run in a spreadsheet (formula injection): neutralise it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
